import type { StepKind } from "../method/context.js";

/**
 * How many calls, at most, still wait behind a call of each kind. The queue serves the longest
 * remaining chain first (critical path first), so no document is left with a long chain to run
 * alone at the end; within a kind, earlier documents go first, so output keeps streaming.
 */
export const CHAIN_AFTER: Record<StepKind, number> = { extract: 3, synthesize: 2, resynthesize: 1, answer: 0, selfQa: 0 };

/** The queue priority of a call: longest remaining chain first, then earlier documents. */
export function callPriority(kind: StepKind, documentIndex: number): number {
  return CHAIN_AFTER[kind] * 2 ** 40 - documentIndex;
}
