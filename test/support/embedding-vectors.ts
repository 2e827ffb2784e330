/**
 * Test vectors for the embedding-diversity measure (src/eval/embedding-diversity/): seeded random
 * vectors, planted near-duplicates, and the naive full scans its searches are checked against.
 */
import { expect } from "vitest";
import type { SimilarPair } from "../../src/eval/embedding-diversity/pair-heap.js";

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
export function randomVectors(n: number, d: number, seed: number, offset = 0): Float32Array[] {
  const gauss = normals(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: d }, () => gauss() + offset));
}

export function naiveCosine(a: Float32Array, b: Float32Array): number {
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

/** The k best pairs by a full scan: cosine descending, then i, then j. */
export function naiveTop(vectors: Float32Array[], k: number): SimilarPair[] {
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

export function expectSamePairs(actual: SimilarPair[], expected: SimilarPair[], tolerance = 1e-12): void {
  expect(actual.map(({ i, j }) => [i, j])).toEqual(expected.map(({ i, j }) => [i, j]));
  actual.forEach((p, t) => expect(Math.abs(p.cosine - expected[t]!.cosine)).toBeLessThan(tolerance));
}

/** Copies of chosen vectors plus noise: pairs (i, copy) of high cosine. */
export function plantNearDuplicates(vectors: Float32Array[], count: number, seed: number): void {
  const gauss = normals(seed);
  const n = vectors.length;
  for (let p = 0; p < count; p++) {
    const source = vectors[(p * 37) % n]!;
    const copy = vectors[(p * 37 + Math.floor(n / 2)) % n]!;
    const noise = 0.02 + 0.2 * (p / count);
    for (let k = 0; k < copy.length; k++) copy[k] = source[k]! + noise * gauss();
  }
}
