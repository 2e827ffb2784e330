import { writeFile } from "node:fs/promises";
import { parquetWriteBuffer, type SchemaElement } from "hyparquet-writer";
import type { SynthRecord } from "../method/record.js";

/** One row of the Hugging Face dataset: a record's text and provenance, and its judge's score. */
export interface HfRow {
  instruction: string;
  output: string;
  level: string;
  features: string[];
  article_index: number;
  source_id: string;
  resynthesized: boolean;
  rounds: number;
  source_span: [number, number] | null;
  source_file: string | null;
  chapter: number | null;
  chapter_title: string | null;
  page: number | null;
  section: string | null;
  judge_score: number | null;
}

type Kind = "string" | "int32" | "int64" | "bool" | "string-list" | "int64-list";

/** A column: its name, its type (in the Hub's words in the card), whether it may be null, and what it holds. */
export interface HfColumn {
  name: keyof HfRow;
  kind: Kind;
  nullable: boolean;
  description: string;
}

export const HF_COLUMNS: readonly HfColumn[] = [
  { name: "instruction", kind: "string", nullable: false, description: "the instruction (question or task)" },
  { name: "output", kind: "string", nullable: false, description: "the response, grounded in the source document" },
  { name: "level", kind: "string", nullable: false, description: "micro, scatter or macro (Self-Foveate's levels), or self-qa" },
  { name: "features", kind: "string-list", nullable: false, description: "what the instruction was foveated on: an element, a keyword group, or a sentence" },
  { name: "article_index", kind: "int64", nullable: false, description: "0-based place of the document in the corpus as read" },
  { name: "source_id", kind: "string", nullable: false, description: "the document the item came from (chunks of one document share it)" },
  { name: "resynthesized", kind: "bool", nullable: false, description: "whether the instruction was synthesized again after a failed check" },
  { name: "rounds", kind: "int32", nullable: false, description: "re-synthesis rounds it took (0: first try)" },
  { name: "source_span", kind: "int64-list", nullable: true, description: "[start, end) character offsets of the item's text in its document; null when not recorded" },
  { name: "source_file", kind: "string", nullable: true, description: "the file the document was read from (PDF, Markdown, ...); null for a JSONL/CSV corpus" },
  { name: "chapter", kind: "int32", nullable: true, description: "EPUB: the 1-based chapter in reading order; null otherwise" },
  { name: "chapter_title", kind: "string", nullable: true, description: "EPUB: the chapter's title when known; null otherwise" },
  { name: "page", kind: "int32", nullable: true, description: "PDF: the 1-based page the item's text starts on; null otherwise" },
  { name: "section", kind: "string", nullable: true, description: "the heading path where the item's text is, joined \" > \"; null when none" },
  { name: "judge_score", kind: "int32", nullable: true, description: "the curation judge's 1-10 score; null when not judged" },
];

export function hfRow(record: SynthRecord, judgeScore: number | undefined): HfRow {
  return {
    instruction: record.instruction,
    output: record.output,
    level: record.level,
    features: record.features,
    article_index: record.article_index,
    source_id: record.source_id,
    resynthesized: record.resynthesized,
    rounds: record.rounds,
    source_span: record.source_span ?? null,
    source_file: record.source?.file ?? null,
    chapter: record.source?.chapter?.number ?? null,
    chapter_title: record.source?.chapter?.title ?? null,
    page: record.page ?? null,
    section: record.section ?? null,
    judge_score: judgeScore ?? null,
  };
}

function schemaOf(column: HfColumn): SchemaElement[] {
  const repetition_type = column.nullable ? "OPTIONAL" : "REQUIRED";
  const name = column.name;
  switch (column.kind) {
    case "string":
      return [{ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type }];
    case "int32":
      return [{ name, type: "INT32", repetition_type }];
    case "int64":
      return [{ name, type: "INT64", repetition_type }];
    case "bool":
      return [{ name, type: "BOOLEAN", repetition_type }];
    case "string-list":
    case "int64-list":
      // The standard three-level LIST: a group, its repeated "list", its "element".
      return [
        { name, repetition_type, converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        column.kind === "string-list"
          ? { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" }
          : { name: "element", type: "INT64", repetition_type: "REQUIRED" },
      ];
  }
}

/** The column's values as the writer takes them: INT64 as bigint. */
function valuesOf(column: HfColumn, rows: readonly HfRow[]): unknown[] {
  const key = column.name;
  if (column.kind === "int64") return rows.map((r) => (r[key] === null ? null : BigInt(r[key] as number)));
  if (column.kind === "int64-list") return rows.map((r) => (r[key] === null ? null : (r[key] as number[]).map((n) => BigInt(n))));
  return rows.map((r) => r[key]);
}

/** The rows as one Parquet file (Snappy), typed column by column: lists as LIST, integers as INT32/INT64, nulls as nulls. */
export function parquetOf(rows: readonly HfRow[]): ArrayBuffer {
  const schema: SchemaElement[] = [{ name: "root", num_children: HF_COLUMNS.length }, ...HF_COLUMNS.flatMap(schemaOf)];
  return parquetWriteBuffer({
    columnData: HF_COLUMNS.map((column) => ({ name: column.name, data: valuesOf(column, rows) })),
    schema,
    createdBy: "foveate (hyparquet-writer)",
  });
}

export async function writeParquet(path: string, rows: readonly HfRow[]): Promise<number> {
  const bytes = new Uint8Array(parquetOf(rows));
  await writeFile(path, bytes, { flag: "wx" });
  return bytes.byteLength;
}

/**
 * The rows' size as Arrow holds them in memory (the Hub's num_bytes): string bytes with 4-byte
 * offsets, fixed widths for numbers, a bit per boolean, a validity bitmap for nullable columns.
 */
export function arrowBytes(rows: readonly HfRow[]): number {
  let bytes = 0;
  const utf8 = (s: string) => Buffer.byteLength(s, "utf8");
  for (const column of HF_COLUMNS) {
    const key = column.name;
    bytes += column.nullable ? Math.ceil(rows.length / 8) : 0;
    switch (column.kind) {
      case "string":
        bytes += 4 * (rows.length + 1);
        for (const r of rows) bytes += r[key] === null ? 0 : utf8(r[key] as string);
        break;
      case "int32":
        bytes += 4 * rows.length;
        break;
      case "int64":
        bytes += 8 * rows.length;
        break;
      case "bool":
        bytes += Math.ceil(rows.length / 8);
        break;
      case "string-list":
        bytes += 4 * (rows.length + 1);
        for (const r of rows) for (const s of (r[key] as string[] | null) ?? []) bytes += 4 + utf8(s);
        break;
      case "int64-list":
        bytes += 4 * (rows.length + 1);
        for (const r of rows) bytes += 8 * ((r[key] as number[] | null)?.length ?? 0);
        break;
    }
  }
  return bytes;
}
