/**
 * The distinct words of a document, for the adaptive budget of DESIGN section 1.6.
 *
 * The authors' rule: drop every character that is not a letter, a digit or white space, split on
 * white space, keep the first occurrence of each word (case-sensitive). Scripts written without
 * spaces between words (Chinese, Japanese, Thai, and also Lao, Khmer and Myanmar) would make a
 * whole sentence one "word" under that rule, so their runs are cut into words with
 * `Intl.Segmenter` instead, keeping only word-like segments.
 *
 * Two deliberate details:
 * - Combining marks (`\p{M}`) are kept with the letter they modify: Thai vowel and tone marks,
 *   Devanagari vowel signs and decomposed accents are parts of letters, and dropping them would
 *   garble the word (and break Thai segmentation).
 * - Inside a run of a space-less script, a dropped character (such as the ideographic full stop)
 *   ends the run, so two sentences are never glued into one segmentation input. Elsewhere a dropped
 *   character simply disappears, as in the authors' rule ("well-known" becomes "wellknown").
 */

type RunKind = "cj" | "thai" | "lao" | "khmer" | "myanmar";

const LOCALE: Record<Exclude<RunKind, "cj">, string> = {
  thai: "th",
  lao: "lo",
  khmer: "km",
  myanmar: "my",
};

const HAN_OR_KANA = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}]/u;
const KANA = /[\p{sc=Hiragana}\p{sc=Katakana}]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const MARK = /\p{M}/u;
const SPACE = /\s/u;

/** The space-less script a character belongs to, if any. */
function runKind(char: string): RunKind | undefined {
  if (HAN_OR_KANA.test(char)) return "cj";
  if (/\p{scx=Thai}/u.test(char)) return "thai";
  if (/\p{scx=Lao}/u.test(char)) return "lao";
  if (/\p{scx=Khmer}/u.test(char)) return "khmer";
  if (/\p{scx=Myanmar}/u.test(char)) return "myanmar";
  return undefined;
}

const segmenters = new Map<string, Intl.Segmenter>();

function segmenterFor(locale: string): Intl.Segmenter {
  let segmenter = segmenters.get(locale);
  if (!segmenter) {
    segmenter = new Intl.Segmenter(locale, { granularity: "word" });
    segmenters.set(locale, segmenter);
  }
  return segmenter;
}

/**
 * The document's distinct words in order of first appearance, case-sensitive.
 */
export function distinctWords(text: string): string[] {
  // Han text is Japanese when the run, or failing that the document, has kana; Chinese otherwise.
  const documentIsJapanese = KANA.test(text);
  const seen = new Set<string>();
  const words: string[] = [];
  const keep = (word: string): void => {
    if (word.length > 0 && !seen.has(word)) {
      seen.add(word);
      words.push(word);
    }
  };

  // At most one of these is open at a time: a spaced-script word, or a run of a space-less script.
  let word = "";
  let run = "";
  let kind: RunKind | undefined;
  // Where the last kept character went, so that a combining mark follows it.
  let lastTarget: "word" | "run" | undefined;

  const closeWord = (): void => {
    keep(word);
    word = "";
  };
  const closeRun = (): void => {
    if (run.length > 0 && kind !== undefined) {
      const locale =
        kind === "cj" ? (KANA.test(run) || documentIsJapanese ? "ja" : "zh") : LOCALE[kind];
      for (const part of segmenterFor(locale).segment(run)) {
        if (part.isWordLike) keep(part.segment);
      }
    }
    run = "";
    kind = undefined;
  };

  for (const char of text) {
    if (SPACE.test(char)) {
      closeWord();
      closeRun();
      lastTarget = undefined;
      continue;
    }
    if (MARK.test(char)) {
      // A mark belongs to the character before it; with none kept before it, it is dropped.
      if (lastTarget === "run" && run.length > 0) run += char;
      else if (lastTarget === "word" && word.length > 0) word += char;
      continue;
    }
    if (!LETTER_OR_DIGIT.test(char)) {
      // Dropped. It ends a space-less run; inside a spaced-script word it just disappears.
      if (run.length > 0) closeRun();
      lastTarget = undefined;
      continue;
    }
    const charKind = runKind(char);
    if (charKind === undefined) {
      closeRun();
      word += char;
      lastTarget = "word";
    } else {
      closeWord();
      if (kind !== charKind) closeRun();
      kind = charKind;
      run += char;
      lastTarget = "run";
    }
  }
  closeWord();
  closeRun();
  return words;
}
