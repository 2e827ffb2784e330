/**
 * Embedding diversity: 1 - the mean pairwise cosine similarity of a set of vectors, and the k most
 * similar pairs.
 *
 * The mean is exact and linear: for unit vectors u_i, the sum over ordered pairs i != j of
 * u_i . u_j is |sum u_i|^2 - sum |u_i|^2, so the mean cosine is (|S|^2 - N) / (N (N - 1)), computed
 * in float64 in O(N d).
 *
 * The top pairs are exact (every pair scored, in tiles of 256 x 256 that never form the N x N
 * matrix) while N (N - 1) / 2 * d stays within a budget of multiply-adds (default 1e10, seconds on
 * one core). Above it, no cheap exact method is known for dense vectors, so the search is
 * approximate but accountable: random-hyperplane LSH (SimHash) proposes candidate pairs, every
 * candidate's cosine is computed exactly, and the result carries an upper bound on the probability
 * that it differs from the exact top-k.
 *
 * Cosines of pairs are computed from the input numbers in float64 (x.y / sqrt(|x|^2 |y|^2)), so
 * they are exact to about 1e-16 and identical vectors have cosine exactly 1. In the LSH search,
 * identical vectors are grouped first: their pairs are scored once, exactly, and the group is
 * hashed once.
 *
 * A zero vector has no direction: it is left out of the mean and of the pairs and counted in
 * `zeroVectors`; indices in `topPairs` are always positions in the input. Fewer than two non-zero
 * vectors have no pairwise mean: that throws a FoveateError saying so (no NaN is returned).
 */
import { FoveateError } from "../../errors.js";
import { exactTopPairs } from "./exact-top-pairs.js";
import { lshTopPairs, type LshOptions } from "./lsh-top-pairs.js";
import { normaliseRows } from "./normalise-rows.js";
import { PairHeap, type SimilarPair } from "./pair-heap.js";
import type { TopPairsMethod } from "./top-pairs-method.js";

export interface EmbeddingDiversityOptions {
  /** Most similar pairs to report; 0 reports none. Default 5. */
  topK?: number;
  /**
   * "exact" scores every pair; "lsh" searches candidates (see LshOptions); "auto" is exact while
   * N (N - 1) / 2 * d <= exactBudget, else "lsh". Default "auto".
   */
  method?: "auto" | "exact" | "lsh";
  /** Multiply-adds "auto" spends at most on an exact search. Default 1e10 (about 5 s on one core). */
  exactBudget?: number;
  lsh?: LshOptions;
}

export interface EmbeddingDiversity {
  /** 1 - meanCosine. */
  diversity: number;
  /** Mean cosine over all pairs of non-zero vectors. */
  meanCosine: number;
  /** The most similar pairs, best first (ties: lower i, then lower j). */
  topPairs: SimilarPair[];
  /** Non-zero vectors measured. */
  vectors: number;
  /** Zero vectors left out. */
  zeroVectors: number;
  dimension: number;
  topPairsMethod: TopPairsMethod;
}

const DEFAULT_EXACT_BUDGET = 1e10;

export function embeddingDiversity(vectors: readonly Float32Array[], options: EmbeddingDiversityOptions = {}): EmbeddingDiversity {
  const topK = options.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 0) throw new FoveateError(`embedding diversity: topK must be an integer >= 0, got ${String(topK)}`);
  const exactBudget = options.exactBudget ?? DEFAULT_EXACT_BUDGET;
  const method = options.method ?? "auto";
  const rows = normaliseRows(vectors);
  const { n, d, origin, zeroVectors, sum, sumSquares } = rows;
  if (n < 2) {
    throw new FoveateError(
      `embedding diversity needs at least 2 non-zero vectors, got ${n}${zeroVectors > 0 ? ` (${zeroVectors} zero vector${zeroVectors === 1 ? "" : "s"} left out)` : ""}`,
    );
  }
  let s2 = 0;
  for (let k = 0; k < d; k++) s2 += sum[k]! * sum[k]!;
  const meanCosine = (s2 - sumSquares) / (n * (n - 1));

  const pairs = (n * (n - 1)) / 2;
  const k = Math.min(topK, pairs);
  let topPairsMethod: TopPairsMethod;
  let topPairs: SimilarPair[] = [];
  if (k === 0) topPairsMethod = { kind: "none", exact: true };
  else {
    const heap = new PairHeap(k, n);
    if (method === "exact" || (method === "auto" && pairs * d <= exactBudget)) {
      exactTopPairs(rows, heap);
      topPairsMethod = { kind: "exact", exact: true, pairs };
    } else {
      topPairsMethod = lshTopPairs(rows, heap, options.lsh ?? {}, exactBudget);
    }
    topPairs = heap.sorted().map(({ i, j, cosine }) => ({ i: origin[i]!, j: origin[j]!, cosine }));
  }
  return { diversity: 1 - meanCosine, meanCosine, topPairs, vectors: n, zeroVectors, dimension: d, topPairsMethod };
}
