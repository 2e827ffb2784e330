/**
 * Running headers, footers and page numbers: lines at the top or bottom of pages that repeat across
 * pages once digits are set aside ("Page 3" and "Page 4" match), and lone page numbers.
 */
import { isHeadingSize } from "./pdf-blocks.js";
import type { PdfLine } from "./pdf-layout.js";

/** Rows from each edge of a page where headers and footers are looked for. */
const EDGE_ROWS = 2;

/** "12", "Page 12", "12 of 40", "- 12 -", "xiv". */
const PAGE_NUMBER = /^(?:page\s+)?(?:\d{1,5}|[ivxlcdm]{1,7})(?:\s*(?:of|\/)\s*\d{1,5})?$/i;

export function isPageNumber(text: string): boolean {
  return PAGE_NUMBER.test(text.replace(/^[-\u2013\u2014\s]+|[-\u2013\u2014\s]+$/g, ""));
}

/** The text a running header or footer keeps from page to page. */
export function boilerplateKey(text: string): string {
  return text.toLowerCase().replace(/\d+/g, "#").replace(/\s+/g, " ").trim();
}

/**
 * Each page's lines without its running headers, footers and page numbers. Lines set bigger than
 * the body (`bodySize`) are headings: a chapter's title at the top of its first page is content,
 * even when every chapter's title reads alike once digits are set aside ("Chapter 3").
 */
export function removeBoilerplate(pages: PdfLine[][], bodySize: number): PdfLine[][] {
  const edges = pages.map((lines) => new Set([...edgeLines(lines)].filter((l) => !isHeadingSize(l.size, bodySize))));
  const pagesWithKey = new Map<string, number>();
  for (const edge of edges) {
    for (const key of new Set([...edge].map((l) => boilerplateKey(l.text)))) pagesWithKey.set(key, (pagesWithKey.get(key) ?? 0) + 1);
  }
  // A line repeating on three pages (or on every page of a shorter document) is furniture, not content.
  const repeats = Math.min(3, pages.length);
  return pages.map((lines, i) =>
    lines.filter((line) => {
      if (!edges[i]!.has(line)) return true;
      if (isPageNumber(line.text)) return false;
      return pages.length < 2 || (pagesWithKey.get(boilerplateKey(line.text)) ?? 0) < repeats;
    }),
  );
}

/** The lines on the page's top and bottom rows. */
function edgeLines(lines: PdfLine[]): Set<PdfLine> {
  const rows = [...new Set(lines.map((l) => Math.round(l.y)))].sort((a, b) => b - a);
  const edge = new Set([...rows.slice(0, EDGE_ROWS), ...rows.slice(-EDGE_ROWS)]);
  return new Set(lines.filter((l) => edge.has(Math.round(l.y))));
}
