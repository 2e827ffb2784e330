import { describe, it } from "vitest";
import { exactTopPairs } from "./exact-top-pairs.js";
import { normaliseRows } from "./normalise-rows.js";
import { PairHeap, type SimilarPair } from "./pair-heap.js";
import { expectSamePairs, naiveCosine, naiveTop, randomVectors } from "../../../test/support/embedding-vectors.js";

/** The k best pairs of `vectors` by the tiled search. */
function exactTop(vectors: Float32Array[], k: number): SimilarPair[] {
  const heap = new PairHeap(k, vectors.length);
  exactTopPairs(normaliseRows(vectors), heap);
  return heap.sorted();
}

describe("exactTopPairs", () => {
  it("equals a naive full scan for N = 300", () => {
    const vectors = randomVectors(300, 24, 7, 0.3);
    expectSamePairs(exactTop(vectors, 8), naiveTop(vectors, 8));
  });

  it("equals a naive full scan for N = 6000 (blocked: 24 x 24 tiles)", () => {
    const vectors = randomVectors(6001, 8, 11);
    expectSamePairs(exactTop(vectors, 10), naiveTop(vectors, 10));
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
      expectSamePairs(exactTop(vectors, k), all.slice(0, k));
    }
  });
});
