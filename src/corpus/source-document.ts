import type { DocumentStructure } from "./extracted-document.js";

/** One document read from the corpus, ready for the pipeline. */
export interface SourceDocument {
  /** 0-based position among the documents actually yielded (becomes article_index). */
  index: number;
  /** Stable identifier of where the text came from. */
  sourceId: string;
  text: string;
  /** For one chunk of a long document: its offsets [start, end) in the original text. */
  span?: { start: number; end: number };
  /**
   * Where the parts of `text` came from (file, sections, pages), with offsets in `text` itself (a
   * chunk's are re-based to the chunk). Only documents read by a format's reader, or written by
   * `foveate extract`, have one.
   */
  structure?: DocumentStructure;
}
