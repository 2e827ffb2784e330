/**
 * Self-BLEU at scale: tokenizing and scoring synthetic instructions (8 to 30 words each, drawn
 * from a Zipf-like vocabulary of 4,000 words, with some punctuation and contractions, seeded)
 * for max-n 2, 3, 4 and 5. The goal is 100,000 instructions in under 20 s, tokenizing included.
 */
import { selfBleu } from "../src/eval/self-bleu/self-bleu.js";
import { tokenizeWords } from "../src/eval/self-bleu/treebank-tokenizer.js";
import { seededRandom, type Random } from "../src/random.js";

const GOAL_SECONDS = 20;
const VOCABULARY = 4_000;

/** Words that look like words: consonant-vowel syllables, a few with an apostrophe or hyphen. */
function vocabulary(random: Random): string[] {
  const consonants = "bcdfghjklmnprstvwz";
  const vowels = "aeiou";
  const words = new Set<string>();
  while (words.size < VOCABULARY) {
    let word = "";
    for (let s = random.int(1, 4); s > 0; s--) word += consonants[random.int(0, consonants.length - 1)]! + vowels[random.int(0, vowels.length - 1)]!;
    const flavour = random.int(0, 99);
    if (flavour < 3) word += "n't";
    else if (flavour < 6) word += "'s";
    else if (flavour < 8) word += `-${consonants[random.int(0, 17)]}${vowels[random.int(0, 4)]}`;
    else if (flavour < 12) word = word[0]!.toUpperCase() + word.slice(1);
    words.add(word);
  }
  return [...words];
}

/** Instructions whose words follow a Zipf law (exponent about 1) over the vocabulary. */
export function instructions(count: number, seed: number): string[] {
  const random = seededRandom("self-bleu-bench", seed);
  const words = vocabulary(random);
  // Cumulative Zipf weights, sampled by binary search on a uniform draw.
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let r = 0; r < words.length; r++) cumulative[r] = total += 1 / (r + 1);
  const pick = (): string => {
    const u = (random.int(0, 2 ** 30 - 1) / 2 ** 30) * total;
    let lo = 0;
    let hi = words.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  const starts = ["What", "How", "Why", "Explain", "Describe", "Which", "Compare", "When", "Who"];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = random.int(8, 30);
    const parts = [starts[random.int(0, starts.length - 1)]!];
    for (let w = 1; w < length; w++) parts.push(random.int(0, 19) === 0 ? `${pick()},` : pick());
    out.push(parts.join(" ") + (random.int(0, 3) === 0 ? "." : "?"));
  }
  return out;
}

interface Timing {
  count: number;
  tokens: number;
  tokenizeMs: number;
  scoreMs: number;
  diversity: number;
}

function time(count: number): Timing {
  const texts = instructions(count, count);
  const started = performance.now();
  const tokenized = texts.map(tokenizeWords);
  const tokenizedAt = performance.now();
  const result = selfBleu(tokenized);
  const scoredAt = performance.now();
  return {
    count,
    tokens: tokenized.reduce((sum, t) => sum + t.length, 0),
    tokenizeMs: tokenizedAt - started,
    scoreMs: scoredAt - tokenizedAt,
    diversity: result.diversity,
  };
}

export async function benchSelfBleu(): Promise<boolean> {
  time(2_000); // warm up
  const timings = [time(10_000), time(100_000)];
  console.log("self-bleu: synthetic instructions of 8-30 words (Zipf vocabulary of 4,000 words), max-n 2, 3, 4, 5");
  for (const t of timings) {
    const total = (t.tokenizeMs + t.scoreMs) / 1000;
    console.log(
      `  ${t.count.toLocaleString("en-US").padStart(7)} instructions  ${t.tokens.toLocaleString("en-US").padStart(9)} tokens  ` +
        `tokenize ${(t.tokenizeMs / 1000).toFixed(2)} s  score ${(t.scoreMs / 1000).toFixed(2)} s  total ${total.toFixed(2)} s  diversity ${t.diversity.toFixed(4)}`,
    );
  }
  const last = timings[1]!;
  const seconds = (last.tokenizeMs + last.scoreMs) / 1000;
  const met = seconds < GOAL_SECONDS;
  console.log(`  100,000 in ${seconds.toFixed(2)} s (goal < ${GOAL_SECONDS} s) ${met ? "ok" : "MISSED"}`);
  return met;
}
