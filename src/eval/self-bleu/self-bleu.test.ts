import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../random.js";
import { selfBleu } from "./self-bleu.js";
import { tokenizeWords } from "./treebank-tokenizer.js";
import { SELF_BLEU_PARITY } from "../../../test/support/fixtures.js";

const reference = JSON.parse(
  readFileSync(SELF_BLEU_PARITY, "utf8"),
) as {
  instructions: string[];
  tokens: string[][];
  self_bleu: Record<string, number[]>;
  mean_self_bleu: Record<string, number>;
  diversity: number;
};

/**
 * NLTK's sentence_bleu(references, hypothesis, weights=(1/n,)*n, method1 smoothing) written out
 * the direct way, one hypothesis at a time against every reference.
 */
function sentenceBleu(references: string[][], hypothesis: string[], n: number): number {
  const grams = (tokens: string[], k: number): Map<string, number> => {
    const counts = new Map<string, number>();
    for (let p = 0; p + k <= tokens.length; p++) {
      const key = JSON.stringify(tokens.slice(p, p + k));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };
  const numerators: number[] = [];
  const denominators: number[] = [];
  for (let k = 1; k <= n; k++) {
    const counts = grams(hypothesis, k);
    const referenceCounts = references.map((r) => grams(r, k));
    let numerator = 0;
    let total = 0;
    for (const [gram, count] of counts) {
      const most = Math.max(0, ...referenceCounts.map((r) => r.get(gram) ?? 0));
      numerator += Math.min(count, most);
      total += count;
    }
    numerators.push(numerator);
    denominators.push(Math.max(1, total));
  }
  if (numerators[0] === 0) return 0;
  const c = hypothesis.length;
  let r = references[0]!.length;
  for (const ref of references) {
    const d = Math.abs(ref.length - c);
    const best = Math.abs(r - c);
    if (d < best || (d === best && ref.length < r)) r = ref.length;
  }
  const bp = c > r ? 1 : c === 0 ? 0 : Math.exp(1 - r / c);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const p = numerators[k] === 0 ? 0.1 / denominators[k]! : numerators[k]! / denominators[k]!;
    sum += (1 / n) * Math.log(p);
  }
  return bp * Math.exp(sum);
}

function quadraticSelfBleu(corpus: string[][], n: number): number[] {
  return corpus.map((hypothesis, i) => sentenceBleu([...corpus.slice(0, i), ...corpus.slice(i + 1)], hypothesis, n));
}

describe("selfBleu", () => {
  it("matches NLTK's scores, means and diversity on the parity file to 1e-9", () => {
    const result = selfBleu(reference.tokens);
    for (const n of [2, 3, 4, 5]) {
      const expected = reference.self_bleu[String(n)]!;
      const scores = result.scores[n]!;
      expect(scores.length).toBe(expected.length);
      expected.forEach((score, i) => expect(Math.abs(scores[i]! - score), `n=${n} instruction ${i}`).toBeLessThan(1e-9));
      expect(Math.abs(result.mean[n]! - reference.mean_self_bleu[String(n)]!)).toBeLessThan(1e-9);
    }
    expect(Math.abs(result.diversity - reference.diversity)).toBeLessThan(1e-9);
  });

  it("gives the same figures from the raw instructions through tokenizeWords", () => {
    const result = selfBleu(reference.instructions.map(tokenizeWords));
    expect(Math.abs(result.diversity - reference.diversity)).toBeLessThan(1e-9);
  });

  it("computes small cases by hand", () => {
    // Identical sentences: every precision 1, same length, score 1.
    expect([...selfBleu([["a", "b"], ["a", "b"]], [2]).scores[2]!]).toEqual([1, 1]);
    // No unigram in common: 0.
    expect([...selfBleu([["a"], ["b"]], [2]).scores[2]!]).toEqual([0, 0]);
    // p1 = 1/3, p2 = 0 smoothed to 0.1/2, lengths equal so BP = 1: sqrt(1/3 * 0.05).
    const scores = selfBleu([["a", "b", "c"], ["a", "x", "y"]], [2]).scores[2]!;
    expect(scores[0]).toBeCloseTo(Math.sqrt(0.05 / 3), 15);
    expect(scores[1]).toBeCloseTo(Math.sqrt(0.05 / 3), 15);
    // Shorter hypothesis: BP = exp(1 - 3/2); p1 = 2/2; p2 = 1/1.
    const short = selfBleu([["a", "b"], ["a", "b", "c"]], [2]).scores[2]!;
    expect(short[0]).toBeCloseTo(Math.exp(1 - 3 / 2), 15);
  });

  it("clips against the largest count in any single other sentence, not the sum", () => {
    // Hypothesis "the the the the": the others hold "the" twice and once; clipped to 2 of 4.
    const corpus = [["the", "the", "the", "the"], ["the", "the", "cat", "sat"], ["the", "dog", "ran", "off"]];
    const score = selfBleu(corpus, [1]).scores[1]![0]!;
    expect(score).toBeCloseTo(2 / 4, 15);
    // The second-largest count matters when the hypothesis itself holds the largest.
    const shared = [["x", "x", "x"], ["x", "x", "x"], ["x", "y", "z"]];
    const result = selfBleu(shared, [1]).scores[1]!;
    expect(result[0]).toBe(1); // an identical copy exists
    expect(result[2]).toBeCloseTo(1 / 3, 15); // "x" clipped to 1 match; y, z unmatched
  });

  it("takes the closest reference length, the shorter on a tie", () => {
    // Hypothesis of length 3 with others of lengths 2 and 4: tie, so r = 2 and BP = 1.
    const corpus = [["a", "b", "c"], ["a", "b"], ["a", "b", "c", "d"]];
    const quadratic = quadraticSelfBleu(corpus, 2);
    const scores = selfBleu(corpus, [2]).scores[2]!;
    expect(scores[0]).toBeCloseTo(1, 15);
    quadratic.forEach((s, i) => expect(scores[i]).toBeCloseTo(s, 15));
  });

  it("equals the straightforward quadratic computation on random corpora", () => {
    for (let trial = 0; trial < 300; trial++) {
      const random = seededRandom("self-bleu-test", trial);
      const size = random.int(2, 14);
      const vocabulary = random.int(1, 6);
      const corpus: string[][] = [];
      for (let i = 0; i < size; i++) {
        const kind = random.int(0, 9);
        if (i > 0 && kind === 0) corpus.push([...corpus[random.int(0, i - 1)]!]); // duplicate
        else if (kind === 1) corpus.push([]); // empty instruction
        else if (kind === 2) corpus.push([`w${random.int(0, vocabulary - 1)}`]); // one token
        else if (kind === 3) corpus.push(Array.from({ length: random.int(2, 8) }, () => "w0")); // repeated n-grams
        else corpus.push(Array.from({ length: random.int(0, 12) }, () => `w${random.int(0, vocabulary - 1)}`));
      }
      const orders = [1, 2, 3, 4, 5, 6];
      const result = selfBleu(corpus, orders);
      let total = 0;
      for (const n of orders) {
        const expected = quadraticSelfBleu(corpus, n);
        const scores = result.scores[n]!;
        expected.forEach((s, i) => expect(Math.abs(scores[i]! - s), `trial ${trial} n=${n} sentence ${i}`).toBeLessThan(1e-12));
        const sum = expected.reduce((a, b) => a + b, 0);
        expect(result.mean[n]).toBeCloseTo(sum / size, 12);
        total += sum;
      }
      expect(result.diversity).toBeCloseTo(1 - total / (size * orders.length), 12);
    }
  });

  it("scores 0 for a lone instruction, which has no reference; NaN means for no instruction", () => {
    const one = selfBleu([["just", "one"]]);
    for (const n of [2, 3, 4, 5]) {
      expect([...one.scores[n]!]).toEqual([0]);
      expect(one.mean[n]).toBe(0);
    }
    expect(one.diversity).toBe(1);

    const none = selfBleu([]);
    expect(none.scores[2]!.length).toBe(0);
    expect(none.mean[2]).toBeNaN();
    expect(none.diversity).toBeNaN();
  });

  it("scores an empty instruction 0 and still scores the others against it", () => {
    const result = selfBleu([[], ["a", "b"], ["a", "b"]], [2]);
    expect([...result.scores[2]!]).toEqual([0, 1, 1]);
  });

  it("rejects orders that are not distinct positive integers", () => {
    expect(() => selfBleu([["a"]], [])).toThrow(RangeError);
    expect(() => selfBleu([["a"]], [0])).toThrow(RangeError);
    expect(() => selfBleu([["a"]], [2.5])).toThrow(RangeError);
    expect(() => selfBleu([["a"]], [2, 2])).toThrow(RangeError);
  });
});
