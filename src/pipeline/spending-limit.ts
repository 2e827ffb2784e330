import type { Price } from "../cost/prices.js";
import { costOf } from "../cost/prices.js";
import { estimateTokens } from "../corpus/estimate-tokens.js";
import type { CompletionRequest, TokenUsage } from "../llm/port.js";

/** Completion tokens assumed for a call whose request sets no max_tokens: a generous answer. */
const ASSUMED_COMPLETION_TOKENS = 1000;

/**
 * Keeps a run under a spending limit (in dollars): before a call is sent, the most it could cost is reserved, and a
 * call that would take spending plus reservations over the limit is refused; after the reply
 * the reservation is replaced by what the call really cost.
 */
export class SpendingLimit {
  private reserved = 0;
  spentUsd: number;

  constructor(
    readonly maxUsd: number,
    private readonly price: Price,
    alreadySpentUsd = 0,
  ) {
    this.spentUsd = alreadySpentUsd;
  }

  /** The amount reserved for the call, or undefined when it would cross the limit. */
  tryReserve(request: CompletionRequest): number | undefined {
    const promptTokens = request.messages.reduce((n, m) => n + estimateTokens(m.content) + 4, 0);
    const completionTokens = request.sampling.maxTokens ?? ASSUMED_COMPLETION_TOKENS;
    const worst = costOf({ promptTokens, completionTokens, cachedPromptTokens: 0 }, this.price);
    if (this.spentUsd + this.reserved + worst > this.maxUsd) return undefined;
    this.reserved += worst;
    return worst;
  }

  settle(reservedUsd: number, usage: TokenUsage | undefined): void {
    this.reserved -= reservedUsd;
    if (usage) this.spentUsd += costOf(usage, this.price);
  }
}
