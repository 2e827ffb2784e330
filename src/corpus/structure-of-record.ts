import type { DocumentStructure, PageSpan, SectionSpan } from "./extracted-document.js";

/**
 * The structure in a record written by `foveate extract` (its "source" field), read back. A record
 * whose "source" is anything but an object with "sections" has none: that field is the user's own.
 * Offsets past the end of the text (it was edited after extraction) are cut to its end, so a fix
 * to the text costs at most some drift in where headings and pages are said to start.
 */
export function structureOfRecord(source: unknown, textLength: number): DocumentStructure | { problem: string } | undefined {
  if (!isObject(source) || !Object.hasOwn(source, "sections")) return undefined;
  const bad = (what: string) => ({ problem: `"source" is not as foveate extract writes it: ${what}` });
  if (typeof source.file !== "string") return bad('"file" must be a string');
  if (!Array.isArray(source.sections)) return bad('"sections" must be an array');
  const clamp = (offset: number) => Math.min(offset, textLength);

  const sections: SectionSpan[] = [];
  for (const [i, section] of source.sections.entries()) {
    const span = spanOf(section);
    if (!span || !Array.isArray(section.path) || !section.path.every((part: unknown) => typeof part === "string")) {
      return bad(`sections[${i}] must be {"path": [strings], "start": N, "end": N} with 0 <= start <= end`);
    }
    sections.push({ path: section.path as string[], start: clamp(span.start), end: clamp(span.end) });
  }

  let pages: PageSpan[] | undefined;
  if (source.pages !== undefined) {
    if (!Array.isArray(source.pages)) return bad('"pages" must be an array');
    pages = [];
    for (const [i, page] of source.pages.entries()) {
      const span = spanOf(page);
      if (!span || !isCount(page.page)) return bad(`pages[${i}] must be {"page": N >= 1, "start": N, "end": N} with 0 <= start <= end`);
      pages.push({ page: page.page, start: clamp(span.start), end: clamp(span.end) });
    }
  }

  const chapter = source.chapter;
  if (chapter !== undefined && !(isObject(chapter) && isCount(chapter.number) && (chapter.title === undefined || typeof chapter.title === "string"))) {
    return bad('"chapter" must be {"number": N >= 1, "title"?: string}');
  }
  return {
    file: source.file,
    ...(chapter !== undefined ? { chapter: { number: chapter.number as number, ...(chapter.title !== undefined ? { title: chapter.title as string } : {}) } } : {}),
    sections,
    ...(pages ? { pages } : {}),
  };
}

function spanOf(value: unknown): (Record<string, unknown> & { start: number; end: number }) | undefined {
  if (!isObject(value)) return undefined;
  const { start, end } = value;
  return Number.isInteger(start) && Number.isInteger(end) && (start as number) >= 0 && (end as number) >= (start as number)
    ? (value as Record<string, unknown> & { start: number; end: number })
    : undefined;
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
