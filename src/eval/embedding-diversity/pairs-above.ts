import { FoveateError } from "../../errors.js";
import { exactTopPairs } from "./exact-top-pairs.js";
import { lshTopPairs, type LshOptions } from "./lsh-top-pairs.js";
import { normaliseRows } from "./normalise-rows.js";
import type { SimilarPair } from "./pair-heap.js";
import type { PairSink } from "./pair-sink.js";
import type { TopPairsMethod } from "./top-pairs-method.js";

/** Every pair offered at or above a cosine, each once. */
class PairsAbove implements PairSink {
  readonly full = true;
  readonly capacity = Infinity;
  readonly pairs: SimilarPair[] = [];
  private readonly seen = new Set<number>();

  constructor(
    readonly floor: number,
    private readonly n: number,
  ) {}

  offer(c: number, i: number, j: number): boolean {
    if (c < this.floor) return false;
    const key = i * this.n + j;
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.pairs.push({ i, j, cosine: c });
    }
    return true;
  }
}

export interface PairsAboveOptions {
  /** Multiply-adds an exact search may spend; above, LSH searches candidates. Default 1e10. */
  exactBudget?: number;
  lsh?: LshOptions;
}

/**
 * The pairs of vectors whose cosine is at least `threshold`, by the same search as the most similar
 * pairs of embedding diversity: every pair scored while N (N - 1) / 2 * d stays within the budget,
 * else LSH candidates (set to find a pair at the threshold with probability 0.99 unless told
 * otherwise), each scored exactly. Indices are input positions, i < j; zero vectors have no pairs.
 */
export function pairsAbove(vectors: readonly Float32Array[], threshold: number, options: PairsAboveOptions = {}): { pairs: SimilarPair[]; method: TopPairsMethod } {
  if (!(threshold > -1 && threshold <= 1)) throw new FoveateError(`pairs above a cosine: the cosine must be in (-1, 1], got ${threshold}`);
  const rows = normaliseRows(vectors);
  const { n, d, origin } = rows;
  if (n < 2) return { pairs: [], method: { kind: "none", exact: true } };
  const exactBudget = options.exactBudget ?? 1e10;
  const sink = new PairsAbove(threshold, n);
  const pairCount = (n * (n - 1)) / 2;
  let method: TopPairsMethod;
  if (pairCount * d <= exactBudget) {
    exactTopPairs(rows, sink);
    method = { kind: "exact", exact: true, pairs: pairCount };
  } else {
    method = lshTopPairs(rows, sink, { recallCosine: threshold, ...options.lsh }, exactBudget);
  }
  const pairs = sink.pairs.map(({ i, j, cosine }) => ({ i: origin[i]!, j: origin[j]!, cosine }));
  return { pairs, method };
}
