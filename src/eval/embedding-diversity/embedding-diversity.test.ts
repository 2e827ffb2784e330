import { describe, expect, it } from "vitest";
import { FoveateError } from "../../errors.js";
import { embeddingDiversity } from "./embedding-diversity.js";
import { exactTopPairs } from "./exact-top-pairs.js";
import { normaliseRows } from "./normalise-rows.js";
import { PairHeap } from "./pair-heap.js";
import { expectSamePairs, naiveCosine, naiveTop, plantNearDuplicates, randomVectors } from "../../../test/support/embedding-vectors.js";

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
  it("scores every pair while N (N - 1) / 2 * d is within the budget, and says how many", () => {
    const vectors = randomVectors(300, 24, 7, 0.3);
    const result = embeddingDiversity(vectors, { topK: 8 });
    expect(result.topPairsMethod).toEqual({ kind: "exact", exact: true, pairs: (300 * 299) / 2 });
    expectSamePairs(result.topPairs, naiveTop(vectors, 8));
    // N = 6001: checked against a full scan in exact-top-pairs.test.ts.
    const many = randomVectors(6001, 8, 11);
    const blocked = embeddingDiversity(many, { topK: 10 });
    expect(blocked.topPairsMethod.kind).toBe("exact");
    const heap = new PairHeap(10, 6001);
    exactTopPairs(normaliseRows(many), heap);
    expect(blocked.topPairs).toEqual(heap.sorted());
  });

  it("is what 'auto' picks above the exact budget", () => {
    const vectors = randomVectors(400, 32, 31);
    plantNearDuplicates(vectors, 3, 32);
    const result = embeddingDiversity(vectors, { topK: 2, exactBudget: 1000 });
    expect(result.topPairsMethod.kind).toBe("lsh");
    expectSamePairs(result.topPairs, naiveTop(vectors, 2));
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
