/** Text-level repairs for what a PDF's text layer gives: ligatures, odd spaces, hyphenated line ends. */

const LIGATURES: Record<string, string> = {
  "\uFB00": "ff",
  "\uFB01": "fi",
  "\uFB02": "fl",
  "\uFB03": "ffi",
  "\uFB04": "ffl",
  "\uFB05": "st",
  "\uFB06": "st",
};

/** Ligature glyphs spelled out, odd spaces (no-break, thin, ideographic, tabs) made plain, zero-width marks dropped. */
export function normalizeText(text: string): string {
  return text
    .replace(/[\uFB00-\uFB06]/g, (l) => LIGATURES[l] ?? l)
    .replace(/[\t\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g, " ")
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, "");
}

/**
 * Joins the next line of a paragraph to the text so far. A word broken at the line end ("exam-" and
 * "ple") becomes one word again when the line goes on in lower case; a soft hyphen always joins.
 */
export function joinLine(text: string, next: string): string {
  if (text === "") return next;
  if (next === "") return text;
  if (text.endsWith("\u00AD")) return text.slice(0, -1) + next;
  if (/\p{L}[-\u2010]$/u.test(text) && /^\p{Ll}/u.test(next)) return text.slice(0, -1) + next;
  return `${text} ${next}`;
}

/** Soft hyphens left inside words are invisible in print: drop them. */
export function dropSoftHyphens(text: string): string {
  return text.replace(/\u00AD/g, "");
}
