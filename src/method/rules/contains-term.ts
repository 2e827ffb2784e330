import { matchForm, matchWords, sameWord } from "./match-form.js";
import { hasUnspacedScript } from "./script.js";

/**
 * Whether a term occurs in a text, as the prompts ask: word for word with word boundaries in
 * spaced scripts ("war" is not in "software"), tolerant of case, width, punctuation and a plural
 * ending; as a substring (spaces aside) when the term is written in a script without spaces.
 * An empty term is present everywhere.
 */
export function containsTerm(text: string, term: string): boolean {
  const needle = matchForm(term);
  if (needle.length === 0) return true;
  if (hasUnspacedScript(needle)) return matchForm(text).replace(/ /g, "").includes(needle.replace(/ /g, ""));
  return indexOfWords(matchWords(text), needle.split(" ")) >= 0;
}

/** The terms that do not occur in the text (see containsTerm). */
export function missingTerms(text: string, terms: readonly string[]): string[] {
  return terms.filter((term) => !containsTerm(text, term));
}

/** Where the word sequence `needle` starts in `words`, words compared with sameWord; -1 if nowhere. */
function indexOfWords(words: readonly string[], needle: readonly string[]): number {
  for (let at = 0; at + needle.length <= words.length; at++) {
    if (needle.every((word, i) => sameWord(words[at + i]!, word))) return at;
  }
  return -1;
}
