import type { CallPlace, StepKind } from "../method/context.js";

/**
 * How many calls, at most, still wait behind a call of each kind in its pass, before any
 * re-synthesis round.
 */
export const CHAIN_AFTER: Record<StepKind, number> = { extract: 3, synthesize: 2, resynthesize: 1, answer: 0, selfQa: 0 };

/** Rounds above this share a priority: enough to order any real run, and exact in a double. */
const TOP_ROUND = 255;

/**
 * The priorities of a run's calls: the call likely to have the longest chain of calls still to
 * come goes first (critical path first), so that no document is left with a long chain to run
 * alone at the end; then earlier documents, so output keeps streaming.
 *
 * - Later re-synthesis rounds first: a level waits for every item of a round before the next, so a
 *   round's few calls are its critical path.
 * - In the first pass, a call's chain is what its kind leaves (CHAIN_AFTER) plus the rounds its
 *   level has been taking in this run, learned as the run goes: a level whose items keep failing
 *   (say, one whose sentences get quoted) is started before one that is done after its first pass.
 */
export class CallPriorities {
  /**
   * Per level: the deepest round seen in each document in progress, and over every document that
   * began it, how many and the sum of their deepest rounds (the mean is what the level takes).
   */
  private readonly rounds = new Map<string, { deepest: Map<number, number>; documents: number; sum: number }>();

  constructor(
    /** Told when what a level takes has changed, so that waiting calls are ranked again. */
    private readonly onChange: () => void = () => {},
  ) {}

  /**
   * The priority of a call (higher first) as a function, since what a first-pass call's level
   * takes is learned while it waits; notes the call's round for what its level takes.
   */
  of(kind: StepKind, place: CallPlace | undefined, documentIndex: number): () => number {
    const round = Math.min(place?.round ?? 0, TOP_ROUND);
    const fixed = round * 2 ** 44 + CHAIN_AFTER[kind] * 2 ** 34 - documentIndex;
    if (!place) return () => fixed;
    const level = this.note(place, documentIndex);
    if (round > 0) return () => fixed;
    // Each round is two calls in a row: a re-synthesis and its answer.
    // Capped as rounds are, so that no first-pass call outranks a call of a round.
    return () => fixed + 2 * Math.min(level.sum / level.documents, TOP_ROUND) * 2 ** 34;
  }

  /** Notes that a call at `place` of this document will come (or has come): what its level takes. */
  note(place: CallPlace, documentIndex: number) {
    let level = this.rounds.get(place.level);
    if (!level) this.rounds.set(place.level, (level = { deepest: new Map(), documents: 0, sum: 0 }));
    const deepest = level.deepest.get(documentIndex);
    if (deepest === undefined) level.documents++;
    if (deepest === undefined || place.round > deepest) {
      level.sum += place.round - (deepest ?? 0);
      level.deepest.set(documentIndex, place.round);
      if (place.round > 0) this.onChange();
    }
    return level;
  }

  /** The document is finished: only its share of the sums is kept, so memory follows the documents in progress. */
  forget(documentIndex: number): void {
    for (const level of this.rounds.values()) level.deepest.delete(documentIndex);
  }
}
