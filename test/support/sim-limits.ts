/**
 * The simulated server's published rate limits: requests and tokens per fixed window, told in
 * OpenAI's `x-ratelimit-*` headers, and what a request over them is answered. Pure functions over
 * a window's counts; the server keeps the current window.
 */

export interface RateLimits {
  /** Requests allowed per window; 0: no limit. */
  limitRequests: number;
  /** Tokens allowed per window (prompt + completion, as the simulator counts them); 0: no limit. */
  limitTokens: number;
  /** Length of a window, milliseconds. */
  limitWindowMs: number;
}

/** What one window has used so far. It starts with the first request after the previous one ended. */
export interface RateWindow {
  readonly startedAt: number;
  readonly requests: number;
  readonly tokens: number;
}

export const hasRateLimits = (limits: RateLimits) => limits.limitRequests > 0 || limits.limitTokens > 0;

/** The window in force at `now`: `window` while it lasts, else a new, empty one starting now. */
export function windowAt(window: RateWindow | undefined, limits: RateLimits, now: number): RateWindow {
  if (window !== undefined && now < window.startedAt + limits.limitWindowMs) return window;
  return { startedAt: now, requests: 0, tokens: 0 };
}

/** `window` with `requests` more requests and `tokens` more tokens counted. */
export const charge = (window: RateWindow, requests: number, tokens: number): RateWindow => ({
  startedAt: window.startedAt,
  requests: window.requests + requests,
  tokens: window.tokens + tokens,
});

export type LimitVerdict = { admitted: true } | { admitted: false; limit: "requests" | "tokens"; retryAfterMs: number };

/**
 * Whether a request whose prompt has `promptTokens` tokens may be served in `window`. As OpenAI
 * does, it needs a request left and room for its prompt (the completion is counted once written);
 * a prompt larger than the whole token limit is never served.
 */
export function admit(window: RateWindow, limits: RateLimits, promptTokens: number, now: number): LimitVerdict {
  const retryAfterMs = resetMs(window, limits, now);
  if (limits.limitRequests > 0 && window.requests >= limits.limitRequests) return { admitted: false, limit: "requests", retryAfterMs };
  if (limits.limitTokens > 0 && window.tokens + promptTokens > limits.limitTokens) return { admitted: false, limit: "tokens", retryAfterMs };
  return { admitted: true };
}

/** Milliseconds until `window` ends and its counts start again from zero. */
const resetMs = (window: RateWindow, limits: RateLimits, now: number) => Math.max(0, window.startedAt + limits.limitWindowMs - now);

/** The `x-ratelimit-*` headers of a reply sent at `now`: the requests three and the tokens three, each for a limit that is set. */
export function rateLimitHeaders(window: RateWindow, limits: RateLimits, now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  const reset = formatReset(resetMs(window, limits, now));
  const tell = (kind: "requests" | "tokens", limit: number, used: number) => {
    if (limit <= 0) return;
    headers[`x-ratelimit-limit-${kind}`] = String(limit);
    headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, limit - used));
    headers[`x-ratelimit-reset-${kind}`] = reset;
  };
  tell("requests", limits.limitRequests, window.requests);
  tell("tokens", limits.limitTokens, window.tokens);
  return headers;
}

/**
 * A duration as OpenAI writes its resets (Go's time.Duration format), to the millisecond: "250ms",
 * "1s", "1m30.5s", "6m0s", "1h0m0s"; "0s" for nothing.
 */
export function formatReset(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return "0s";
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = `${((total % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, "")}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}
