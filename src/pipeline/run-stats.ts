import type { TokenUsage } from "../token-usage.js";
import type { LevelOutcome } from "../method/run-level.js";

export interface LevelStats {
  /** Instructions asked for over all documents. */
  budget: number;
  /** Features found: the budget, less what was not yielded and what was lost to unusable replies. */
  features: number;
  /** Features the documents could not yield after the extra asks (the model found no more). */
  notYielded: number;
  /** Features lost because an extraction reply stayed cut off or unusable. */
  lostToUnusable: number;
  /** Extraction requests whose reply stayed cut off or unusable after its re-asks. */
  unusableExtractions: number;
  kept: number;
  dropped: number;
  /** Items dropped after every round, by reason. */
  droppedReasons: Record<string, number>;
  /** Items sent to re-synthesis at least once, kept or dropped in the end. */
  resynthesized: number;
  /** Kept thanks to re-synthesis. */
  recovered: number;
}

/** A level's counts before any outcome. */
export const emptyLevelStats = (): LevelStats => ({
  budget: 0,
  features: 0,
  notYielded: 0,
  lostToUnusable: 0,
  unusableExtractions: 0,
  kept: 0,
  dropped: 0,
  droppedReasons: {},
  resynthesized: 0,
  recovered: 0,
});

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
  /** Of the calls, those answered in a batch, and their tokens (priced at the batch price). */
  batched: TokenUsage & { calls: number };
  /** Most calls in flight at once. */
  maxInFlight: number;
  /** How the run met its endpoints' limits. */
  limits: LimitStats;
  /** Longest chain of calls that waited on each other, over all documents and levels. */
  longestChain: number;
  wallMs: number;
}

/** How a run met its endpoints' limits, over all endpoints. */
export interface LimitStats {
  /** Replies 429 Too Many Requests. */
  rateLimited: number;
  /** Times an endpoint's concurrency was lowered to just under where its server began refusing. */
  decreases: number;
  /** Times an endpoint was paused because its server had no room for anyone. */
  pauses: number;
  /** Times an endpoint was taken out for failing calls in a row. */
  outages: number;
  /** Time calls waited for a limit to allow them (rpm, tpm, published limits, pauses, outages). */
  waitedMs: number;
  /** Each endpoint's concurrency at the end: its learned ceiling. */
  ceilings: number[];
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
    batched: { calls: 0, promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 },
    maxInFlight: 0,
    limits: { rateLimited: 0, decreases: 0, pauses: 0, outages: 0, waitedMs: 0, ceilings: [] },
    longestChain: 0,
    wallMs: 0,
  };
}

/** What the items of a run add up to: per level, and dropped by reason over all levels. */
export type ItemCounts = Pick<RunStats, "levels" | "droppedReasons">;

/**
 * Adds one level outcome, as the run made it or as the run store gave it back, to the counts. An
 * outcome stored before a count was kept lacks it and adds 0 to it.
 */
export function countOutcome(stats: ItemCounts & Partial<Pick<RunStats, "longestChain">>, outcome: LevelOutcome): void {
  const level = (stats.levels[outcome.level] ??= emptyLevelStats());
  level.budget += outcome.budget;
  level.features += outcome.features;
  level.notYielded += outcome.notYielded ?? 0;
  level.lostToUnusable += outcome.lostToUnusable ?? 0;
  level.unusableExtractions += outcome.unusableExtractions ?? 0;
  level.kept += outcome.records.length;
  level.recovered += outcome.recovered;
  level.resynthesized += outcome.records.filter((r) => r.resynthesized).length + outcome.dropped.filter((d) => d.rounds > 0).length;
  for (const { failure } of outcome.dropped) {
    level.dropped++;
    level.droppedReasons[failure] = (level.droppedReasons[failure] ?? 0) + 1;
    stats.droppedReasons[failure] = (stats.droppedReasons[failure] ?? 0) + 1;
  }
  if (stats.longestChain !== undefined) stats.longestChain = Math.max(stats.longestChain, outcome.chain);
}

/** The counts of a set of level outcomes, e.g. those a run store holds: the same sums a run makes. */
export function countOutcomes(outcomes: Iterable<LevelOutcome>): ItemCounts {
  const counts: ItemCounts = { levels: {}, droppedReasons: {} };
  for (const outcome of outcomes) countOutcome(counts, outcome);
  return counts;
}

/** Instructions asked for and kept, over every level. */
export function keptOfAsked(counts: Pick<RunStats, "levels">): { asked: number; kept: number } {
  let asked = 0;
  let kept = 0;
  for (const level of Object.values(counts.levels)) {
    asked += level.budget;
    kept += level.kept;
  }
  return { asked, kept };
}

/** A run is thin when it kept less than half of the instructions it asked for. */
export function isThin(counts: Pick<RunStats, "levels">): boolean {
  const { asked, kept } = keptOfAsked(counts);
  return asked > 0 && 2 * kept < asked;
}

/** Adds the tokens of a reply answered in a batch to the run's tokens and to its batched share. */
export function addBatched(stats: RunStats, usage: TokenUsage): void {
  stats.promptTokens += usage.promptTokens;
  stats.completionTokens += usage.completionTokens;
  stats.cachedPromptTokens += usage.cachedPromptTokens;
  stats.batched.promptTokens += usage.promptTokens;
  stats.batched.completionTokens += usage.completionTokens;
  stats.batched.cachedPromptTokens += usage.cachedPromptTokens;
}
