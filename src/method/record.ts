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
  /** For a document split into chunks: where this record's chunk stands in it, [start, end). */
  source_span?: [number, number];
  /** Macro only: character offsets [start, end) of the sentence in the document. */
  offsets?: Array<[number, number]>;
}

/** The fields of a record that say which document it came from. */
export function provenance(document: SourceDocument): Pick<SynthRecord, "article_index" | "source_id" | "source_span"> {
  return {
    article_index: document.index,
    source_id: document.sourceId,
    ...(document.span ? { source_span: [document.span.start, document.span.end] as [number, number] } : {}),
  };
}
