import { describe, expect, it } from "vitest";
import { columnTypes, plainRows, readParquetTable } from "../../test/support/parquet-reader.js";
import type { SynthRecord } from "../method/record.js";
import { arrowBytes, HF_COLUMNS, hfRow, parquetOf, type HfRow } from "./parquet-table.js";

const plainRecord: SynthRecord = {
  instruction: "What does the report say about rainfall?",
  output: "It fell by a tenth.",
  article_index: 3,
  level: "micro",
  features: ["rainfall"],
  resynthesized: false,
  rounds: 0,
  source_id: "corpus.jsonl:4",
};

const readRecord: SynthRecord = {
  instruction: "Which chapter names the river? — «ü»",
  output: "Chapter two.",
  article_index: 5_000_000_000,
  level: "scatter",
  features: ["river", "bank", ""],
  resynthesized: true,
  rounds: 2,
  source_id: "book.epub#2",
  source_span: [120, 4_000_000_000],
  source: { file: "book.epub", chapter: { number: 2, title: "The River" } },
  page: 17,
  section: "Part I > Rivers",
};

describe("parquetOf", () => {
  it("writes every column with its Parquet type, lists as lists and nulls as nulls, read back equal by another reader", () => {
    const rows = [hfRow(plainRecord, undefined), hfRow(readRecord, 7)];
    const table = readParquetTable(new Uint8Array(parquetOf(rows)));
    expect(columnTypes(table)).toEqual({
      instruction: "Utf8",
      output: "Utf8",
      level: "Utf8",
      features: "List<Utf8>",
      article_index: "Int64",
      source_id: "Utf8",
      resynthesized: "Bool",
      rounds: "Int32",
      source_span: "List<Int64>?",
      source_file: "Utf8?",
      chapter: "Int32?",
      chapter_title: "Utf8?",
      page: "Int32?",
      section: "Utf8?",
      judge_score: "Int32?",
    });
    expect(table.schema.fields.map((f) => f.name)).toEqual(HF_COLUMNS.map((c) => c.name));
    // INT64 comes back as bigint, INT32 as number.
    expect(typeof table.get(1)!.article_index).toBe("bigint");
    expect(typeof table.get(1)!.rounds).toBe("number");
    expect(plainRows(table)).toEqual<HfRow[]>([
      {
        instruction: plainRecord.instruction, output: plainRecord.output, level: "micro", features: ["rainfall"], article_index: 3,
        source_id: "corpus.jsonl:4", resynthesized: false, rounds: 0, source_span: null, source_file: null, chapter: null,
        chapter_title: null, page: null, section: null, judge_score: null,
      },
      {
        instruction: readRecord.instruction, output: "Chapter two.", level: "scatter", features: ["river", "bank", ""], article_index: 5_000_000_000,
        source_id: "book.epub#2", resynthesized: true, rounds: 2, source_span: [120, 4_000_000_000], source_file: "book.epub", chapter: 2,
        chapter_title: "The River", page: 17, section: "Part I > Rivers", judge_score: 7,
      },
    ]);
  });

  it("counts the rows' size as Arrow holds them: text bytes, offsets, fixed widths", () => {
    const one = arrowBytes([hfRow(plainRecord, undefined)]);
    const longer = arrowBytes([hfRow({ ...plainRecord, output: `${plainRecord.output}ééé` }, undefined)]);
    expect(longer - one).toBe(6); // three two-byte characters
    expect(arrowBytes([])).toBeGreaterThan(0); // offsets of empty columns
  });
});
