/**
 * Which reader reads a file, by its extension. Every format that gives a document with its
 * structure (a real document rather than records of a table) is one line of READERS.
 */
import { extname } from "node:path";
import type { DocumentReader } from "../extracted-document.js";
import { readDocx } from "./docx.js";
import { readEpub } from "./epub.js";
import { readHtml } from "./html.js";
import { readMarkdown } from "./markdown.js";
import { readPdf } from "./pdf.js";
import { readText } from "./text.js";

const READERS: Readonly<Record<string, DocumentReader>> = {
  ".txt": readText,
  ".md": readMarkdown,
  ".markdown": readMarkdown,
  ".pdf": readPdf,
  ".docx": readDocx,
  // Old Word files are refused by the DOCX reader with what to do.
  ".doc": readDocx,
  ".html": readHtml,
  ".htm": readHtml,
  ".epub": readEpub,
};

/** The extensions the readers take, lower case with their dot, in the table's order. */
export const DOCUMENT_EXTENSIONS: readonly string[] = Object.keys(READERS);

/** The reader for a file of this name (extensions are matched without regard to case), if any. */
export function readerFor(path: string): DocumentReader | undefined {
  const extension = extname(path).toLowerCase();
  return Object.hasOwn(READERS, extension) ? READERS[extension] : undefined;
}
