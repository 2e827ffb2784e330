/**
 * The form text is compared in: NFKC (full-width letters and digits, ligatures, the ellipsis
 * character), lower case, thousands separators dropped ("1,200" is "1200"), and every run of
 * punctuation, symbols and space as one space. Dashes, quotes and ellipses, in whatever spelling,
 * all become that one space. Marks stay, so words of scripts with vowel signs (Thai, Devanagari)
 * are not cut apart.
 */
export function matchForm(text: string): string {
  return casedMatchForm(text).toLowerCase();
}

/** matchForm with case kept, for the words that are compared case and all (see sameWord). */
export function casedMatchForm(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/(?<=\d)[,\u2009\u202f](?=\d{3}(?!\d))/gu, "")
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

/**
 * Whether a word is an acronym written in capitals ("US", "WHO", "NASA"): two or more letters, none
 * lower case. Such a word is another word than its lower-case look-alike ("us", "who").
 */
export function isAcronym(word: string): boolean {
  return !/\p{Ll}/u.test(word) && (word.match(/\p{Lu}/gu)?.length ?? 0) >= 2;
}
