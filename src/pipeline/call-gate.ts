import { CircuitOpenError, SpendingLimitReachedError } from "../errors.js";
import type { Completion, CompletionRequest } from "../llm/port.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import type { RunStats } from "./run-stats.js";
import type { SpendingLimit } from "./spending-limit.js";

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
 * run is stopping or the spending limit would be crossed, send it (the scheduler finds it a place),
 * then count its tokens and cost and feed the circuit breaker.
 */
export class CallGate {
  constructor(private readonly parts: CallGateParts) {}

  async send(request: CompletionRequest, call: () => Promise<Completion>): Promise<Completion> {
    const { stats, breaker, spending, draining } = this.parts;
    if (draining.aborted) throw draining.reason as Error;
    let reserved = 0;
    if (spending) {
      const reservation = spending.tryReserve(request);
      if (reservation === undefined) {
        // The wording is what users of --max-cost have seen since it came; "budget" here is money.
        const reason = new SpendingLimitReachedError(
          `stopped before crossing the budget of $${spending.maxUsd.toFixed(2)} (spent $${spending.spentUsd.toFixed(4)})`,
        );
        this.parts.drain(reason);
        throw reason;
      }
      reserved = reservation;
    }
    let completion: Completion;
    try {
      completion = await call();
    } catch (error) {
      spending?.settle(reserved, undefined);
      if (!request.signal?.aborted) {
        breaker.record({ ok: false, error });
        const reason = breaker.tripped();
        if (reason) this.parts.fail(new CircuitOpenError(reason));
      }
      throw error;
    }
    breaker.record({ ok: true });
    spending?.settle(reserved, completion.usage);
    stats.calls++;
    stats.transportRetries += completion.attempts - 1;
    stats.promptTokens += completion.usage.promptTokens;
    stats.completionTokens += completion.usage.completionTokens;
    stats.cachedPromptTokens += completion.usage.cachedPromptTokens;
    return completion;
  }
}
