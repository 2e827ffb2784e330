/**
 * Word tokenization as NLTK's `NLTKWordTokenizer().tokenize(text)` does it: the improved Penn
 * Treebank tokenizer behind `nltk.word_tokenize`, applied to the whole string with no sentence
 * splitting first. The Self-BLEU metric of the Self-Foveate paper is computed on these tokens, so
 * the output must be NLTK's token for token.
 *
 * The tokenizer is a fixed sequence of regular-expression rewrites over the string followed by a
 * split on whitespace. The rules follow the current NLTK release (3.10 era): an opening single
 * quote is padded before any word that is not a clitic, and the figure dash, en dash, em dash and
 * horizontal bar (U+2012 to U+2015) stand alone.
 *
 * Python's `re` and JavaScript's RegExp differ in a few places, and those are spelled out below
 * instead of relying on the JavaScript built-ins:
 * - `\w` in Python is Unicode-aware (letters, digits and numbers of any script, plus `_`;
 *   combining marks are not word characters); `\b` follows from it.
 * - `\d` is any decimal digit (category Nd), `\s` is Python's whitespace set (it includes the
 *   information separators U+001C to U+001F and NEL U+0085, but not U+FEFF).
 * - `$` without MULTILINE matches at the very end or just before a final newline.
 */

const WORD = String.raw`[\p{L}\p{N}_]`;
const SPACE = String.raw`[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]`;
/** Python's `$`: the end of the string, or just before a newline that ends it. */
const END = String.raw`(?=\n?$)`;

type Rewrite = readonly [pattern: RegExp, replacement: string];

const rx = (source: string, flags = "gu"): RegExp => new RegExp(source, flags);

/** Opening quotes: typographic openers and backticks stand alone, straight double quotes at the
 * start or after a space or opening bracket become ``, and an opening single quote is split from
 * the word it precedes unless what follows is a clitic ('re, 've, 'll, 'm, 't, 's, 'd, 'n). */
const OPENING_QUOTES: readonly Rewrite[] = [
  [rx("([«“‘„]|`+)"), " $1 "],
  [rx('^"'), "``"],
  [rx("(``)"), " $1 "],
  [rx(String.raw`([ (\[{<])("|'')`), "$1 `` "],
  [rx(`(?<!${WORD})(')(?!(?:re|ve|ll|m|t|s|d|n)(?!${WORD}))(?=${WORD})`, "giu"), "$1 "],
];

/** Punctuation, in NLTK's order (the order matters: later rules see earlier rules' spaces). */
const PUNCTUATION: readonly Rewrite[] = [
  // A final period, possibly followed by closing brackets or quotes and whitespace.
  [rx(String.raw`([^.])(\.)([\])}>"'»”’ ]*)${SPACE}*${END}`), "$1 $2 $3 "],
  // Commas and colons, except between digits (3,000 and 10:30 stay whole).
  [rx(String.raw`([:,])([^\p{Nd}])`), " $1 $2"],
  [rx(`([:,])${END}`), " $1 "],
  // Ellipses of two or more dots.
  [rx(String.raw`\.{2,}`), " $& "],
  [rx("[;@#$%&]"), " $& "],
  // Figure dash, en dash, em dash, horizontal bar.
  [rx("[\u2012-\u2015]"), " $& "],
  // The final period again (NLTK applies a second, narrower version of the first rule).
  [rx(String.raw`([^.])(\.)([\])}>"']*)${SPACE}*${END}`), "$1 $2$3 "],
  [rx("[?!]"), " $& "],
  [rx("([^'])' "), "$1 ' "],
  [rx(String.raw`\*`), " $& "],
];

const BRACKETS: Rewrite = [rx(String.raw`[\]\[(){}<>]`), " $& "];
const DOUBLE_DASH: Rewrite = [rx("--"), " -- "];

/** Closing quotes become '' and clitics are split off the word before them
 * (applied after the text has been padded with a space at each end). */
const CLOSING_QUOTES: readonly Rewrite[] = [
  [rx("([»”’])"), " $1 "],
  [rx("''"), " '' "],
  [rx('"'), " '' "],
  [rx(`${SPACE}+`), " "],
  [rx("([^' ])('[sS]|'[mM]|'[dD]|') "), "$1 $2 "],
  [rx("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), "$1 $2 "],
];

/** Robert MacIntyre's contractions, split in two whatever their case: cannot, d'ye, gimme, gonna,
 * gotta, lemme, more'n, wanna; and 'tis, 'twas when they follow a space. */
const CONTRACTIONS: readonly Rewrite[] = [
  ...[
    ["can", "not"],
    ["d", "'ye"],
    ["gim", "me"],
    ["gon", "na"],
    ["got", "ta"],
    ["lem", "me"],
    ["more", "'n"],
  ].map(([a, b]): Rewrite => [rx(`(?<!${WORD})(${a})(${b})(?!${WORD})`, "giu"), " $1 $2 "]),
  [rx(`(?<!${WORD})(wan)(na)(?=${SPACE})`, "giu"), " $1 $2 "],
  [rx(`[ ]('t)(is)(?!${WORD})`, "giu"), " $1 $2 "],
  [rx(`[ ]('t)(was)(?!${WORD})`, "giu"), " $1 $2 "],
];

const SPLIT = rx(`${SPACE}+`);

function apply(text: string, rewrites: readonly Rewrite[]): string {
  for (const [pattern, replacement] of rewrites) text = text.replace(pattern, replacement);
  return text;
}

/**
 * The tokens NLTK's `NLTKWordTokenizer().tokenize(text)` returns (with its defaults: brackets are
 * kept as they are, not converted to -LRB- and so on).
 *
 *     tokenizeWords(`She said "I can't go."`)
 *     // ["She", "said", "``", "I", "ca", "n't", "go", ".", "''"]
 */
export function tokenizeWords(text: string): string[] {
  text = apply(text, OPENING_QUOTES);
  text = apply(text, PUNCTUATION);
  text = text.replace(BRACKETS[0], BRACKETS[1]);
  text = text.replace(DOUBLE_DASH[0], DOUBLE_DASH[1]);
  text = apply(` ${text} `, CLOSING_QUOTES);
  text = apply(text, CONTRACTIONS);
  return text.split(SPLIT).filter((token) => token !== "");
}
