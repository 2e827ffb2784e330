import { CircuitOpenError, SpendingLimitReachedError } from "../errors.js";
import type { Completion, CompletionRequest } from "../llm/port.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import { addBatched, type RunStats } from "./run-stats.js";
import type { SpendingLimit, SpendingReservation } from "./spending-limit.js";

export interface CallGateParts {
  stats: RunStats;
  breaker: CircuitBreaker;
  spending?: SpendingLimit;
  /** Aborted when the run stops taking new work (interrupt, spending limit); its reason is thrown to new calls. */
  draining: AbortSignal;
  /** Asks the run to stop taking new work, for this reason. */
  drain(reason: Error): void;
  /** Stops the run at once, for this reason. */
  fail(reason: Error): void;
}

/**
 * Everything that happens around one call sent to the model, in one place: refuse it when the
 * run is stopping, wait for room under the spending limit (or stop the run at it), send it (the
 * scheduler finds it a place), then count its tokens and cost and feed the circuit breaker.
 */
export class CallGate {
  constructor(private readonly parts: CallGateParts) {
    // Calls waiting for room in the budget would have been refused had they come now.
    const { spending, draining } = parts;
    if (spending) draining.addEventListener("abort", () => spending.refuseWaiting(draining.reason), { once: true });
  }

  async send(request: CompletionRequest, call: () => Promise<Completion>): Promise<Completion> {
    const { stats, breaker, spending, draining } = this.parts;
    if (draining.aborted) throw draining.reason as Error;
    let reserved: SpendingReservation | undefined;
    if (spending) {
      // Before the scheduler: a call waiting for room in the budget holds no place and no rate-limit tokens.
      reserved = await spending.reserve(request, request.signal);
      // Once the run is stopping, its own reason, so that the document is counted unfinished.
      if (reserved === undefined) {
        if (draining.aborted) throw draining.reason as Error;
        // The wording is what users of --max-cost have seen since it came; "budget" here is money.
        const reason = new SpendingLimitReachedError(
          `stopped before crossing the budget of $${spending.maxUsd.toFixed(2)} (spent $${spending.spentUsd.toFixed(4)})`,
        );
        this.parts.drain(reason);
        throw reason;
      }
      if (draining.aborted) {
        spending.settle(reserved, undefined);
        throw draining.reason as Error;
      }
    }
    let completion: Completion;
    try {
      completion = await call();
    } catch (error) {
      if (reserved) spending?.settle(reserved, undefined);
      if (!request.signal?.aborted) {
        breaker.record({ ok: false, error });
        const reason = breaker.tripped();
        if (reason) this.parts.fail(new CircuitOpenError(reason));
      }
      throw error;
    }
    breaker.record({ ok: true });
    if (reserved) spending?.settle(reserved, completion.usage, completion.batchId !== undefined);
    stats.calls++;
    stats.transportRetries += completion.attempts - 1;
    if (completion.batchId !== undefined) {
      stats.batched.calls++;
      addBatched(stats, completion.usage);
    } else {
      stats.promptTokens += completion.usage.promptTokens;
      stats.completionTokens += completion.usage.completionTokens;
      stats.cachedPromptTokens += completion.usage.cachedPromptTokens;
    }
    return completion;
  }
}
