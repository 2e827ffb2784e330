/**
 * What reading a real document (PDF, DOCX, HTML, Markdown, EPUB) gives: its text, as paragraphs
 * separated by blank lines, and where each part of that text came from.
 */

/** A heading path ("History" > "The 1903 flood") and the text under it, up to the next heading. */
export interface SectionSpan {
  path: string[];
  /** Offsets [start, end) in the extracted text. */
  start: number;
  end: number;
}

/** The text that came from one PDF page. */
export interface PageSpan {
  /** 1-based. */
  page: number;
  start: number;
  end: number;
}

/** Where the parts of a document's text came from. */
export interface DocumentStructure {
  /** The file it was read from, as named under the corpus path. */
  file: string;
  /** EPUB: the chapter this document is (1-based, in reading order), and its title when known. */
  chapter?: { number: number; title?: string };
  /** In text order, covering the text; text before the first heading has the empty path. */
  sections: SectionSpan[];
  /** PDF only, in page order. */
  pages?: PageSpan[];
}

/** One document read from a file: an EPUB gives one per chapter, other formats one per file. */
export interface ExtractedDocument {
  /** "report.pdf", or "book.epub#3" for a chapter. */
  sourceId: string;
  text: string;
  structure: DocumentStructure;
}

/**
 * Reads one file of a format. Bad input (encrypted, no text layer, corrupt, no article) throws an
 * InputError naming the file and what to do.
 */
export type DocumentReader = (bytes: Uint8Array, file: string) => Promise<ExtractedDocument[]>;
