import { casedMatchForm, isAcronym, sameWord } from "./match-form.js";
import { hasUnspacedScript } from "./script.js";

/** Letters of scripts whose words are not set apart from Latin words and digits by spaces ("在NASA工作", "1949년"). */
const UNSPACED_OR_HANGUL = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}\\p{Script=Hangul}";
const LATIN_OR_DIGIT = "\\p{Script=Latin}\\p{Nd}";
const SCRIPT_CHANGE = new RegExp(`(?<=[${UNSPACED_OR_HANGUL}])(?=[${LATIN_OR_DIGIT}])|(?<=[${LATIN_OR_DIGIT}])(?=[${UNSPACED_OR_HANGUL}])`, "gu");
const HANGUL = /\p{Script=Hangul}/u;

/**
 * Whether a term occurs in a text, as the prompts ask: word for word with word boundaries in
 * spaced scripts ("war" is not in "software"), tolerant of case, width, punctuation, thousands
 * separators, a plural ending and a leading article; as a substring (spaces aside) when the term
 * is written in a script without spaces. A change of script is a word boundary ("1949" is in
 * "成立于1949年"). Hangul words take attached particles ("서울" is in "서울은"); acronyms in capitals
 * keep their case ("US" is not in "tell us"). An empty term is present everywhere.
 */
export function containsTerm(text: string, term: string): boolean {
  const needle = casedMatchForm(term);
  if (needle.length === 0) return true;
  if (hasUnspacedScript(needle)) return folded(text).includes(folded(term));
  const words = needle.split(" ");
  if (words.length > 1 && /^(?:the|a|an)$/i.test(words[0]!)) words.shift();
  return indexOfWords(casedMatchForm(text).replace(SCRIPT_CHANGE, " ").split(" "), words) >= 0;
}

/** The terms that do not occur in the text (see containsTerm). */
export function missingTerms(text: string, terms: readonly string[]): string[] {
  return terms.filter((term) => !containsTerm(text, term));
}

/** Match form, lower case, without spaces: how substrings of unspaced scripts are compared. */
function folded(text: string): string {
  return casedMatchForm(text).toLowerCase().replace(/ /g, "");
}

/** Whether a word of the text is a word of the term (see containsTerm). */
function wordMatches(word: string, wanted: string): boolean {
  if (isAcronym(wanted)) return sameWord(word, wanted);
  const [a, b] = [word.toLowerCase(), wanted.toLowerCase()];
  return HANGUL.test(b) ? a.startsWith(b) : sameWord(a, b);
}

/** Where the word sequence `needle` starts in `words`; -1 if nowhere. */
function indexOfWords(words: readonly string[], needle: readonly string[]): number {
  for (let at = 0; at + needle.length <= words.length; at++) {
    if (needle.every((word, i) => wordMatches(words[at + i]!, word))) return at;
  }
  return -1;
}
