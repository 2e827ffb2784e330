/**
 * Splits documents that are too long for the model's context into consecutive chunks.
 * Token counts are estimated without a tokenizer (see `estimateTokens`), so callers should leave
 * some headroom: pass the context length less the prompt's own text and the longest reply.
 */
import { isWide } from "./estimate-tokens.js";
import type { DocumentStructure } from "./extracted-document.js";
import type { SourceDocument } from "./source-document.js";

/** A document as the pipeline sees it: a whole source document, or one chunk of a long one (with its span). */
export type ChunkedDocument = SourceDocument;

export interface Span {
  start: number;
  end: number;
}

/** A blank line, with all the whitespace around its end. */
const PARAGRAPH_BREAK = /\n[^\S\n]*\n\s*/g;
/** A sentence end (group 1) and the whitespace after it: ". " or "?\" " or "。" (no space needed). */
const SENTENCE_END = /([.!?][)\]"'”’»]*(?=\s|$)|[。！？][」』”’）)\]]*)\s*/g;
const WHITESPACE = /\s+/g;

/**
 * Spans [start, end) that cut `text` into chunks of at most `maxTokens` estimated tokens each.
 * Text that fits is one span. Otherwise chunks are made greedily: each is as long as the budget
 * allows, then cut back to the last of `boundaries` (where sections start), else the last
 * paragraph break (blank line), else the last sentence end, else the last whitespace, else cut at
 * the limit itself. A break that would keep less than half of the chunk gives way to a later
 * break of the next kind, so that chunks stay well filled.
 * Spans are contiguous and cover the whole text; the whitespace at a cut stays with the earlier
 * chunk. A whitespace-only span is folded into its neighbour (this is the only way a span can
 * exceed the budget, and then only by whitespace). Offsets are UTF-16 code units and never fall
 * inside a surrogate pair. Empty text gives no spans.
 */
export function chunkSpans(text: string, maxTokens: number, boundaries: readonly number[] = []): Span[] {
  if (!(maxTokens >= 1)) throw new RangeError(`maxTokens must be at least 1, got ${maxTokens}`);
  const budget = Math.floor(maxTokens) * 4; // in quarter tokens, the unit of estimateTokens
  const spans: Span[] = [];
  for (let start = 0; start < text.length; ) {
    const limit = reach(text, start, budget);
    const end = limit === text.length ? limit : cutPoint(text, start, limit, boundaries);
    spans.push({ start, end });
    start = end;
  }
  return foldBlankSpans(text, spans);
}

/** The furthest end, on a code point boundary, such that text[start, end) fits the budget. */
function reach(text: string, start: number, budget: number): number {
  let used = 0;
  let i = start;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    const cost = isWide(cp) ? 4 : 1;
    if (used + cost > budget) break;
    used += cost;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

/** Where to end the chunk that starts at `start` and may reach `limit` (exclusive, < text.length). */
function cutPoint(text: string, start: number, limit: number, boundaries: readonly number[]): number {
  // One character past the limit lets "followed by a space" be checked at the limit itself.
  const window = text.slice(start, limit + 1);
  const size = limit - start;
  const content = window.search(/\S/);
  if (content < 0 || content >= size) return limit;

  const candidates = [
    lastBoundary(boundaries, start, content, size),
    lastParagraphBreak(window, size, content),
    lastSentenceEnd(window, size),
    lastWhitespace(window, size, content),
  ];
  const wellFilled = candidates.find((cut) => cut !== undefined && cut >= size / 2);
  const cut = wellFilled ?? candidates.find((cut) => cut !== undefined);
  return start + (cut ?? size);
}

/** Cuts lie in (content, size]: the chunk keeps some text and stays within the window. */
function lastBoundary(boundaries: readonly number[], start: number, content: number, size: number): number | undefined {
  let cut: number | undefined;
  for (const boundary of boundaries) {
    const at = boundary - start;
    if (at > content && at <= size && (cut === undefined || at > cut)) cut = at;
  }
  return cut;
}

function lastParagraphBreak(window: string, size: number, content: number): number | undefined {
  let cut: number | undefined;
  for (const m of window.matchAll(PARAGRAPH_BREAK)) {
    const blankLineEnd = m.index + m[0].indexOf("\n", 1) + 1;
    if (m.index > content && blankLineEnd <= size) cut = Math.min(m.index + m[0].length, size);
  }
  return cut;
}

function lastSentenceEnd(window: string, size: number): number | undefined {
  let cut: number | undefined;
  for (const m of window.matchAll(SENTENCE_END)) {
    if (m.index + m[1]!.length <= size) cut = Math.min(m.index + m[0].length, size);
  }
  return cut;
}

function lastWhitespace(window: string, size: number, content: number): number | undefined {
  let cut: number | undefined;
  for (const m of window.matchAll(WHITESPACE)) {
    if (m.index > content && m.index < size) cut = Math.min(m.index + m[0].length, size);
  }
  return cut;
}

/** Merges whitespace-only spans into the span before them (or, at the start, the one after). */
function foldBlankSpans(text: string, spans: Span[]): Span[] {
  const out: Span[] = [];
  let pendingStart: number | undefined;
  for (const span of spans) {
    if (/\S/.test(text.slice(span.start, span.end))) {
      out.push({ start: pendingStart ?? span.start, end: span.end });
      pendingStart = undefined;
    } else if (out.length > 0) {
      out[out.length - 1]!.end = span.end;
    } else {
      pendingStart ??= span.start;
    }
  }
  if (out.length === 0 && text.length > 0) return [{ start: 0, end: text.length }];
  return out;
}

/**
 * Passes documents through, splitting each one longer than `maxTokens` into chunk documents:
 * `text` is the chunk, `sourceId` the original's, `span` the chunk's offsets in the original text.
 * A document with a structure is cut where its sections start first, and each chunk carries the
 * part of the structure that falls in it, re-based to the chunk's text.
 * `index` is renumbered over everything yielded, so every chunk gets its own article_index.
 */
export async function* chunkDocuments(
  documents: AsyncIterable<SourceDocument>,
  maxTokens: number,
): AsyncGenerator<ChunkedDocument> {
  if (!(maxTokens >= 1)) throw new RangeError(`maxTokens must be at least 1, got ${maxTokens}`);
  let index = 0;
  for await (const document of documents) {
    const { structure } = document;
    const spans = chunkSpans(document.text, maxTokens, structure?.sections.map((section) => section.start));
    if (spans.length <= 1) {
      yield { ...document, index: index++ };
      continue;
    }
    for (const span of spans) {
      const chunk = { ...document, index: index++, text: document.text.slice(span.start, span.end), span };
      yield structure ? { ...chunk, structure: structureWithin(structure, span) } : chunk;
    }
  }
}

/** The sections and pages that overlap `span`, cut to it, with offsets counted from its start. */
export function structureWithin(structure: DocumentStructure, span: Span): DocumentStructure {
  const within = <T extends Span>(parts: readonly T[]): T[] =>
    parts
      .filter((part) => part.start < span.end && part.end > span.start)
      .map((part) => ({ ...part, start: Math.max(part.start, span.start) - span.start, end: Math.min(part.end, span.end) - span.start }));
  const { pages, ...rest } = structure;
  return { ...rest, sections: within(structure.sections), ...(pages ? { pages: within(pages) } : {}) };
}
