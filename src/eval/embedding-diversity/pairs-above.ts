import { FoveateError } from "../../errors.js";
import { exactTopPairs } from "./exact-top-pairs.js";
import { lshTopPairs, type LshOptions } from "./lsh-top-pairs.js";
import { normaliseRows } from "./normalise-rows.js";
import type { PairSink } from "./pair-sink.js";
import type { TopPairsMethod } from "./top-pairs-method.js";

/**
 * For every vector, its `width` most similar earlier vectors at or above a cosine: memory linear in
 * the number of vectors however many pairs are alike (a set of near-identical texts has a number of
 * pairs that grows with its square). Slots hold input rows; -1 where a vector has fewer candidates.
 */
class EarlierNeighbours implements PairSink {
  readonly full = true;
  readonly index: Int32Array;
  readonly cosine: Float64Array;

  constructor(
    readonly floor: number,
    n: number,
    readonly capacity: number,
  ) {
    this.index = new Int32Array(n * capacity).fill(-1);
    this.cosine = new Float64Array(n * capacity).fill(-Infinity);
  }

  offer(c: number, i: number, j: number): boolean {
    if (c < this.floor) return false;
    const base = j * this.capacity;
    // Slots are kept best first (a higher cosine, then the earlier vector); a pair offered twice is kept once.
    for (let s = 0; s < this.capacity; s++) if (this.index[base + s] === i) return true;
    let s = this.capacity - 1;
    if (!better(c, i, this.cosine[base + s]!, this.index[base + s]!)) return true;
    while (s > 0 && better(c, i, this.cosine[base + s - 1]!, this.index[base + s - 1]!)) {
      this.cosine[base + s] = this.cosine[base + s - 1]!;
      this.index[base + s] = this.index[base + s - 1]!;
      s--;
    }
    this.cosine[base + s] = c;
    this.index[base + s] = i;
    return true;
  }
}

const better = (c: number, i: number, c2: number, i2: number) => c > c2 || (c === c2 && i2 >= 0 && i < i2) || i2 < 0;

export interface PairsAboveOptions {
  /** Multiply-adds an exact search may spend; above, LSH searches candidates. Default 1e10. */
  exactBudget?: number;
  lsh?: LshOptions;
  /** Earlier neighbours kept per vector. Default 8. */
  width?: number;
}

export interface EarlierNeighbour {
  /** Input position of the earlier vector. */
  of: number;
  cosine: number;
}

/**
 * For each vector, up to `width` earlier vectors whose cosine with it is at least `threshold`,
 * most similar first, by the same search as the most similar pairs of embedding diversity: every
 * pair scored while N (N - 1) / 2 * d stays within the budget, else LSH candidates (set to find a
 * pair at the threshold with probability 0.99 unless told otherwise), each scored exactly. Positions
 * are input positions; zero vectors have no neighbours.
 */
export function earlierNeighbours(
  vectors: readonly Float32Array[],
  threshold: number,
  options: PairsAboveOptions = {},
): { neighbours: Map<number, EarlierNeighbour[]>; method: TopPairsMethod } {
  if (!(threshold > -1 && threshold <= 1)) throw new FoveateError(`pairs above a cosine: the cosine must be in (-1, 1], got ${threshold}`);
  const neighbours = new Map<number, EarlierNeighbour[]>();
  const rows = normaliseRows(vectors);
  const { n, d, origin } = rows;
  if (n < 2) return { neighbours, method: { kind: "none", exact: true } };
  const exactBudget = options.exactBudget ?? 1e10;
  const width = options.width ?? 8;
  const sink = new EarlierNeighbours(threshold, n, width);
  const pairCount = (n * (n - 1)) / 2;
  let method: TopPairsMethod;
  if (pairCount * d <= exactBudget) {
    exactTopPairs(rows, sink);
    method = { kind: "exact", exact: true, pairs: pairCount };
  } else {
    method = lshTopPairs(rows, sink, { recallCosine: threshold, ...options.lsh }, exactBudget);
  }
  for (let j = 0; j < n; j++) {
    const list: EarlierNeighbour[] = [];
    for (let s = 0; s < width; s++) {
      const i = sink.index[j * width + s]!;
      if (i >= 0) list.push({ of: origin[i]!, cosine: sink.cosine[j * width + s]! });
    }
    if (list.length > 0) neighbours.set(origin[j]!, list);
  }
  return { neighbours, method };
}
