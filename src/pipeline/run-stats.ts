import type { LevelOutcome } from "../method/run-level.js";

export interface LevelStats {
  /** Instructions asked for over all documents. */
  budget: number;
  /** Features found (the budget, less what short documents could not yield). */
  features: number;
  kept: number;
  dropped: number;
  /** Kept thanks to re-synthesis. */
  recovered: number;
}

/** Everything a run did, for the summary and for library users. */
export interface RunStats {
  documents: number;
  documentsFailed: number;
  /** Documents that were already finished in the run store. */
  documentsResumed: number;
  levels: Record<string, LevelStats>;
  /** Items dropped after every round, by reason. */
  droppedReasons: Record<string, number>;
  /** Calls sent to the model. */
  calls: number;
  /** Calls answered from the run store, already paid for. */
  replayedCalls: number;
  /** Tokens of the replayed calls (not paid again). */
  replayedTokens: number;
  /** Transport retries (429, 5xx, dropped connections) spent inside calls. */
  transportRetries: number;
  /** Replies that did not parse or validate and were asked for again. */
  invalidReplies: number;
  promptTokens: number;
  completionTokens: number;
  cachedPromptTokens: number;
  /** Most calls in flight at once. */
  maxInFlight: number;
  /** Longest chain of calls that waited on each other, over all documents and levels. */
  longestChain: number;
  wallMs: number;
}

export function emptyStats(): RunStats {
  return {
    documents: 0,
    documentsFailed: 0,
    documentsResumed: 0,
    levels: {},
    droppedReasons: {},
    calls: 0,
    replayedCalls: 0,
    replayedTokens: 0,
    transportRetries: 0,
    invalidReplies: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedPromptTokens: 0,
    maxInFlight: 0,
    longestChain: 0,
    wallMs: 0,
  };
}

export function countOutcome(stats: RunStats, outcome: LevelOutcome): void {
  const level = (stats.levels[outcome.level] ??= { budget: 0, features: 0, kept: 0, dropped: 0, recovered: 0 });
  level.budget += outcome.budget;
  level.features += outcome.features;
  level.kept += outcome.records.length;
  level.recovered += outcome.recovered;
  for (const { failure } of outcome.dropped) {
    level.dropped++;
    stats.droppedReasons[failure] = (stats.droppedReasons[failure] ?? 0) + 1;
  }
  stats.longestChain = Math.max(stats.longestChain, outcome.chain);
}
