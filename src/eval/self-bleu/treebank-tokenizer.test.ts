import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tokenizeWords } from "./treebank-tokenizer.js";
import { SELF_BLEU_PARITY } from "../../../test/support/fixtures.js";

const reference = JSON.parse(
  readFileSync(SELF_BLEU_PARITY, "utf8"),
) as { instructions: string[]; tokens: string[][] };

/** Each case: the input and the tokens NLTK's NLTKWordTokenizer().tokenize gives for it. */
const cases = (rows: Array<[string, string[]]>) => rows.map(([text, tokens]) => ({ text, tokens }));

describe("tokenizeWords", () => {
  it("reproduces every tokenization of the NLTK parity file", () => {
    expect(reference.instructions.length).toBe(reference.tokens.length);
    reference.instructions.forEach((text, i) => expect(tokenizeWords(text), text).toEqual(reference.tokens[i]));
  });

  it("matches NLTK's own docstring example (periods end a token only at the end of the string)", () => {
    const text = "Good muffins cost $3.88 (roughly 3,36 euros)\nin New York.  Please buy me\ntwo of them.\nThanks.";
    expect(tokenizeWords(text)).toEqual([
      "Good", "muffins", "cost", "$", "3.88", "(", "roughly", "3,36", "euros", ")", "in", "New", "York.",
      "Please", "buy", "me", "two", "of", "them.", "Thanks", ".",
    ]);
  });

  it.each(
    cases([
      [`She said "I can't go."`, ["She", "said", "``", "I", "ca", "n't", "go", ".", "''"]],
      [`"Hello," she said, "it's 'quite' fine."`, ["``", "Hello", ",", "''", "she", "said", ",", "``", "it", "'s", "'", "quite", "'", "fine", ".", "''"]],
      [`"Quoted at start" and end"`, ["``", "Quoted", "at", "start", "''", "and", "end", "''"]],
      [`She asked: "Why?"`, ["She", "asked", ":", "``", "Why", "?", "''"]],
      ["'Hard' to tell", ["'", "Hard", "'", "to", "tell"]],
      ["He said 'hello' to me", ["He", "said", "'", "hello", "'", "to", "me"]],
      ["Then 'a' and 'b' went.", ["Then", "'", "a", "'", "and", "'", "b", "'", "went", "."]],
      ["ends with 'single quote.'", ["ends", "with", "'", "single", "quote", ".", "'"]],
      ["It ends with a quote.'", ["It", "ends", "with", "a", "quote", ".", "'"]],
      ["The students' books' covers.", ["The", "students", "'", "books", "'", "covers", "."]],
      ["Use ``code'' and ''two'' quotes", ["Use", "``", "code", "''", "and", "``", "two", "''", "quotes"]],
      ["He said “hello” and ‘bye’ to the o’clock crowd.", ["He", "said", "“", "hello", "”", "and", "‘", "bye", "’", "to", "the", "o", "’", "clock", "crowd", "."]],
      ["Ce n’est pas « facile », dit-il.", ["Ce", "n", "’", "est", "pas", "«", "facile", "»", ",", "dit-il", "."]],
    ]),
  )("quotes: $text", ({ text, tokens }) => expect(tokenizeWords(text)).toEqual(tokens));

  it.each(
    cases([
      ["You'll see they're what we've said; he'd go.", ["You", "'ll", "see", "they", "'re", "what", "we", "'ve", "said", ";", "he", "'d", "go", "."]],
      ["I'LL GO, WE'RE HERE, THEY'VE DONE, DON'T STOP.", ["I", "'LL", "GO", ",", "WE", "'RE", "HERE", ",", "THEY", "'VE", "DONE", ",", "DO", "N'T", "STOP", "."]],
      ["I'm gonna do it, wanna come?", ["I", "'m", "gon", "na", "do", "it", ",", "wan", "na", "come", "?"]],
      ["Gimme that, lemme see, gotta go", ["Gim", "me", "that", ",", "lem", "me", "see", ",", "got", "ta", "go"]],
      ["Cannot stop. D'ye know?", ["Can", "not", "stop.", "D", "'ye", "know", "?"]],
      ["WANNA GONNA Wanna", ["WAN", "NA", "GON", "NA", "Wan", "na"]],
      ["wannabe gonnabe cannotx", ["wannabe", "gonnabe", "cannotx"]],
      ["It's more'n enough.", ["It", "'s", "more", "'n", "enough", "."]],
      ["'Tis the season, 'twas the night.", ["'", "Tis", "the", "season", ",", "'", "twas", "the", "night", "."]],
      ["O'Connor's dog's bone", ["O'Connor", "'s", "dog", "'s", "bone"]],
      ["the 90's and '90s", ["the", "90", "'s", "and", "'", "90s"]],
      ["rock 'n' roll", ["rock", "'n", "'", "roll"]],
      ["Y'all ain't seen nothin'", ["Y'all", "ai", "n't", "seen", "nothin", "'"]],
      ["'re 've 's 'm", ["'re", "'ve", "'s", "'m"]],
      ["don't\nwon't\tcan't", ["do", "n't", "wo", "n't", "ca", "n't"]],
    ]),
  )("contractions: $text", ({ text, tokens }) => expect(tokenizeWords(text)).toEqual(tokens));

  it.each(
    cases([
      ["Wait... what?! Really?? Yes!!", ["Wait", "...", "what", "?", "!", "Really", "?", "?", "Yes", "!", "!"]],
      ["end with ellipsis...", ["end", "with", "ellipsis", "..."]],
      ["Mr. Smith went to Washington D.C.", ["Mr.", "Smith", "went", "to", "Washington", "D.C", "."]],
      ["e.g. i.e. etc.", ["e.g.", "i.e.", "etc", "."]],
      ["Line one.\nLine two.", ["Line", "one.", "Line", "two", "."]],
      ["The end.\n", ["The", "end", "."]],
      ["ends with period and paren (like this.)", ["ends", "with", "period", "and", "paren", "(", "like", "this", ".", ")"]],
      ["(parenthetical) [bracketed] {braced} <angled>", ["(", "parenthetical", ")", "[", "bracketed", "]", "{", "braced", "}", "<", "angled", ">"]],
      ["@user #hashtag & more; 50% off*", ["@", "user", "#", "hashtag", "&", "more", ";", "50", "%", "off", "*"]],
      ["*emphasis* and **strong**", ["*", "emphasis", "*", "and", "*", "*", "strong", "*", "*"]],
      ["a,,b ,c: d:", ["a", ",", ",b", ",", "c", ":", "d", ":"]],
    ]),
  )("punctuation: $text", ({ text, tokens }) => expect(tokenizeWords(text)).toEqual(tokens));

  it.each(
    cases([
      ["A well-known state-of-the-art method -- or not.", ["A", "well-known", "state-of-the-art", "method", "--", "or", "not", "."]],
      ["The food—which was delicious—reminded me", ["The", "food", "—", "which", "was", "delicious", "—", "reminded", "me"]],
      ["pages 10–12 ― ok", ["pages", "10", "–", "12", "―", "ok"]],
      ["3/4 of 100 = 75 and 2+2=4", ["3/4", "of", "100", "=", "75", "and", "2+2=4"]],
    ]),
  )("hyphens and dashes: $text", ({ text, tokens }) => expect(tokenizeWords(text)).toEqual(tokens));

  it.each(
    cases([
      ["The CPU runs at 5.2GHz and costs 3,000 dollars", ["The", "CPU", "runs", "at", "5.2GHz", "and", "costs", "3,000", "dollars"]],
      ["at 10:30, ratio 1:2, list a,b.", ["at", "10:30", ",", "ratio", "1:2", ",", "list", "a", ",", "b", "."]],
      ["Prices: $5, €6 and £7.", ["Prices", ":", "$", "5", ",", "€6", "and", "£7", "."]],
      ["NASA's $1.5bn mission (2024).", ["NASA", "'s", "$", "1.5bn", "mission", "(", "2024", ")", "."]],
      ["Is it 3.5 or 3.?", ["Is", "it", "3.5", "or", "3.", "?"]],
      ["v1.2.3 is out.", ["v1.2.3", "is", "out", "."]],
    ]),
  )("numbers: $text", ({ text, tokens }) => expect(tokenizeWords(text)).toEqual(tokens));

  it("splits URLs and e-mail addresses the way NLTK's rules do", () => {
    expect(tokenizeWords("Visit https://example.com/path?q=1&x=2 or mail me@example.org")).toEqual([
      "Visit", "https", ":", "//example.com/path", "?", "q=1", "&", "x=2", "or", "mail", "me", "@", "example.org",
    ]);
  });

  it.each(
    cases([
      ["都江堰水利工程是由谁主持修建的？", ["都江堰水利工程是由谁主持修建的？"]],
      ["東京は日本の首都です。", ["東京は日本の首都です。"]],
      ["北京 上海, 广州", ["北京", "上海", ",", "广州"]],
      ["Привет, мир! Как дела?", ["Привет", ",", "мир", "!", "Как", "дела", "?"]],
      ["Ünïcödé wörds like naïve café, façade.", ["Ünïcödé", "wörds", "like", "naïve", "café", ",", "façade", "."]],
      ["नमस्ते दुनिया।", ["नमस्ते", "दुनिया।"]],
    ]),
  )("non-Latin text passes through, split only by the rules: $text", ({ text, tokens }) => expect(tokenizeWords(text)).toEqual(tokens));

  it("uses Python's notion of whitespace and word characters", () => {
    // No-break and em spaces separate tokens; U+FEFF is not whitespace to Python.
    expect(tokenizeWords("Hello\u00a0world\u2003now")).toEqual(["Hello", "world", "now"]);
    expect(tokenizeWords("a\ufeffb c")).toEqual(["a\ufeffb", "c"]);
    // A quote before a non-ASCII letter opens a quotation; a digit of another script stays whole.
    expect(tokenizeWords("say 'éclair' now")).toEqual(["say", "'", "éclair", "'", "now"]);
    expect(tokenizeWords("٣,٤ and 3,4")).toEqual(["٣,٤", "and", "3,4"]);
  });

  it("returns nothing for empty or blank text", () => {
    expect(tokenizeWords("")).toEqual([]);
    expect(tokenizeWords("  \n\t ")).toEqual([]);
  });
});
