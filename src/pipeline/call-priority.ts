import type { StepKind } from "../method/context.js";

/**
 * How many calls, at most, still wait behind a call of each kind in its pass. The line serves the
 * longest remaining chain first (critical path first), so no document is left with a long chain
 * to run alone at the end; within a kind, earlier documents go first, so output keeps streaming.
 */
export const CHAIN_AFTER: Record<StepKind, number> = { extract: 3, synthesize: 2, resynthesize: 1, answer: 0, selfQa: 0 };

/** Rounds above this share a priority: enough to order any real run, and exact in a double. */
const TOP_ROUND = 255;

/**
 * The priority of a call: later re-synthesis rounds first (a level waits for every item of a round
 * before the next, so a round's stragglers are its critical path, and they are few), then the
 * longest remaining chain, then earlier documents.
 */
export function callPriority(kind: StepKind, round: number, documentIndex: number): number {
  return Math.min(round, TOP_ROUND) * 2 ** 44 + CHAIN_AFTER[kind] * 2 ** 40 - documentIndex;
}
