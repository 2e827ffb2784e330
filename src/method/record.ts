import type { DocumentStructure } from "../corpus/extracted-document.js";
import type { SourceDocument } from "../corpus/source-document.js";
import type { Level } from "./levels.js";

/** One kept (instruction, response) pair with its provenance: a line of the output dataset. */
export interface SynthRecord {
  instruction: string;
  output: string;
  /** 0-based position of the document in the corpus as read. */
  article_index: number;
  level: Level | "self-qa";
  /** The foveated feature: [element], the keyword group, or [sentence as it stands in the document]. */
  features: string[];
  /** Whether the instruction was re-synthesized after a failure. */
  resynthesized: boolean;
  /** Re-synthesis rounds it took (0 for a first-time success). */
  rounds: number;
  source_id: string;
  /** Where this record's text stands in its document, [start, end): its chunk, or for a read document (PDF, Markdown, ...) the whole text when not cut. */
  source_span?: [number, number];
  /** Macro only: character offsets [start, end) of the sentence in the document. */
  offsets?: Array<[number, number]>;
  /** For a document read with its structure (a PDF, a Markdown file, a chapter of an EPUB): the file, and the chapter. */
  source?: Pick<DocumentStructure, "file" | "chapter">;
  /** PDF: the page the record's text starts on (macro: the page its sentence stands on), 1-based. */
  page?: number;
  /** The heading path where the record's text is, joined " > " (absent before the first heading). */
  section?: string;
}

type Provenance = Pick<SynthRecord, "article_index" | "source_id" | "source_span" | "source" | "page" | "section">;

/**
 * The fields of a record that say which document it came from. `at` is where in the document's
 * text the record's own text is (a macro sentence's start); by default the start of its text. A
 * document without a structure gives only its index, id and span, as records always had.
 */
export function provenance(document: SourceDocument, at?: number): Provenance {
  const fields: Provenance = {
    article_index: document.index,
    source_id: document.sourceId,
    ...(document.span ? { source_span: [document.span.start, document.span.end] as [number, number] } : {}),
  };
  const structure = document.structure;
  if (!structure) return fields;
  const offset = at ?? Math.max(0, document.text.search(/\S/));
  const page = lastStartingBy(structure.pages ?? [], offset)?.page;
  const path = lastStartingBy(structure.sections, offset)?.path ?? [];
  return {
    ...fields,
    // The span in the extracted text is said for every record of a read document, the whole text when it was not cut.
    source_span: fields.source_span ?? [0, document.text.length],
    source: { file: structure.file, ...(structure.chapter ? { chapter: structure.chapter } : {}) },
    ...(page !== undefined ? { page } : {}),
    ...(path.length > 0 ? { section: path.join(" > ") } : {}),
  };
}

/** The last of the parts (in text order) that starts at or before `offset`: the one `offset` is in, or the blank lines after it. */
function lastStartingBy<T extends { start: number }>(parts: readonly T[], offset: number): T | undefined {
  let found: T | undefined;
  for (const part of parts) {
    if (part.start > offset) break;
    found = part;
  }
  return found;
}
