import { describe, expect, it } from "vitest";
import { lshTopPairs, type LshOptions } from "./lsh-top-pairs.js";
import { normaliseRows } from "./normalise-rows.js";
import { PairHeap } from "./pair-heap.js";
import { describeTopPairsMethod } from "./top-pairs-method.js";
import { expectSamePairs, naiveTop, plantNearDuplicates, randomVectors } from "../../../test/support/embedding-vectors.js";

/** The k best pairs LSH finds, and what it says of them; the exact budget is embeddingDiversity's default. */
function lshTop(vectors: Float32Array[], k: number, options: LshOptions = {}) {
  const heap = new PairHeap(k, vectors.length);
  const method = lshTopPairs(normaliseRows(vectors), heap, options, 1e10);
  return { pairs: heap.sorted(), method };
}

describe("lshTopPairs", () => {
  it("finds the planted near-duplicates that a full scan ranks first, and says how sure it is", () => {
    const vectors = randomVectors(3000, 64, 21, 0.5);
    plantNearDuplicates(vectors, 12, 22);
    const exact = naiveTop(vectors, 5);
    const { pairs, method } = lshTop(vectors, 5);
    expectSamePairs(pairs, exact);
    expect(method.complete).toBe(true);
    expect(method.recallAtCosine).toBeGreaterThanOrEqual(0.99);
    expect(method.missProbability).toBeLessThan(1e-6);
    expect(method.candidates).toBeLessThan((3000 * 2999) / 2 / 20);
    expect(describeTopPairsMethod(method, 5)).toMatch(
      /^approximate: SimHash LSH, \d+ bands of \d+ bits from 1024 hyperplanes, [\d,]+ candidate pairs scored exactly; a pair of cosine >= 0\.9 is found with probability 0\.99\d; P\(top-5 differs from the exact one\) (<=|<) .+$/,
    );
  });

  it("says so when it stops at the candidate limit, and then promises nothing", () => {
    const vectors = randomVectors(500, 16, 41);
    const { method } = lshTop(vectors, 3, { maxCandidates: 10, bitsPerBand: 8 });
    expect(method).toMatchObject({ complete: false, candidates: 10, missProbability: 1 });
    expect(describeTopPairsMethod(method)).toMatch(/stopped at the candidate limit, so no bound holds$/);
  });

  it("is reproducible for a seed", () => {
    const vectors = randomVectors(800, 16, 51);
    const a = lshTop(vectors, 5, { seed: 3 });
    const b = lshTop(vectors, 5, { seed: 3 });
    expect(a).toEqual(b);
  });
});
