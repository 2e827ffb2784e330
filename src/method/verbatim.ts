/** Where a quoted sentence stands in its document: character offsets, end excluded. */
export interface Span {
  start: number;
  end: number;
}

const QUOTES: Record<string, string> = {
  "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
  "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u0060": "'",
};

/**
 * Runs of punctuation with several spellings, each folded to one form: dashes (en and em dashes,
 * bars, the minus sign, two or more hyphens; Chinese doubles the dash, "——") as one "—", and
 * ellipses (the ellipsis characters, two or more full stops; Chinese doubles it too, "……") as "...".
 */
const DASH_RUN = /(?:[\u2012-\u2015\u2212\ufe58\ufe63]|-{2,})+/uy;
const DOTS_RUN = /(?:[\u2026\u22ef]|[.\uff0e]{2,})[.\uff0e\u2026\u22ef]*/uy;

/** The folded run of dashes or dots that starts at `at`, and how long it is in the source; undefined if none does. */
function runAt(text: string, at: number): { piece: string; length: number } | undefined {
  for (const [pattern, piece] of [[DASH_RUN, "\u2014"], [DOTS_RUN, "..."]] as const) {
    pattern.lastIndex = at;
    const run = pattern.exec(text);
    if (run) return { piece, length: run[0].length };
  }
  return undefined;
}

/**
 * The text folded for comparing quotes: NFKC (full-width punctuation, the ellipsis as three full
 * stops), every quote mark in plain ASCII form, every run of dashes as "—" with no space around
 * it, every run of dots as "...", every run of white space as one space; plus, for each character
 * of the result, the offset of the character it came from.
 */
function canonical(text: string): { text: string; origin: number[] } {
  let out = "";
  const origin: number[] = [];
  const emit = (piece: string, from: number) => {
    out += piece;
    for (let k = 0; k < piece.length; k++) origin.push(from);
  };
  for (let i = 0; i < text.length; ) {
    const run = runAt(text, i);
    if (run) {
      if (run.piece === "\u2014" && out.endsWith(" ")) {
        out = out.slice(0, -1);
        origin.pop();
      }
      emit(run.piece, i);
      i += run.length;
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

/** Offset just past the character (a run of dashes or dots, a surrogate pair) that starts at `at`. */
function endOfCharacter(source: string, at: number): number {
  return at + (runAt(source, at)?.length ?? String.fromCodePoint(source.codePointAt(at)!).length);
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
