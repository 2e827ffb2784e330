/**
 * A PDF page's text items put back into lines, in reading order: rows of items at one baseline,
 * cut where a wide gap (a gutter) lies between them, and a two-column page read column by column.
 */
import { normalizeText } from "./pdf-text.js";

/** One text item of a page: its text, baseline start (PDF points, y up) and font size. */
export interface PdfTextItem {
  str: string;
  x: number;
  y: number;
  width: number;
  size: number;
}

/** A line of text on a page, as read. */
export interface PdfLine {
  text: string;
  /** Left and right ends, and baseline, in PDF points (y grows upwards). */
  x0: number;
  x1: number;
  y: number;
  /** Font size of most of its characters. */
  size: number;
  /**
   * Which run of text on the page the line belongs to: lines of one column share it, so a change
   * between two lines is a jump to the next column, not a gap on the page.
   */
  flow: number;
}

/** A gap wider than this many font sizes between items on one baseline separates two lines. */
const GUTTER_EMS = 1.5;
/** Items whose baselines differ by less than this many font sizes sit on one row. */
const SAME_ROW_EMS = 0.4;

/** The page's lines in reading order. */
export function pageLines(items: PdfTextItem[]): PdfLine[] {
  return readingOrder(rowFragments(items));
}

/** Items grouped into rows by baseline, each row cut at wide gaps; in no particular order. */
export function rowFragments(items: PdfTextItem[]): PdfLine[] {
  const sorted = items.filter((i) => i.str.trim() !== "" && i.size > 0).sort((a, b) => b.y - a.y || a.x - b.x);
  const rows: PdfTextItem[][] = [];
  for (const item of sorted) {
    const row = rows[rows.length - 1];
    const first = row?.[0];
    if (row && first && Math.abs(first.y - item.y) <= SAME_ROW_EMS * Math.max(first.size, item.size)) row.push(item);
    else rows.push([item]);
  }
  const lines: PdfLine[] = [];
  for (const row of rows) {
    row.sort((a, b) => a.x - b.x);
    let part: PdfTextItem[] = [];
    for (const item of row) {
      const last = part[part.length - 1];
      if (last && item.x - (last.x + last.width) > GUTTER_EMS * Math.max(last.size, item.size)) {
        lines.push(lineOf(part));
        part = [];
      }
      part.push(item);
    }
    if (part.length > 0) lines.push(lineOf(part));
  }
  return lines;
}

function lineOf(items: PdfTextItem[]): PdfLine {
  let text = "";
  let end = -Infinity;
  const charsBySize = new Map<number, number>();
  for (const item of items) {
    const str = normalizeText(item.str);
    // Items of one word often abut; a visible gap with no space at the seam is a word break.
    const gap = item.x - end;
    if (text !== "" && gap > 0.15 * item.size && !/\s$/.test(text) && !/^\s/.test(str)) text += " ";
    text += str;
    end = Math.max(end, item.x + item.width);
    charsBySize.set(item.size, (charsBySize.get(item.size) ?? 0) + str.trim().length);
  }
  const first = items[0]!;
  return {
    text: text.replace(/ {2,}/g, " ").trim(),
    x0: first.x,
    x1: end,
    y: items.reduce((sum, i) => sum + i.y, 0) / items.length,
    size: mostCommon(charsBySize),
    flow: 0,
  };
}

/** The key with the largest count (the smallest key among ties, so the result is stable). */
export function mostCommon(counts: Map<number, number>): number {
  let best = 0;
  let bestCount = -1;
  for (const [key, count] of counts) {
    if (count > bestCount || (count === bestCount && key < best)) {
      best = key;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Fragments in reading order. On a two-column page, lines that cross the gutter (a title over both
 * columns) cut the page into bands; each band is read left column first, then right.
 */
export function readingOrder(lines: PdfLine[]): PdfLine[] {
  const topDown = [...lines].sort((a, b) => b.y - a.y || a.x0 - b.x0);
  const gutter = findGutter(topDown);
  if (gutter === undefined) return topDown.map((l) => ({ ...l, flow: 0 }));
  const out: PdfLine[] = [];
  let flow = 0;
  let left: PdfLine[] = [];
  let right: PdfLine[] = [];
  const flush = () => {
    for (const column of [left, right]) {
      if (column.length === 0) continue;
      out.push(...column.map((l) => ({ ...l, flow })));
      flow++;
    }
    left = [];
    right = [];
  };
  for (const line of topDown) {
    if (line.x1 <= gutter) left.push(line);
    else if (line.x0 >= gutter) right.push(line);
    else {
      flush();
      out.push({ ...line, flow });
      flow++;
    }
  }
  flush();
  return out;
}

/**
 * The x of the gutter between two columns, or undefined for a page of one column. Two columns: in
 * the middle half of the text's width some x is crossed by few lines, most lines lie wholly on
 * either side of it, and the lines on each side are wide beside the gap between the sides.
 */
export function findGutter(lines: PdfLine[]): number | undefined {
  if (lines.length < 6) return undefined;
  const left = Math.min(...lines.map((l) => l.x0));
  const right = Math.max(...lines.map((l) => l.x1));
  const width = right - left;
  let bestX: number | undefined;
  let bestCrossing = Infinity;
  let bestRun = 0;
  let run = 0;
  let runStart = 0;
  for (let x = Math.ceil(left + width * 0.25); x <= left + width * 0.75; x++) {
    const crossing = lines.filter((l) => l.x0 < x && l.x1 > x).length;
    if (crossing < bestCrossing) {
      bestCrossing = crossing;
      run = 0;
      bestRun = 0;
    }
    if (crossing === bestCrossing) {
      if (run === 0) runStart = x;
      run++;
      // The middle of the widest clear band is the gutter.
      if (run > bestRun) {
        bestRun = run;
        bestX = (runStart + x) / 2;
      }
    } else run = 0;
  }
  if (bestX === undefined || bestCrossing > lines.length * 0.2) return undefined;
  const gutter = bestX;
  const onLeft = lines.filter((l) => l.x1 <= gutter);
  const onRight = lines.filter((l) => l.x0 >= gutter);
  if (onLeft.length < 3 || onRight.length < 3) return undefined;
  // Columns are much wider than the gutter between them; the cells of a two-column table are not.
  const gap = Math.min(...onRight.map((l) => l.x0)) - Math.max(...onLeft.map((l) => l.x1));
  const wideFor = (side: PdfLine[]) => {
    const widths = side.map((l) => l.x1 - l.x0).sort((a, b) => a - b);
    return widths[Math.floor(widths.length / 2)]! >= 2 * gap;
  };
  return wideFor(onLeft) && wideFor(onRight) ? gutter : undefined;
}
