/**
 * The one owner of transport retries: exponential backoff with full jitter, honouring a server's
 * Retry-After hint, never retrying after an abort. Re-asking for a reply that did not validate is a
 * separate concern and lives above the engine.
 */
import { AbortedError, EngineCallError } from "../../errors.js";

export interface RetryInfo {
  /** The 1-based attempt that just failed. */
  attempt: number;
  /** How long we wait before the next attempt, in milliseconds. */
  delayMs: number;
  error: EngineCallError;
}

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. Default 6. */
  maxRetries: number;
  /** Backoff base in milliseconds: attempt n waits up to base * 2^(n-1). Default 500. */
  baseDelayMs: number;
  /** Upper bound of the exponential backoff, in milliseconds. Default 30000. */
  maxDelayMs: number;
  /** Upper bound on a server's Retry-After hint, in milliseconds. Default 120000. */
  maxRetryAfterMs: number;
  /** Uniform random number in [0, 1); injected for tests. Default Math.random. */
  random: () => number;
  /** Waits `ms`; must reject with AbortedError when `signal` aborts. Default a timer. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
}

export function sleepWithSignal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError("aborted"));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError("aborted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export const defaultRetryPolicy: Readonly<RetryPolicy> = {
  maxRetries: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  random: Math.random,
  sleep: sleepWithSignal,
};

/** The wait before the attempt after failed attempt `attempt` (1-based). */
export function retryDelayMs(attempt: number, error: EngineCallError, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const backoff = policy.random() * ceiling;
  const hinted = error.details.retryAfterSeconds;
  if (hinted === undefined) return Math.round(backoff);
  // The server knows when it will have room again: wait at least that long, plus a little jitter (a
  // tenth of the wait, at most the backoff base) so clients told the same time do not all come back
  // at once, and a call told "1 s" does not wait 1.5.
  const hintMs = Math.min(Math.max(0, hinted * 1000), policy.maxRetryAfterMs);
  const jitter = policy.random() * Math.min(hintMs / 10, policy.baseDelayMs);
  return Math.round(Math.max(hintMs + jitter, backoff));
}

/**
 * Calls `attempt(1)`, `attempt(2)`, ... until one succeeds, an error is not a retryable
 * EngineCallError, retries run out, or the signal aborts (then AbortedError).
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  policy: Partial<RetryPolicy> = {},
): Promise<{ value: T; attempts: number }> {
  const p: RetryPolicy = { ...defaultRetryPolicy, ...stripUndefined(policy) };
  for (let n = 1; ; n++) {
    if (p.signal?.aborted) throw new AbortedError("aborted");
    try {
      return { value: await attempt(n), attempts: n };
    } catch (error) {
      if (error instanceof AbortedError) throw error;
      if (p.signal?.aborted) throw new AbortedError("aborted", { cause: error });
      if (!(error instanceof EngineCallError) || !error.details.retryable || n > p.maxRetries) throw error;
      const delayMs = retryDelayMs(n, error, p);
      p.onRetry?.({ attempt: n, delayMs, error });
      await p.sleep(delayMs, p.signal);
    }
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
