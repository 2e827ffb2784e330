import type { Price } from "../cost/prices.js";
import { costOf } from "../cost/prices.js";
import { estimateTokens } from "../corpus/estimate-tokens.js";
import type { CompletionRequest, TokenUsage } from "../llm/port.js";

/**
 * Completion tokens assumed for a step that has not replied yet in this run, when its request sets
 * no max_tokens: a generous answer, so that the first calls of a step do not surprise the budget.
 */
export const PRIOR_COMPLETION_TOKENS = 1000;
/** Replies a step needs before its own largest reply, not the prior, bounds its next one. */
export const WARM_UP_REPLIES = 5;
/** How much larger than the largest reply of its step a reply may plausibly be. */
export const COMPLETION_MARGIN = 1.5;
/** How much further the real prompt tokens may exceed the estimate than they ever did in this run. */
export const PROMPT_MARGIN = 1.1;
/**
 * Real prompt tokens per estimated one assumed for the bound before any reply reported its usage:
 * the estimate runs low on code and unusual scripts.
 */
export const PRIOR_PROMPT_RATIO_BOUND = 1.5;
/** Tokens of chat formatting a message adds to its text. */
const MESSAGE_OVERHEAD_TOKENS = 4;

/** What a call's cost depends on, read once from its request (estimating a long prompt is not free). */
export interface CallShape {
  /** The step that sends it: the response schema's name, or "text". */
  step: string;
  estimatedPromptTokens: number;
  maxTokens: number | undefined;
}

/** What a call is expected to cost, and the most it can plausibly cost, in dollars. */
export interface CallCost {
  expectedUsd: number;
  boundUsd: number;
}

export function callShape(request: CompletionRequest): CallShape {
  let estimatedPromptTokens = 0;
  for (const message of request.messages) estimatedPromptTokens += estimateTokens(message.content) + MESSAGE_OVERHEAD_TOKENS;
  return { step: request.responseSchema?.name ?? "text", estimatedPromptTokens, maxTokens: request.sampling.maxTokens };
}

interface StepReplies {
  count: number;
  completionTokens: number;
  largest: number;
}

/**
 * Forecasts what calls of this run will cost from what earlier calls of the run really cost: the
 * prompt estimate calibrated by the ratio of reported to estimated prompt tokens, and the
 * completion size each step has been producing.
 */
export class CostForecast {
  private estimatedPrompt = 0;
  private reportedPrompt = 0;
  private reportedCached = 0;
  private largestPromptRatio = 0;
  private readonly steps = new Map<string, StepReplies>();

  constructor(private readonly price: Price) {}

  cost(shape: CallShape): CallCost {
    const ratio = this.estimatedPrompt > 0 ? this.reportedPrompt / this.estimatedPrompt : 1;
    const ratioBound = this.largestPromptRatio > 0 ? this.largestPromptRatio * PROMPT_MARGIN : PRIOR_PROMPT_RATIO_BOUND;
    const cachedShare = this.reportedPrompt > 0 ? this.reportedCached / this.reportedPrompt : 0;
    const prior = shape.maxTokens ?? PRIOR_COMPLETION_TOKENS;
    const replies = this.steps.get(shape.step);
    const expectedCompletion = replies ? replies.completionTokens / replies.count : prior;
    let completionBound = replies ? replies.largest * COMPLETION_MARGIN : prior;
    if (replies && replies.count < WARM_UP_REPLIES) completionBound = Math.max(completionBound, prior);
    // max_tokens is a promise the server keeps: no reply is longer.
    if (shape.maxTokens !== undefined) completionBound = Math.min(completionBound, shape.maxTokens);
    completionBound = Math.max(completionBound, expectedCompletion);

    const promptTokens = shape.estimatedPromptTokens * ratio;
    const expectedUsd = costOf({ promptTokens, completionTokens: expectedCompletion, cachedPromptTokens: promptTokens * cachedShare }, this.price);
    // The bound assumes no prompt-cache hit: a cache that stops hitting must not cross the budget.
    const boundUsd = costOf({ promptTokens: shape.estimatedPromptTokens * ratioBound, completionTokens: completionBound, cachedPromptTokens: 0 }, this.price);
    return { expectedUsd, boundUsd: Math.max(boundUsd, expectedUsd) };
  }

  /** Learns from the usage a server reported for a call of this shape. */
  learn(shape: CallShape, usage: TokenUsage): void {
    // A server that reports no usage at all teaches nothing (and costs nothing by its own account).
    if (usage.promptTokens <= 0 && usage.completionTokens <= 0) return;
    if (usage.promptTokens > 0 && shape.estimatedPromptTokens > 0) {
      this.estimatedPrompt += shape.estimatedPromptTokens;
      this.reportedPrompt += usage.promptTokens;
      this.reportedCached += Math.min(usage.cachedPromptTokens, usage.promptTokens);
      this.largestPromptRatio = Math.max(this.largestPromptRatio, usage.promptTokens / shape.estimatedPromptTokens);
    }
    const replies = this.steps.get(shape.step);
    if (replies) {
      replies.count++;
      replies.completionTokens += usage.completionTokens;
      replies.largest = Math.max(replies.largest, usage.completionTokens);
    } else {
      this.steps.set(shape.step, { count: 1, completionTokens: usage.completionTokens, largest: usage.completionTokens });
    }
  }
}
