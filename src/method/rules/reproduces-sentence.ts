import { matchForm, sameWord } from "./match-form.js";
import { hasUnspacedScript } from "./script.js";

/** Share of a sentence's words that, found in order in an instruction, count as reproducing it. */
const MOST = 0.7;
/** Sentences shorter than this (in words, or characters of an unspaced script) are reproduced only whole. */
const SHORT = 4;

/**
 * Whether an instruction reproduces its sentence: the whole sentence, or most of its words in
 * order (characters, for scripts without spaces), compared in match form.
 */
export function reproducesSentence(instruction: string, sentence: string): boolean {
  const form = matchForm(sentence);
  const unspaced = hasUnspacedScript(form);
  const units = (text: string) => (unspaced ? [...matchForm(text).replace(/ /g, "")] : matchForm(text).split(" ").filter(Boolean));
  const wanted = units(sentence);
  if (wanted.length === 0) return false;
  const common = commonInOrder(units(instruction), wanted, unspaced ? (a, b) => a === b : sameWord);
  return wanted.length < SHORT ? common === wanted.length && containsRun(units(instruction), wanted) : common >= MOST * wanted.length;
}

/** Length of the longest common subsequence of two sequences. */
function commonInOrder(a: readonly string[], b: readonly string[], same: (x: string, y: string) => boolean): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 0; j < b.length; j++) row[j + 1] = same(x, b[j]!) ? previous[j]! + 1 : Math.max(previous[j + 1]!, row[j]!);
    previous = row;
  }
  return previous[b.length]!;
}

function containsRun(a: readonly string[], run: readonly string[]): boolean {
  for (let at = 0; at + run.length <= a.length; at++) if (run.every((u, i) => sameWord(a[at + i]!, u))) return true;
  return false;
}
