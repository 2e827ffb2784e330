import { estimateTokens } from "../corpus/estimate-tokens.js";
import { AbortedError, ConfigError } from "../errors.js";
import { defaultRetryPolicy, withRetries, type RetryInfo, type RetryPolicy } from "../llm/http/retry.js";
import type { Completion, CompletionRequest, LanguageModel } from "../llm/port.js";
import { systemClock, type Clock } from "./clock.js";
import type { Lane, LaneCall } from "./lane.js";
import type { LimitStats } from "./run-stats.js";
import { WaitingLine } from "./waiting-line.js";

export interface CallSchedulerOptions {
  /** How a failed call is tried again (the first attempt excepted, up to maxRetries more). Default 6 retries with backoff. */
  retry?: Partial<Pick<RetryPolicy, "maxRetries" | "baseDelayMs" | "maxDelayMs" | "maxRetryAfterMs" | "random">>;
  clock?: Clock;
  /** The run's stop: calls waiting for a place are refused at once (one listener here, rather than one per call). */
  stop?: AbortSignal;
  /**
   * Aborted when the run stops taking new work: calls still waiting for a place, or waiting to be
   * tried again, are refused with its reason; calls in flight go on.
   */
  draining?: AbortSignal;
  /** Told of every call that will be tried again, and after how long. */
  onRetry?: (info: RetryInfo) => void;
}

interface Waiter {
  tokens: number;
  rank: () => number;
  /** A call that failed before: it does not probe a lane back from an outage while another lane answers. */
  retry: boolean;
  resolve: (place: Place) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

interface Place {
  lane: Lane;
  call: LaneCall;
}

/** The least time between two rankings of the whole line anew. */
const REORDER_EVERY_MS = 50;

/** Completion tokens assumed for a call that sets no max_tokens, for the tokens-per-minute limits. */
const ASSUMED_COMPLETION_TOKENS = 500;

/**
 * Sends every call of a run to one of its lanes (endpoints), as a LanguageModel. A call waits in
 * one line, served by priority, for a lane with room: under its concurrency ceiling, its rpm and
 * tpm, the limits its server published, and not taken out for failing; the emptiest such lane
 * gets it. A call that fails in a way worth retrying waits its own backoff (a 429's Retry-After
 * delays only the call that got it) without holding a place, then waits in line again, for any
 * lane.
 */
export class CallScheduler implements LanguageModel {
  readonly description: string;
  readonly modelId: string;
  /** Calls in flight at once, at most, over all lanes; time the line was held by limits (not by concurrency). */
  readonly stats = { maxInFlight: 0, waitedMs: 0 };

  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly line = new WaitingLine<Waiter>();
  private readonly draining: AbortSignal | undefined;
  private readonly stop: AbortSignal | undefined;
  private readonly onRetry: (info: RetryInfo) => void;
  private timer: AbortController | undefined;
  private inFlight = 0;
  private unordered = false;
  private reorderedAt = -Infinity;
  private heldSince: number | undefined;

  constructor(
    readonly lanes: readonly Lane[],
    options: CallSchedulerOptions = {},
  ) {
    const first = lanes[0];
    if (!first) throw new ConfigError("a run needs at least one endpoint");
    this.modelId = first.model.modelId;
    this.description = lanes.length === 1 ? first.model.description : `model "${this.modelId}" on ${lanes.length} endpoints`;
    this.clock = options.clock ?? systemClock;
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.onRetry = options.onRetry ?? (() => {});
    this.draining = options.draining;
    this.draining?.addEventListener("abort", () => this.refuseAll(this.draining!.reason), { once: true });
    this.stop = options.stop;
    this.stop?.addEventListener("abort", () => this.refuseAll(new AbortedError("stopped while waiting for a place")), { once: true });
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const tokens = request.messages.reduce((n, m) => n + estimateTokens(m.content), 0) + (request.sampling.maxTokens ?? ASSUMED_COMPLETION_TOKENS);
    // Each attempt takes a place and gives it back when it ends: the backoff between attempts holds none.
    const { value, attempts } = await withRetries(
      async (attempt) => {
        const { lane, call } = await this.place(rankOf(request), tokens, request.signal, attempt > 1);
        try {
          const completion = await lane.model.complete(request);
          const { promptTokens, completionTokens } = completion.usage;
          lane.succeeded(call, tokens, promptTokens + completionTokens, completion.limits, this.clock.now());
          return completion;
        } catch (error) {
          lane.failed(call, error, this.clock.now());
          // A run that stops taking work tries nothing again: the call ends with the run's reason.
          if (this.draining?.aborted && !(error instanceof AbortedError) && !request.signal?.aborted) throw this.draining.reason;
          throw error;
        } finally {
          this.ended();
        }
      },
      { ...this.retry, ...(request.signal ? { signal: request.signal } : {}), onRetry: this.onRetry, sleep: (ms) => this.wait(ms, request.signal) },
    );
    // The engine counts its own sends (a second one without a schema); each failed attempt was one.
    return { ...value, attempts: attempts - 1 + value.attempts };
  }

  /** How the run met its lanes' limits so far. */
  limitStats(): LimitStats {
    const sum = (key: keyof Lane["stats"]) => this.lanes.reduce((n, lane) => n + lane.stats[key], 0);
    return {
      rateLimited: sum("rateLimited"),
      decreases: sum("decreases"),
      pauses: sum("pauses"),
      outages: sum("outages"),
      waitedMs: this.stats.waitedMs + (this.heldSince === undefined ? 0 : this.clock.now() - this.heldSince),
      ceilings: this.lanes.map((lane) => lane.concurrency),
    };
  }

  /** A place on a lane for a call of `tokens`: at once when the line is empty and a lane has room, else in turn. */
  private place(rank: () => number, tokens: number, signal: AbortSignal | undefined, retry: boolean): Promise<Place> {
    if (this.draining?.aborted) return Promise.reject(this.draining.reason);
    if (signal?.aborted) return Promise.reject(new AbortedError("stopped while waiting for a place"));
    if (this.line.size === 0) {
      const now = this.clock.now();
      const lane = this.roomiest(tokens, retry, now).lane;
      if (lane) return Promise.resolve(this.start(lane, tokens, now));
    }
    return new Promise<Place>((resolve, reject) => {
      const waiter: Waiter = {
        tokens,
        rank,
        retry,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.line.remove(waiter);
          reject(new AbortedError("stopped while waiting for a place"));
          this.pump();
        },
      };
      if (signal !== this.stop) signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.line.add(waiter, rank());
      this.pump();
    });
  }

  /**
   * The lane with room now that has the most of it, or how long until one may have room. A retry
   * leaves the probing of a lane back from an outage to fresh calls when another lane answers, so
   * that a dead endpoint cannot use up one call's retries. When every lane is down, outages hold
   * nothing back: each call's own backoff paces it, and a server that only fails fails its calls in
   * the time their retries take, not one probe at a time for hours.
   */
  private roomiest(tokens: number, retry: boolean, now: number): { lane?: Lane; soonestMs: number } {
    let best: Lane | undefined;
    let bestLoad = Infinity;
    let soonestMs = Infinity;
    const allDown = this.lanes.every((lane) => lane.isDown(now));
    const avoidProbing = retry && !allDown;
    for (const lane of this.lanes) {
      if (avoidProbing && lane.isProbing) continue;
      const wait = lane.waitMs(tokens, now, allDown);
      if (wait > 0) {
        soonestMs = Math.min(soonestMs, wait);
        continue;
      }
      const load = lane.inFlight / (allDown ? 1 : lane.concurrency);
      if (load < bestLoad) {
        best = lane;
        bestLoad = load;
      }
    }
    return best ? { lane: best, soonestMs: 0 } : { soonestMs };
  }

  private start(lane: Lane, tokens: number, now: number): Place {
    const call = lane.start(tokens, now);
    if (++this.inFlight > this.stats.maxInFlight) this.stats.maxInFlight = this.inFlight;
    return { lane, call };
  }

  /** A call in flight ended: its place goes to the next in line. */
  private ended(): void {
    this.inFlight--;
    this.pump();
  }

  /** The line is no longer held by a limit (it moves, or waits only for a place): the hold counts as waited. */
  private endHold(now: number): void {
    if (this.heldSince === undefined) return;
    this.stats.waitedMs += now - this.heldSince;
    this.heldSince = undefined;
  }

  /** Asks every waiting call for its priority again before the next place is given. */
  reorder(): void {
    this.unordered = true;
  }

  /** Gives places to waiting calls in turn while lanes have room; when limits hold the line, wakes when one may lift. */
  private pump(): void {
    this.timer?.abort();
    this.timer = undefined;
    const now = this.clock.now();
    // Ranking the whole line again costs a pass over it: at most every REORDER_EVERY_MS.
    if (this.unordered && now - this.reorderedAt >= REORDER_EVERY_MS) {
      this.unordered = false;
      this.reorderedAt = now;
      this.line.reorder((waiter) => waiter.rank());
    }
    for (let head = this.line.peek(); head; head = this.line.peek()) {
      const { lane, soonestMs } = this.roomiest(head.tokens, head.retry, now);
      if (!lane) {
        if (!Number.isFinite(soonestMs)) this.endHold(now);
        else {
          this.heldSince ??= now;
          const timer = new AbortController();
          this.timer = timer;
          this.clock.sleep(Math.ceil(soonestMs), timer.signal).then(
            () => this.pump(),
            () => {},
          );
        }
        return;
      }
      this.endHold(now);
      this.line.take();
      head.signal?.removeEventListener("abort", head.onAbort);
      head.resolve(this.start(lane, head.tokens, now));
    }
    this.endHold(now);
  }

  /** A retry's backoff: ends early, refused, when the call is aborted or the run drains. */
  private wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    this.draining?.addEventListener("abort", onAbort, { once: true });
    return this.clock.sleep(ms, stop.signal).then(
      () => {
        signal?.removeEventListener("abort", onAbort);
        this.draining?.removeEventListener("abort", onAbort);
      },
      (error: unknown) => {
        signal?.removeEventListener("abort", onAbort);
        this.draining?.removeEventListener("abort", onAbort);
        throw this.draining?.aborted && !signal?.aborted ? this.draining.reason : error;
      },
    );
  }

  private refuseAll(reason: unknown): void {
    for (let waiter = this.line.take(); waiter; waiter = this.line.take()) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.reject(reason);
    }
  }
}

function rankOf(request: CompletionRequest): () => number {
  const priority = request.priority ?? 0;
  return typeof priority === "function" ? priority : () => priority;
}
