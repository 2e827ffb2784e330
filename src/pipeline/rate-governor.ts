/**
 * Keeps a run inside a provider's limits: token buckets for requests and tokens per minute, a
 * global pause when a server says Retry-After, and AIMD concurrency that halves on a 429 storm and
 * creeps back up while calls succeed.
 */
import { AbortedError, ConfigError } from "../errors.js";
import { sleepWithSignal } from "../llm/http/retry.js";

export interface RateLimits {
  /** Requests per minute; undefined = unlimited. */
  rpm?: number;
  /** Tokens (prompt + completion) per minute; undefined = unlimited. */
  tpm?: number;
  /** The most calls in flight; adaptive concurrency never goes above it. */
  concurrency: number;
}

export interface Clock {
  /** Milliseconds on a clock that never goes back. */
  now(): number;
  /** Waits `ms`; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => performance.now(), sleep: sleepWithSignal };

export interface RateGovernorOptions {
  clock?: Clock;
  /** Told the new allowed concurrency each time it changes. */
  onChange?: (concurrency: number) => void;
  /**
   * After lowering concurrency, further 429s within this many milliseconds are taken as the same
   * wave and do not lower it again. Default 10000.
   */
  coolDownMs?: number;
}

const MINUTE_MS = 60_000;
// Float slack, so that a bucket refilled to 0.9999999999 of what a call needs lets it through.
const EPSILON = 1e-6;

/** A bucket holding one minute's worth, refilled continuously; its level may go below zero. */
class TokenBucket {
  private level: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    now: number,
  ) {
    this.level = capacity;
    this.updatedAt = now;
  }

  private refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + ((now - this.updatedAt) * this.capacity) / MINUTE_MS);
    this.updatedAt = now;
  }

  /** Milliseconds until `amount` may be taken (a full bucket always suffices); 0 when it may now. */
  waitFor(amount: number, now: number): number {
    this.refill(now);
    const deficit = Math.min(amount, this.capacity) - this.level;
    return deficit <= EPSILON ? 0 : (deficit * MINUTE_MS) / this.capacity;
  }

  take(amount: number, now: number): void {
    this.refill(now);
    this.level -= amount;
  }

  giveBack(amount: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.capacity, this.level + amount);
  }
}

interface Waiter {
  tokens: number;
  resolve: () => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class RateGovernor {
  readonly stats = { rateLimited: 0, decreases: 0, waitedMs: 0 };

  private readonly clock: Clock;
  private readonly onChange: (concurrency: number) => void;
  private readonly listeners = new Set<(concurrency: number) => void>();
  private readonly coolDownMs: number;
  private readonly cap: number;
  private readonly requests: TokenBucket | undefined;
  private readonly tokens: TokenBucket | undefined;
  private current: number;
  private successes = 0;
  private pausedUntil = -Infinity;
  private lastDecreaseAt = -Infinity;
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  /** Aborted to cut the pump's sleep short when the head of the line may go sooner. */
  private wake: AbortController | undefined;

  constructor(limits: RateLimits, options: RateGovernorOptions = {}) {
    const { rpm, tpm, concurrency } = limits;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new ConfigError(`concurrency must be an integer >= 1, got ${concurrency}`);
    for (const [name, value] of [["rpm", rpm], ["tpm", tpm]] as const) {
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new ConfigError(`${name} must be a number > 0, got ${value}`);
    }
    this.clock = options.clock ?? systemClock;
    this.onChange = options.onChange ?? (() => {});
    this.coolDownMs = options.coolDownMs ?? 10_000;
    this.cap = concurrency;
    this.current = concurrency;
    const now = this.clock.now();
    this.requests = rpm === undefined ? undefined : new TokenBucket(rpm, now);
    this.tokens = tpm === undefined ? undefined : new TokenBucket(tpm, now);
  }

  /** Current allowed concurrency (starts at limits.concurrency). */
  /** Also tell `listener` of every change of concurrency, until the returned function is called. */
  subscribe(listener: (concurrency: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get concurrency(): number {
    return this.current;
  }

  /**
   * Resolves when a call estimated at `tokens` tokens may start. First come, first served: a large
   * call at the head of the line holds back smaller ones behind it, so it cannot starve.
   */
  acquire(tokens: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError("stopped while waiting for the rate limit"));
    const amount = Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
    const now = this.clock.now();
    if (this.waiters.length === 0 && this.waitFor(amount, now) === 0) {
      this.take(amount, now);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        tokens: amount,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.waiters.indexOf(waiter);
          if (index < 0) return;
          this.waiters.splice(index, 1);
          reject(new AbortedError("stopped while waiting for the rate limit"));
          if (index === 0) this.wake?.abort();
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      void this.pump();
    });
  }

  /** After a reply, corrects the tpm bucket by the difference between estimated and actual tokens. */
  settle(estimatedTokens: number, actualTokens: number): void {
    if (!this.tokens) return;
    const difference = estimatedTokens - actualTokens;
    if (!Number.isFinite(difference) || difference === 0) return;
    this.tokens.giveBack(difference, this.clock.now());
    if (difference > 0) this.wake?.abort();
  }

  /**
   * A 429 was met: halves concurrency unless it was lowered within the cool-down window or a
   * Retry-After pause is holding (429s then come from calls sent before it), and pauses new calls
   * for `retryAfterSeconds` when given.
   */
  onRateLimited(retryAfterSeconds?: number): void {
    this.stats.rateLimited++;
    const now = this.clock.now();
    if (now >= this.lastDecreaseAt + this.coolDownMs && now >= this.pausedUntil) {
      this.lastDecreaseAt = now;
      this.successes = 0;
      const lowered = Math.max(1, Math.floor(this.current / 2));
      if (lowered < this.current) {
        this.stats.decreases++;
        this.setConcurrency(lowered);
      }
    }
    if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0) {
      this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterSeconds * 1000);
    }
  }

  /** A call succeeded: +1 concurrency after `concurrency` successes, never above the cap. */
  onSuccess(): void {
    if (this.current >= this.cap) return;
    if (++this.successes < this.current) return;
    this.successes = 0;
    this.setConcurrency(this.current + 1);
  }

  private setConcurrency(value: number): void {
    this.current = value;
    this.onChange(value);
    for (const listener of this.listeners) listener(value);
  }

  /** Milliseconds until a call of `tokens` may start, rounded up; 0 when it may now. */
  private waitFor(tokens: number, now: number): number {
    const wait = Math.max(
      this.pausedUntil - now,
      this.requests?.waitFor(1, now) ?? 0,
      this.tokens?.waitFor(tokens, now) ?? 0,
    );
    return wait > EPSILON ? Math.ceil(wait - EPSILON) : 0;
  }

  private take(tokens: number, now: number): void {
    this.requests?.take(1, now);
    this.tokens?.take(tokens, now);
  }

  /** Lets waiters go in order, sleeping until the head may start; one pump runs at a time. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        const head = this.waiters[0]!;
        const now = this.clock.now();
        const wait = this.waitFor(head.tokens, now);
        if (wait === 0) {
          this.waiters.shift();
          head.signal?.removeEventListener("abort", head.onAbort);
          this.take(head.tokens, now);
          head.resolve();
          continue;
        }
        this.wake = new AbortController();
        try {
          await this.clock.sleep(wait, this.wake.signal);
        } catch {
          // Woken early: the head changed or tokens came back; look again.
        }
        // Wall time the line was held, so overlapping waits count once.
        this.stats.waitedMs += this.clock.now() - now;
      }
    } finally {
      this.wake = undefined;
      this.pumping = false;
    }
  }
}
