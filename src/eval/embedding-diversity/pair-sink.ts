/**
 * Where a pair search puts the pairs it scores: the k best (PairHeap) or every pair above a
 * cosine (PairsAbove). The search skips pairs under `floor` and stops offering a group's pairs once
 * one is refused.
 */
export interface PairSink {
  /** Cosine a pair must reach to be taken. */
  readonly floor: number;
  /** Whether the sink has all it can hold (so that `floor` bounds what it misses). */
  readonly full: boolean;
  /** Pairs of one group of identical vectors worth offering, at most. */
  readonly capacity: number;
  /** Offer pair (i < j); false when it is not taken. A pair offered twice is taken once. */
  offer(c: number, i: number, j: number): boolean;
}
