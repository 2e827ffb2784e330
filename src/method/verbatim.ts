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
 * The text with every quote mark in plain ASCII form and every run of white space as one space,
 * plus, for each character of the result, the offset of the character it came from.
 */
function canonical(text: string): { text: string; origin: number[] } {
  let out = "";
  const origin: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      if (out.length > 0 && out[out.length - 1] !== " ") {
        out += " ";
        origin.push(i);
      }
      continue;
    }
    out += QUOTES[ch] ?? ch;
    origin.push(i);
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
  const doc = canonical(document);
  return (sentence) => locateIn(doc, sentence);
}

function locateIn(doc: { text: string; origin: number[] }, sentence: string): Span | undefined {
  const quoted = canonical(sentence).text;
  const trimmed = quoted.replace(/[.!?。！？…]+$/u, "");
  for (const needle of [quoted, trimmed]) {
    if (needle.length === 0) continue;
    const at = doc.text.indexOf(needle);
    if (at >= 0) {
      const last = at + needle.length - 1;
      return { start: doc.origin[at]!, end: doc.origin[last]! + 1 };
    }
  }
  return undefined;
}
