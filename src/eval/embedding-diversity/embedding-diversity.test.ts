import { describe, expect, it } from "vitest";
import { FoveateError } from "../../errors.js";
import { describeTopPairsMethod, embeddingDiversity, type SimilarPair } from "./embedding-diversity.js";

/** Seeded standard normals (xorshift32 + Box-Muller). */
function normals(seed: number): () => number {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** n random vectors of length d, plus `offset` in every coordinate (so the mean cosine is not ~0). */
function randomVectors(n: number, d: number, seed: number, offset = 0): Float32Array[] {
  const gauss = normals(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: d }, () => gauss() + offset));
}

function naiveCosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < a.length; k++) {
    ab += a[k]! * b[k]!;
    aa += a[k]! * a[k]!;
    bb += b[k]! * b[k]!;
  }
  return ab / Math.sqrt(aa * bb);
}

function naiveMean(vectors: Float32Array[]): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      sum += naiveCosine(vectors[i]!, vectors[j]!);
      count++;
    }
  }
  return sum / count;
}

/** The k best pairs by a full scan: cosine descending, then i, then j. */
function naiveTop(vectors: Float32Array[], k: number): SimilarPair[] {
  const best: SimilarPair[] = [];
  const before = (a: SimilarPair, b: SimilarPair) => a.cosine > b.cosine || (a.cosine === b.cosine && (a.i < b.i || (a.i === b.i && a.j < b.j)));
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      const cosine = naiveCosine(vectors[i]!, vectors[j]!);
      if (best.length === k && cosine < best[k - 1]!.cosine) continue;
      const pair = { i, j, cosine };
      let at = best.length;
      while (at > 0 && before(pair, best[at - 1]!)) at--;
      best.splice(at, 0, pair);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

function expectSamePairs(actual: SimilarPair[], expected: SimilarPair[], tolerance = 1e-12): void {
  expect(actual.map(({ i, j }) => [i, j])).toEqual(expected.map(({ i, j }) => [i, j]));
  actual.forEach((p, t) => expect(Math.abs(p.cosine - expected[t]!.cosine)).toBeLessThan(tolerance));
}

/** Copies of chosen vectors plus noise: pairs (i, copy) of high cosine. */
function plantNearDuplicates(vectors: Float32Array[], count: number, seed: number): void {
  const gauss = normals(seed);
  const n = vectors.length;
  for (let p = 0; p < count; p++) {
    const source = vectors[(p * 37) % n]!;
    const copy = vectors[(p * 37 + Math.floor(n / 2)) % n]!;
    const noise = 0.02 + 0.2 * (p / count);
    for (let k = 0; k < copy.length; k++) copy[k] = source[k]! + noise * gauss();
  }
}

describe("embeddingDiversity: the mean", () => {
  it("equals the naive pairwise mean on random data to 1e-9", () => {
    for (const [seed, offset] of [
      [1, 0],
      [2, 0.7],
      [3, -2],
    ] as const) {
      const vectors = randomVectors(250, 48, seed, offset);
      const result = embeddingDiversity(vectors);
      const naive = naiveMean(vectors);
      expect(Math.abs(result.meanCosine - naive)).toBeLessThan(1e-9);
      expect(result.diversity).toBeCloseTo(1 - naive, 9);
      expect(result).toMatchObject({ vectors: 250, zeroVectors: 0, dimension: 48 });
    }
  });

  it("gives 1 for orthogonal vectors and 0 for identical ones", () => {
    const basis = Array.from({ length: 6 }, (_, i) => Float32Array.from({ length: 6 }, (_, k) => (k === i ? 3 : 0)));
    expect(embeddingDiversity(basis).diversity).toBeCloseTo(1, 12);
    const same = Array.from({ length: 5 }, (_, i) => Float32Array.from([1, 2, 3].map((x) => x * (i + 1))));
    expect(embeddingDiversity(same).diversity).toBeCloseTo(0, 12);
  });

  it("leaves zero vectors out, counts them, and keeps input positions in the pairs", () => {
    const vectors = [new Float32Array([0, 0]), new Float32Array([1, 0]), new Float32Array([0, 0]), new Float32Array([1, 1]), new Float32Array([0, 5])];
    const result = embeddingDiversity(vectors, { topK: 3 });
    expect(result).toMatchObject({ vectors: 3, zeroVectors: 2 });
    const c = Math.SQRT1_2;
    expect(result.meanCosine).toBeCloseTo((c + 0 + c) / 3, 12);
    expect(result.topPairs.map(({ i, j }) => [i, j])).toEqual([
      [1, 3],
      [3, 4],
      [1, 4],
    ]);
  });

  it("throws a clear error below two non-zero vectors: the mean over pairs does not exist", () => {
    expect(() => embeddingDiversity([])).toThrow(new FoveateError("embedding diversity needs at least 2 non-zero vectors, got 0"));
    expect(() => embeddingDiversity([new Float32Array([1, 2])])).toThrow("needs at least 2 non-zero vectors, got 1");
    expect(() => embeddingDiversity([new Float32Array([1, 2]), new Float32Array(2)])).toThrow(
      "needs at least 2 non-zero vectors, got 1 (1 zero vector left out)",
    );
    const two = embeddingDiversity([new Float32Array([1, 0]), new Float32Array([1, 1])]);
    expect(two.meanCosine).toBeCloseTo(Math.SQRT1_2, 12);
    expect(two.topPairs).toEqual([{ i: 0, j: 1, cosine: two.meanCosine }]);
  });

  it("refuses vectors of different lengths and non-finite numbers, saying which", () => {
    expect(() => embeddingDiversity([new Float32Array(3), new Float32Array(2)])).toThrow("vector 1 has 2 numbers, vector 0 has 3");
    expect(() => embeddingDiversity([new Float32Array([1, 1]), new Float32Array([1, Number.NaN])])).toThrow(
      "vector 1 has a non-finite number (NaN) at position 1",
    );
    expect(() => embeddingDiversity([new Float32Array([1])], { topK: -1 })).toThrow("topK must be an integer >= 0, got -1");
  });
});

describe("embeddingDiversity: the top pairs", () => {
  it("equals a naive full scan for N = 300", () => {
    const vectors = randomVectors(300, 24, 7, 0.3);
    const result = embeddingDiversity(vectors, { topK: 8 });
    expect(result.topPairsMethod).toEqual({ kind: "exact", exact: true, pairs: (300 * 299) / 2 });
    expectSamePairs(result.topPairs, naiveTop(vectors, 8));
  });

  it("equals a naive full scan for N = 6000 (blocked: 24 x 24 tiles)", () => {
    const vectors = randomVectors(6001, 8, 11);
    const result = embeddingDiversity(vectors, { topK: 10 });
    expect(result.topPairsMethod.kind).toBe("exact");
    expectSamePairs(result.topPairs, naiveTop(vectors, 10));
  });

  it("scores every pair right across tile edges (every pair of 70, the best 3000 of 261)", () => {
    for (const [n, k] of [
      [70, (70 * 69) / 2],
      [261, 3000],
    ] as const) {
      const vectors = randomVectors(n, 13, n);
      const all: SimilarPair[] = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) all.push({ i, j, cosine: naiveCosine(vectors[i]!, vectors[j]!) });
      all.sort((x, y) => y.cosine - x.cosine || x.i - y.i || x.j - y.j);
      expectSamePairs(embeddingDiversity(vectors, { topK: k }).topPairs, all.slice(0, k));
    }
  });

  it("gives identical vectors cosine exactly 1 (also a copy scaled by 2)", () => {
    const vectors = randomVectors(60, 16, 5);
    vectors[40] = vectors[3]!.slice();
    vectors[12] = vectors[3]!.map((x) => 2 * x);
    vectors[55] = vectors[3]!.slice();
    const same = [3, 12, 40, 55];
    for (const method of ["exact", "lsh"] as const) {
      const result = embeddingDiversity(vectors, { topK: 3, method });
      expect(result.topPairs).toHaveLength(3);
      for (const p of result.topPairs) {
        expect(same).toContain(p.i);
        expect(same).toContain(p.j);
        expect(p.cosine).toBe(1);
      }
    }
    // With five identical copies, their ten pairs fill the top ten.
    const copies = randomVectors(30, 16, 6);
    for (const at of [4, 9, 17, 23]) copies[at] = copies[2]!.slice();
    for (const method of ["exact", "lsh"] as const) {
      const top = embeddingDiversity(copies, { topK: 10, method }).topPairs;
      const members = [2, 4, 9, 17, 23];
      expect(top.every((p) => members.includes(p.i) && members.includes(p.j) && p.cosine === 1)).toBe(true);
      expect(new Set(top.map((p) => `${p.i},${p.j}`)).size).toBe(10);
    }
  });

  it("reports no pairs for topK 0 and at most every pair", () => {
    const vectors = randomVectors(4, 3, 9);
    expect(embeddingDiversity(vectors, { topK: 0 })).toMatchObject({ topPairs: [], topPairsMethod: { kind: "none" } });
    expect(embeddingDiversity(vectors, { topK: 50 }).topPairs).toHaveLength(6);
  });
});

describe("embeddingDiversity: LSH candidates", () => {
  it("finds the planted near-duplicates that a full scan ranks first, and says how sure it is", () => {
    const vectors = randomVectors(3000, 64, 21, 0.5);
    plantNearDuplicates(vectors, 12, 22);
    const exact = naiveTop(vectors, 5);
    const result = embeddingDiversity(vectors, { topK: 5, method: "lsh" });
    expectSamePairs(result.topPairs, exact);
    const method = result.topPairsMethod;
    if (method.kind !== "lsh") throw new Error("expected the LSH path");
    expect(method.complete).toBe(true);
    expect(method.recallAtCosine).toBeGreaterThanOrEqual(0.99);
    expect(method.missProbability).toBeLessThan(1e-6);
    expect(method.candidates).toBeLessThan((3000 * 2999) / 2 / 20);
    expect(describeTopPairsMethod(method, 5)).toMatch(
      /^approximate: SimHash LSH, \d+ bands of \d+ bits from 1024 hyperplanes, [\d,]+ candidate pairs scored exactly; a pair of cosine >= 0\.9 is found with probability 0\.99\d; P\(top-5 differs from the exact one\) (<=|<) .+$/,
    );
  });

  it("is what 'auto' picks above the exact budget", () => {
    const vectors = randomVectors(400, 32, 31);
    plantNearDuplicates(vectors, 3, 32);
    const result = embeddingDiversity(vectors, { topK: 2, exactBudget: 1000 });
    expect(result.topPairsMethod.kind).toBe("lsh");
    expectSamePairs(result.topPairs, naiveTop(vectors, 2));
  });

  it("says so when it stops at the candidate limit, and then promises nothing", () => {
    const vectors = randomVectors(500, 16, 41);
    const result = embeddingDiversity(vectors, { topK: 3, method: "lsh", lsh: { maxCandidates: 10, bitsPerBand: 8 } });
    const method = result.topPairsMethod;
    if (method.kind !== "lsh") throw new Error("expected the LSH path");
    expect(method).toMatchObject({ complete: false, candidates: 10, missProbability: 1 });
    expect(describeTopPairsMethod(method)).toMatch(/stopped at the candidate limit, so no bound holds$/);
  });

  it("is reproducible for a seed", () => {
    const vectors = randomVectors(800, 16, 51);
    const a = embeddingDiversity(vectors, { topK: 5, method: "lsh", lsh: { seed: 3 } });
    const b = embeddingDiversity(vectors, { topK: 5, method: "lsh", lsh: { seed: 3 } });
    expect(a).toEqual(b);
  });
});
