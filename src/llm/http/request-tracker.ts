import type { EngineCallError } from "../../errors.js";

/** What went over HTTP so far: every request, failed ones included. */
export interface RequestCounts {
  requests: number;
  /** Requests sent again after a retryable failure (429, 5xx, timeout, dropped connection). */
  retries: number;
  /** Replies 429 Too Many Requests. */
  rateLimited: number;
  /** Time spent backing off before retries, summed over calls. */
  backoffMs: number;
}

/**
 * Counts the HTTP requests an engine sends and knows which are still waiting for a reply, so that
 * a server that hangs or only refuses shows as such rather than as "0 calls".
 */
export class RequestTracker {
  readonly counts: RequestCounts = { requests: 0, retries: 0, rateLimited: 0, backoffMs: 0 };
  /** Send times of the requests waiting for a reply, oldest first (a Map keeps insertion order). */
  private readonly pending = new Map<number, number>();
  private nextId = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A request goes out; returns its id for `ended`. */
  sent(): number {
    const id = this.nextId++;
    this.pending.set(id, this.now());
    this.counts.requests++;
    return id;
  }

  /** Its reply came (or it failed, with this error). */
  ended(id: number, error?: EngineCallError): void {
    this.pending.delete(id);
    if (error?.details.status === 429) this.counts.rateLimited++;
  }

  /** A failed request will be sent again after `delayMs`. */
  retried(delayMs: number): void {
    this.counts.retries++;
    this.counts.backoffMs += delayMs;
  }

  /** Requests sent and not answered yet, and how long the oldest has waited; undefined when none. */
  waiting(): { calls: number; oldestMs: number } | undefined {
    for (const startedAt of this.pending.values()) return { calls: this.pending.size, oldestMs: this.now() - startedAt };
    return undefined;
  }
}
