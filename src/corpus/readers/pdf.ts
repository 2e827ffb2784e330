/**
 * PDF through pdf.js (the `unpdf` build, which runs on Node 20 without a worker or a canvas). The
 * text layer's items carry positions and font sizes, from which the reading order, the headings
 * and the paragraphs are rebuilt; running headers, footers and page numbers are left out.
 */
import { getDocumentProxy } from "unpdf";
import { InputError } from "../../errors.js";
import type { DocumentReader } from "../extracted-document.js";
import { TextBuilder } from "../text-builder.js";
import { bodySizeOf, measureTypesetting, pageBlocks } from "./pdf-blocks.js";
import { removeBoilerplate } from "./pdf-boilerplate.js";
import { pageLines, type PdfLine, type PdfTextItem } from "./pdf-layout.js";

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

export const readPdf: DocumentReader = async (bytes, file) => {
  const pdf = await open(bytes, file);
  let pages: PdfLine[][];
  try {
    pages = await readPages(pdf, file);
  } finally {
    await pdf.destroy();
  }
  if (!pages.some((lines) => lines.length > 0)) throw new InputError(file, undefined, "no text layer (a scanned PDF?): run OCR first");

  const content = removeBoilerplate(pages, bodySizeOf(pages));
  const type = measureTypesetting(content);
  const builder = new TextBuilder();
  content.forEach((lines, i) => {
    builder.page(i + 1);
    for (const block of pageBlocks(lines, type)) {
      if (block.kind === "heading") builder.heading(block.level, block.text);
      else builder.paragraph(block.text);
    }
  });
  const { text, sections, pages: spans } = builder.build();
  if (text === "") throw new InputError(file, undefined, "no text besides page numbers and running headers: nothing to read");
  return [{ sourceId: file, text, structure: { file, sections, ...(spans ? { pages: spans } : {}) } }];
};

async function open(bytes: Uint8Array, file: string): Promise<PdfDocument> {
  try {
    // pdf.js takes the buffer it is given over (detaching it); the caller's bytes stay theirs.
    return await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  } catch (error) {
    if (nameOf(error) === "PasswordException") throw new InputError(file, undefined, "encrypted PDF: remove the password first");
    throw corrupt(file, error);
  }
}

/**
 * Each page's lines, one page at a time: a page's resources are released before the next is read,
 * so memory follows one page and the (small) lines kept, not the whole document.
 */
async function readPages(pdf: PdfDocument, file: string): Promise<PdfLine[][]> {
  const pages: PdfLine[][] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    let items: PdfTextItem[];
    try {
      const page = await pdf.getPage(n);
      try {
        items = textItems((await page.getTextContent()).items);
      } finally {
        page.cleanup();
      }
    } catch (error) {
      throw corrupt(file, error, n);
    }
    pages.push(pageLines(items));
  }
  return pages;
}

/** The positioned text items among what pdf.js gives (marked-content markers have no text). */
function textItems(raw: readonly object[]): PdfTextItem[] {
  const items: PdfTextItem[] = [];
  for (const item of raw) {
    if (!("str" in item) || !("transform" in item)) continue;
    const { str, transform, width, height } = item as { str: string; transform: number[]; width: number; height: number };
    const [, , c = 0, d = 0, x = 0, y = 0] = transform;
    items.push({ str, x, y, width, size: height > 0 ? height : Math.hypot(c, d) });
  }
  return items;
}

function corrupt(file: string, error: unknown, page?: number): InputError {
  const why = error instanceof Error ? error.message : String(error);
  const where = page === undefined ? "" : ` (page ${page})`;
  return new InputError(file, undefined, `not a readable PDF${where}, corrupt or truncated (${why}): re-export or repair it`);
}

function nameOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "name" in error ? String(error.name) : undefined;
}
