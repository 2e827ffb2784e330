/**
 * Stops a run that is spending its corpus on errors that retrying will not fix (context too long,
 * bad key, unknown model, no quota): when most recent calls fail that way, every further document
 * would fail the same way, and each failure may still cost prompt tokens.
 */
import { ConfigError, EngineCallError } from "../errors.js";

export interface CircuitBreakerOptions {
  /** How many of the most recent calls are looked at. Default 20. */
  window?: number;
  /** The share of those calls (0 to 1) that must fail unfixably, exclusive, to trip. Default 0.5. */
  threshold?: number;
}

export type CallOutcome = { ok: true } | { ok: false; error: unknown };

export class CircuitBreaker {
  private readonly window: number;
  private readonly threshold: number;
  /** The last `window` calls, oldest first: the unfixable error, or undefined for anything else. */
  private readonly recent: (EngineCallError | undefined)[] = [];

  constructor(options: CircuitBreakerOptions = {}) {
    this.window = options.window ?? 20;
    this.threshold = options.threshold ?? 0.5;
    if (!Number.isInteger(this.window) || this.window < 1) throw new ConfigError(`window must be an integer >= 1, got ${this.window}`);
    if (!(this.threshold >= 0 && this.threshold < 1)) throw new ConfigError(`threshold must be at least 0 and below 1, got ${this.threshold}`);
  }

  /** Records the outcome of one call after transport retries: success, or the final error. */
  record(outcome: CallOutcome): void {
    this.recent.push(!outcome.ok && isUnfixable(outcome.error) ? outcome.error : undefined);
    if (this.recent.length > this.window) this.recent.shift();
  }

  /** The one-line reason to stop the run, or undefined while it should go on. */
  tripped(): string | undefined {
    const calls = this.recent.length;
    if (calls < this.window / 2) return undefined;
    const failures = this.recent.filter((error): error is EngineCallError => error !== undefined);
    if (failures.length <= this.threshold * calls) return undefined;

    // Group by status and message with numbers blanked, so "8192 tokens, you asked 9001" and
    // "... 9120" count as one kind; show the latest of the most common kind.
    const kinds = new Map<string, { count: number; latest: EngineCallError; at: number }>();
    failures.forEach((error, at) => {
      const key = `${error.details.status}|${error.message.replace(/\d+/g, "#")}`;
      kinds.set(key, { count: (kinds.get(key)?.count ?? 0) + 1, latest: error, at });
    });
    // Ties go to the kind seen most recently.
    const { count, latest } = [...kinds.values()].reduce((a, b) => (b.count > a.count || (b.count === a.count && b.at > a.at) ? b : a));
    const which = count === failures.length ? "last" : `most common (${count} of ${failures.length})`;
    return `stopping: ${failures.length} of the last ${calls} calls failed with errors that retrying will not fix; ${which}: ${oneLine(latest.message)}`;
  }
}

/** An error no retry can fix: a non-retryable EngineCallError. Parse errors and exhausted retries are not. */
function isUnfixable(error: unknown): error is EngineCallError {
  return error instanceof EngineCallError && !error.details.retryable;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
