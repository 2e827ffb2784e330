/** Closing marks that belong to the sentence they follow: quotes and brackets. */
const CLOSERS = /["'\u201d\u2019\u00bb)\]\u300d\u300f\uff09\u3011]/u;

/** Titles and the like whose full stop does not end a sentence. */
const ABBREVIATIONS = new Set(["dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr", "mt", "no", "vs", "etc", "e.g", "i.e", "fig", "vol", "gen", "col", "capt", "rev"]);

/** Whether the full stop at `i` closes an abbreviation or an initial ("Dr.", "J."). */
function abbreviationBefore(text: string, i: number): boolean {
  const word = /([\p{L}.]+)$/u.exec(text.slice(Math.max(0, i - 6), i))?.[1] ?? "";
  return ABBREVIATIONS.has(word.toLowerCase()) || /^\p{Lu}$/u.test(word);
}

/** Whether the character at `i` ends a sentence: a CJK full stop, or . ! ? … followed by space, a closer or the end. */
function endsSentence(text: string, i: number): boolean {
  const ch = text[i]!;
  if (/[。！？]/u.test(ch)) return true;
  if (!/[.!?\u2026]/u.test(ch)) return false;
  if (ch === "." && abbreviationBefore(text, i)) return false;
  const next = text[i + 1];
  return next === undefined || /\s/u.test(next) || CLOSERS.test(next);
}

/**
 * The sentence a span lies in: extended back to the end of the sentence before it (or a line
 * break, or the start) and forward to its own end mark with any closing quote, white space at the
 * edges left out. A span that already crosses sentence ends keeps them.
 */
export function sentenceAround(text: string, span: { start: number; end: number }): { start: number; end: number } {
  let start = span.start;
  while (start > 0) {
    const before = start - 1;
    if (text[before] === "\n" || endsSentence(text, before)) break;
    if (CLOSERS.test(text[before]!) && before > 0 && endsSentence(text, before - 1)) break;
    start--;
  }
  while (start < span.start && /\s/u.test(text[start]!)) start++;
  let end = span.end;
  // A span that ends with a closing quote ends its sentence if the mark inside the quote does.
  let last = end - 1;
  while (last > span.start && CLOSERS.test(text[last]!)) last--;
  if (!(end > span.start && endsSentence(text, last))) {
    while (end < text.length && text[end] !== "\n" && !endsSentence(text, end)) end++;
    if (end < text.length && text[end] !== "\n") end++;
  }
  while (end < text.length && CLOSERS.test(text[end]!)) end++;
  while (end > span.end && /\s/u.test(text[end - 1]!)) end--;
  return { start, end };
}
