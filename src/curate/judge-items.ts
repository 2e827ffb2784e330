import PQueue from "p-queue";
import { AbortedError, UnusableReplyError } from "../errors.js";
import type { Completion, LanguageModel, Sampling } from "../llm/port.js";
import { completeStructured } from "../llm/structured/complete-structured.js";
import type { SpendingLimit } from "../pipeline/spending-limit.js";
import type { TokenUsage } from "../token-usage.js";
import { itemJudgePrompt, itemJudgeSchema, itemScore, type JudgedItem } from "./item-judge-prompt.js";

/** What the judge said of one item, or why it said nothing usable. */
export type ItemVerdict =
  | { score: number; groundedness: number; usefulness: number; reason: string }
  /** No usable reply after the re-asks: the item is kept, and counted. */
  | { failed: string }
  /** Not judged: the next call would have crossed the spending limit. A rerun judges it (and replays the rest). */
  | { unjudged: "max-cost" };

export interface JudgeProgress {
  /** Items with a verdict or a failure so far. */
  done: number;
  total: number;
  failed: number;
  /** Calls that reached the model (replies from the cache are not calls), and the tokens they used. */
  calls: number;
  usage: TokenUsage;
}

export interface JudgeItemsOptions {
  judge: LanguageModel;
  /** Items judged at once. */
  concurrency: number;
  /** Calls reserve their cost here before they go, and stop the judging cleanly when the next would cross it. */
  spending?: SpendingLimit;
  /**
   * Wraps the judge after the spending check: pass the reply cache here (e.g. `(m) => cachedModel(m, store,
   * { promptVersion: ITEM_JUDGE_PROMPT_VERSION })`), so a replayed reply costs nothing and never waits for
   * room in the budget. Without it, `judge` is called as given, and every call is paid.
   */
  cache?: (judge: LanguageModel) => LanguageModel;
  /** Aborting stops sending; judgeItems then rejects with AbortedError once the calls in flight end. */
  signal?: AbortSignal;
  onProgress?: (progress: JudgeProgress) => void;
  /** Times an unusable reply is asked for again before the item counts as failed. Default 3. */
  maxReasks?: number;
  /** Default temperature 0 (the same item gets the same verdict), and at most JUDGE_MAX_TOKENS a reply. */
  sampling?: Sampling;
}

/**
 * Two scores and a one-line reason take a few dozen tokens; the cap keeps a rambling judge from
 * costing more, and lets the spending limit hold a call's bound small from the first call on.
 */
export const JUDGE_MAX_TOKENS = 400;

/** Thrown inside to end an item's judging at the spending limit; never leaves judgeItems. */
class LimitReached extends Error {}

/**
 * Rates every item with the judge (itemJudgePrompt, through completeStructured), `concurrency` at a
 * time, and returns one verdict per item, in the items' order. An item whose replies stay unusable
 * after the re-asks is `failed` (kept by the caller); once the spending limit is reached the
 * remaining items are `unjudged` and the calls in flight are let finish. Any other error (the
 * server refusing every call, a store that cannot be written) rejects, as does the abort signal.
 */
export async function judgeItems(items: readonly JudgedItem[], options: JudgeItemsOptions): Promise<ItemVerdict[]> {
  const { spending, signal } = options;
  const progress: JudgeProgress = { done: 0, total: items.length, failed: 0, calls: 0, usage: { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 } };
  let limitReached = false;
  const paid: LanguageModel = {
    description: options.judge.description,
    modelId: options.judge.modelId,
    complete: async (request) => {
      if (limitReached) throw new LimitReached();
      const reservation = spending ? await spending.reserve(request, request.signal) : undefined;
      if (spending && reservation === undefined) {
        limitReached = true;
        // Calls waiting for room would have been refused had they come now.
        spending.refuseWaiting(new LimitReached());
        throw new LimitReached();
      }
      let completion: Completion;
      try {
        completion = await options.judge.complete(request);
      } catch (error) {
        if (reservation) spending!.settle(reservation, undefined);
        throw error;
      }
      if (reservation) spending!.settle(reservation, completion.usage);
      progress.calls++;
      progress.usage.promptTokens += completion.usage.promptTokens;
      progress.usage.completionTokens += completion.usage.completionTokens;
      progress.usage.cachedPromptTokens += completion.usage.cachedPromptTokens;
      return completion;
    },
  };
  const judge = options.cache ? options.cache(paid) : paid;
  const sampling = options.sampling ?? { temperature: 0, maxTokens: JUDGE_MAX_TOKENS };
  const maxReasks = options.maxReasks ?? 3;

  const verdicts = new Array<ItemVerdict>(items.length);
  const queue = new PQueue({ concurrency: Math.max(1, options.concurrency) });
  let fatal: { error: unknown } | undefined;
  const stop = () => queue.clear();
  signal?.addEventListener("abort", stop, { once: true });

  const judgeOne = async (item: JudgedItem, i: number) => {
    // Past the spending limit an item is still tried: the cache may hold its reply, free.
    if (fatal || signal?.aborted) return;
    try {
      const { value } = await completeStructured(
        judge,
        { messages: itemJudgePrompt(item), sampling, schema: itemJudgeSchema, ...(signal ? { signal } : {}) },
        { maxReasks },
      );
      const reason = value.reason.replace(/\s+/g, " ").trim();
      verdicts[i] = { score: itemScore(value), groundedness: value.groundedness, usefulness: value.usefulness, reason };
    } catch (error) {
      if (error instanceof LimitReached) {
        verdicts[i] = { unjudged: "max-cost" };
        return;
      }
      if (!(error instanceof UnusableReplyError)) {
        if (!signal?.aborted && !fatal) fatal = { error };
        stop();
        return;
      }
      verdicts[i] = { failed: error.message };
      progress.failed++;
    }
    progress.done++;
    options.onProgress?.({ ...progress, usage: { ...progress.usage } });
  };

  try {
    // judgeOne never rejects; the promises of tasks cleared from the queue never settle, so only idleness is awaited.
    if (!signal?.aborted) for (const [i, item] of items.entries()) void queue.add(() => judgeOne(item, i));
    await queue.onIdle();
  } finally {
    signal?.removeEventListener("abort", stop);
  }
  if (signal?.aborted) throw new AbortedError("interrupted");
  if (fatal) throw fatal.error;
  return verdicts;
}

/** Counts of a judging's verdicts, and how many score under `minScore` (the items curate removes). */
export function verdictCounts(verdicts: readonly ItemVerdict[], minScore: number): { judged: number; low: number; failed: number; unjudged: number } {
  const counts = { judged: 0, low: 0, failed: 0, unjudged: 0 };
  for (const verdict of verdicts) {
    if ("score" in verdict) {
      counts.judged++;
      if (verdict.score < minScore) counts.low++;
    } else if ("failed" in verdict) counts.failed++;
    else counts.unjudged++;
  }
  return counts;
}

/** Whether judging stopped at the spending limit with items left: the caller says "run again to go on". */
export const stoppedAtCost = (verdicts: readonly ItemVerdict[]): boolean => verdicts.some((verdict) => "unjudged" in verdict);
