/** Where a quoted sentence stands in its document: character offsets, end excluded. */
export interface Span {
  start: number;
  end: number;
}

const QUOTES: Record<string, string> = {
  "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
  "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u0060": "'",
};

/** Dashes in any spelling: en and em dashes, bars, the minus sign, and two or three hyphens. */
const DASH = /^(?:[\u2012-\u2015\u2212\ufe58\ufe63]|-{2,3})/u;

/**
 * The text folded for comparing quotes: NFKC (full-width punctuation, the ellipsis as three full
 * stops), every quote mark in plain ASCII form, every dash as "—" with no space around it, every
 * run of white space as one space; plus, for each character of the result, the offset of the
 * character it came from.
 */
function canonical(text: string): { text: string; origin: number[] } {
  let out = "";
  const origin: number[] = [];
  const emit = (piece: string, from: number) => {
    out += piece;
    for (let k = 0; k < piece.length; k++) origin.push(from);
  };
  for (let i = 0; i < text.length; ) {
    const dash = DASH.exec(text.slice(i, i + 3));
    if (dash) {
      if (out.endsWith(" ")) {
        out = out.slice(0, -1);
        origin.pop();
      }
      emit("\u2014", i);
      i += dash[0].length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (/\s/.test(ch)) {
      if (out.length > 0 && !out.endsWith(" ") && !out.endsWith("\u2014")) emit(" ", i);
    } else {
      emit(QUOTES[ch] ?? ch.normalize("NFKC"), i);
    }
    i += ch.length;
  }
  if (out.endsWith(" ")) {
    out = out.slice(0, -1);
    origin.pop();
  }
  return { text: out, origin };
}

/**
 * Find a sentence the model quoted in the document, tolerating differences in white space and
 * quote style, and a final punctuation mark the model dropped or added. Returns its span in the
 * original document, or undefined when the sentence is not really there.
 */
export function locateSentence(document: string, sentence: string): Span | undefined {
  return sentenceLocator(document)(sentence);
}

/** locateSentence for many sentences of one document, reading the document once. */
export function sentenceLocator(document: string): (sentence: string) => Span | undefined {
  const doc = { ...canonical(document), source: document };
  return (sentence) => locateIn(doc, sentence);
}

/** Offset just past the character (a dash of several hyphens, a surrogate pair) that starts at `at`. */
function endOfCharacter(source: string, at: number): number {
  const dash = DASH.exec(source.slice(at, at + 3));
  return at + (dash ? dash[0].length : String.fromCodePoint(source.codePointAt(at)!).length);
}

function locateIn(doc: { text: string; origin: number[]; source: string }, sentence: string): Span | undefined {
  const quoted = canonical(sentence).text;
  const trimmed = quoted.replace(/[.!?。！？…]+$/u, "");
  for (const needle of [quoted, trimmed]) {
    if (needle.length === 0) continue;
    const at = doc.text.indexOf(needle);
    if (at >= 0) {
      const last = at + needle.length - 1;
      return { start: doc.origin[at]!, end: endOfCharacter(doc.source, doc.origin[last]!) };
    }
  }
  return undefined;
}
