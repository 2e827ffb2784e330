/**
 * Whether a code point is written with about one token per character: Han ideographs (including
 * the supplementary planes), Hiragana, Katakana, Hangul, Thai, and CJK or full-width punctuation.
 */
export function isWide(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || // CJK unified ideographs
    (cp >= 0x3400 && cp <= 0x4dbf) || // CJK extension A
    (cp >= 0x20000 && cp <= 0x3ffff) || // CJK extensions B and later
    (cp >= 0xf900 && cp <= 0xfaff) || // CJK compatibility ideographs
    (cp >= 0x3000 && cp <= 0x30ff) || // CJK punctuation, Hiragana, Katakana
    (cp >= 0x31f0 && cp <= 0x31ff) || // Katakana phonetic extensions
    (cp >= 0xac00 && cp <= 0xd7af) || // Hangul syllables
    (cp >= 0x1100 && cp <= 0x11ff) || // Hangul jamo
    (cp >= 0x3130 && cp <= 0x318f) || // Hangul compatibility jamo
    (cp >= 0x0e00 && cp <= 0x0e7f) || // Thai
    (cp >= 0xff00 && cp <= 0xffef) // full-width and half-width forms
  );
}

/**
 * A tokenizer-free token estimate: each CJK, Hangul, Kana or Thai character counts as one token,
 * every other character (counted by code point) as a quarter of a token, and the sum is rounded up.
 * Close to what GPT-style tokenizers give for English prose and East Asian text; code and unusual
 * scripts may come out lower than a real count.
 */
export function estimateTokens(text: string): number {
  let quarters = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    quarters += isWide(cp) ? 4 : 1;
    i += cp > 0xffff ? 2 : 1;
  }
  return Math.ceil(quarters / 4);
}
