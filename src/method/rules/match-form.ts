/**
 * The form text is compared in: NFKC (full-width letters and digits, ligatures, the ellipsis
 * character), lower case, and every run of punctuation, symbols and space as one space. Dashes,
 * quotes and ellipses, in whatever spelling, all become that one space. Marks stay, so words of
 * scripts with vowel signs (Thai, Devanagari) are not cut apart.
 */
export function matchForm(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, " ")
    .trim();
}

/** The words of a text in match form. */
export function matchWords(text: string): string[] {
  const form = matchForm(text);
  return form.length === 0 ? [] : form.split(" ");
}

/**
 * Whether two words in match form are the same word, allowing a plural ending on either side
 * ("war"/"wars", "church"/"churches", "city"/"cities"). Words under three letters must be equal.
 */
export function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (short.length < 3) return false;
  return long === `${short}s` || long === `${short}es` || (short.endsWith("y") && long === `${short.slice(0, -1)}ies`);
}
