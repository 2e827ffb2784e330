/**
 * Headings and paragraphs from a document's lines: the body size is the font size most text is set
 * in; lines clearly bigger are headings, their sizes ranked into levels; a line starts a new
 * paragraph after a gap wider than the usual line spacing, when it is indented, or when it is a list item.
 */
import { mostCommon, type PdfLine } from "./pdf-layout.js";
import { dropSoftHyphens, joinLine } from "./pdf-text.js";

export type PdfBlock = { kind: "heading"; level: number; text: string } | { kind: "paragraph"; text: string };

/** What the whole document's lines say about its typesetting. */
export interface PdfTypesetting {
  bodySize: number;
  /** Baseline to baseline within a paragraph of body text. */
  lineSpacing: number;
  /** Heading level (1 for the biggest) by font size; sizes not here are body text. */
  headingLevels: Map<number, number>;
}

/** A heading is set at least this much bigger than the body, and at least a point bigger. */
const HEADING_RATIO = 1.15;
/** Longer "headings" are big print, not headings. */
const HEADING_MAX_WORDS = 25;

const sizeKey = (size: number) => Math.round(size * 2) / 2;

/** Characters set in each font size (rounded to half a point). */
function charsBySize(pages: PdfLine[][]): Map<number, number> {
  const chars = new Map<number, number>();
  for (const lines of pages) for (const l of lines) chars.set(sizeKey(l.size), (chars.get(sizeKey(l.size)) ?? 0) + l.text.length);
  return chars;
}

/** The font size most of the text is set in. */
export function bodySizeOf(pages: PdfLine[][]): number {
  return mostCommon(charsBySize(pages));
}

/** Whether text of `size` is set clearly bigger than body text of `bodySize`. */
export function isHeadingSize(size: number, bodySize: number): boolean {
  const s = sizeKey(size);
  return s >= bodySize * HEADING_RATIO && s - bodySize >= 1;
}

export function measureTypesetting(pages: PdfLine[][]): PdfTypesetting {
  const chars = charsBySize(pages);
  const bodySize = mostCommon(chars);
  const headingSizes = [...chars.keys()].filter((s) => isHeadingSize(s, bodySize)).sort((a, b) => b - a);
  const headingLevels = new Map(headingSizes.map((s, i) => [s, Math.min(6, i + 1)]));

  const gaps = new Map<number, number>();
  for (const lines of pages) {
    for (let i = 1; i < lines.length; i++) {
      const [a, b] = [lines[i - 1]!, lines[i]!];
      if (a.flow !== b.flow || sizeKey(a.size) !== bodySize || sizeKey(b.size) !== bodySize) continue;
      const gap = Math.round((a.y - b.y) * 2) / 2;
      if (gap > 0) gaps.set(gap, (gaps.get(gap) ?? 0) + 1);
    }
  }
  const lineSpacing = gaps.size > 0 ? mostCommon(gaps) : bodySize * 1.2;
  return { bodySize, lineSpacing, headingLevels };
}

/** A page's headings and paragraphs, in reading order. */
export function pageBlocks(lines: PdfLine[], type: PdfTypesetting): PdfBlock[] {
  const blocks: PdfBlock[] = [];
  const flowLeft = new Map<number, number>();
  for (const l of lines) flowLeft.set(l.flow, Math.min(flowLeft.get(l.flow) ?? Infinity, l.x0));
  let current: { level: number | undefined; text: string; last: PdfLine } | undefined;
  const close = () => {
    if (!current) return;
    const text = dropSoftHyphens(current.text);
    blocks.push(current.level === undefined ? { kind: "paragraph", text } : { kind: "heading", level: current.level, text });
    current = undefined;
  };
  for (const line of lines) {
    let level = type.headingLevels.get(sizeKey(line.size));
    if (level !== undefined && line.text.split(/\s+/).length > HEADING_MAX_WORDS) level = undefined;
    if (current && current.level === level && continues(current.last, line, level === undefined ? type.lineSpacing : line.size * 1.6, type, flowLeft)) {
      current.text = joinLine(current.text, line.text);
      current.last = line;
      continue;
    }
    close();
    current = { level, text: line.text, last: line };
  }
  close();
  return blocks;
}

/** Whether `line` goes on the paragraph (or heading) whose last line is `prev`. */
function continues(prev: PdfLine, line: PdfLine, spacing: number, type: PdfTypesetting, flowLeft: Map<number, number>): boolean {
  // In the next column a sentence goes on only mid-sentence.
  if (prev.flow !== line.flow) return /^\p{Ll}/u.test(line.text);
  const drop = prev.y - line.y;
  if (Math.abs(drop) < 0.1 * line.size) return true; // the same row, cut at a wide gap
  if (drop < 0 || drop > spacing * 1.3 || LIST_MARKER.test(line.text)) return false;
  const left = flowLeft.get(line.flow) ?? line.x0;
  const indent = type.bodySize * 0.8;
  // An indented first line opens a paragraph; the indented lines under a list item's marker do not.
  return !(line.x0 - left > indent && prev.x0 - left <= indent && !LIST_MARKER.test(prev.text));
}

const LIST_MARKER = /^(?:[\u2022\u25E6\u25AA*\u2013-]|\d{1,3}[.)]|\p{L}[.)])\s/u;
