/**
 * One place calls can go (an endpoint, a key, a local engine) and everything known about its
 * limits: the calls in flight, the rpm/tpm buckets the user gave, the limits the server published,
 * the concurrency at which it starts refusing, a pause when it is out of room for everyone, and
 * whether it is taken out for failing. A state machine fed by the scheduler with the clock's time;
 * it never waits itself.
 */
import { ConfigError, EngineCallError } from "../errors.js";
import type { LanguageModel } from "../llm/port.js";
import type { PublishedLimit, PublishedLimits } from "../rate-limit-state.js";
import { TokenBucket } from "./token-bucket.js";

export interface LaneLimits {
  /** The most calls in flight here; the learned ceiling never goes above it. */
  concurrency: number;
  /** Requests per minute; undefined = unlimited (or what the server publishes). */
  rpm?: number;
  /** Tokens (prompt + completion) per minute. */
  tpm?: number;
}

/**
 * One call sent on a lane. Its level, the load it met, is known only when it ends: the calls that
 * were in flight when it was sent, less those the server refused (a refusal comes back at once, and
 * was never load), plus itself.
 */
export class LaneCall {
  refused = false;
  constructor(
    private before: readonly LaneCall[],
    /** Its place among the calls started on the lane: its server counted these when it took it. */
    readonly startedThrough: { calls: number; tokens: number },
  ) {}

  /** Its level, once it has ended; it then lets go of the calls before it, which would otherwise chain back to the run's first. */
  level(): number {
    let level = 1;
    for (const other of this.before) if (!other.refused) level++;
    this.before = [];
    return level;
  }
}

export interface LaneStats {
  /** Replies 429 Too Many Requests. */
  rateLimited: number;
  /** Times the concurrency was lowered to just under where the server started refusing. */
  decreases: number;
  /** Times calls were held back because the server was out of room for everyone. */
  pauses: number;
  /** Times the lane was taken out after failing calls in a row. */
  outages: number;
}

/** Outcomes (successes and 429s, with their levels) remembered to find where a server starts refusing. */
const OUTCOME_MEMORY = 100;
/** Refusals above a concurrency it takes to believe the server's ceiling is there, not chance. */
const REFUSALS_FOR_CEILING = 2;
/** The most recent outcomes looked at to tell a server that refuses most calls (room exhausted for everyone). */
const RECENT = 16;
/**
 * The share of those refused that pauses the lane. Refusals at the edge of a server's ceiling, where
 * replies in transit blur the count, are many but never most; a spent quota refuses nearly all.
 */
const STORM_SHARE = 0.75;
/** Failed calls in a row (connection lost, 5xx, timeout) that take a lane out. */
const FAILURES_TO_TAKE_OUT = 3;
const FIRST_OUTAGE_MS = 500;
const LONGEST_OUTAGE_MS = 30_000;
/** A pause without a Retry-After: long enough for a per-second limit to refill. */
const DEFAULT_PAUSE_MS = 1000;
/** The longest a server's word holds the lane (a Retry-After, a reset time): as long as one call's own wait may be. */
const LONGEST_WAIT_MS = 120_000;

export class Lane {
  readonly stats: LaneStats = { rateLimited: 0, decreases: 0, pauses: 0, outages: 0 };
  private readonly calls = new Set<LaneCall>();
  private readonly started = { calls: 0, tokens: 0 };

  private readonly cap: number;
  private ceiling: number;
  private readonly requests: TokenBucket | undefined;
  private readonly tokens: TokenBucket | undefined;
  /** Recent outcomes, oldest first: the level each met (see LaneCall), and whether it was refused. */
  private readonly outcomes: Array<{ level: number; refused: boolean }> = [];
  private successesSinceChange = 0;
  /** The most recent outcomes the ceiling does not explain: true for a refusal, false for a success. */
  private readonly unexplained: boolean[] = [];
  private pausedUntil = -Infinity;
  private pauseMs = DEFAULT_PAUSE_MS;
  private readonly published: { requests?: Published; tokens?: Published } = {};
  private failuresInRow = 0;
  private outUntil = -Infinity;
  private outageMs = FIRST_OUTAGE_MS;
  /** Back from an outage: one call at a time until one succeeds. */
  private probing = false;

  constructor(
    readonly model: LanguageModel,
    limits: LaneLimits,
    now: number,
  ) {
    const { concurrency, rpm, tpm } = limits;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new ConfigError(`concurrency must be an integer >= 1, got ${concurrency}`);
    for (const [name, value] of [["rpm", rpm], ["tpm", tpm]] as const) {
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new ConfigError(`${name} must be a number > 0, got ${value}`);
    }
    this.cap = concurrency;
    this.ceiling = concurrency;
    this.requests = rpm === undefined ? undefined : new TokenBucket(rpm, now);
    this.tokens = tpm === undefined ? undefined : new TokenBucket(tpm, now);
  }

  /** Calls sent here and not ended yet. */
  get inFlight(): number {
    return this.calls.size;
  }

  /** The calls allowed in flight now: the learned ceiling, or one while probing after an outage. */
  get concurrency(): number {
    return this.probing ? 1 : this.ceiling;
  }

  /** Taken out for failing, or back from that and probing. */
  isDown(now: number): boolean {
    return this.probing || now < this.outUntil;
  }

  /** Back from an outage and not yet answering again. */
  get isProbing(): boolean {
    return this.probing;
  }

  /** Whether the lane is taken out for failing at `now`. */
  isOut(now: number): boolean {
    return now < this.outUntil;
  }

  /**
   * Milliseconds until a call estimated at `tokens` may start here: 0 when it may now, Infinity
   * when only a call here ending can make room. `evenIfDown` ignores an outage: when every lane is
   * down, each call's own backoff paces it, so that a server that only fails fails its calls in
   * the time their retries take rather than one probe at a time.
   */
  waitMs(tokens: number, now: number, evenIfDown = false): number {
    if (!evenIfDown && now < this.outUntil) return this.outUntil - now;
    if (this.inFlight >= (evenIfDown ? this.ceiling : this.concurrency)) return Infinity;
    const { requests, tokens: published } = this.published;
    return Math.max(
      0,
      this.pausedUntil - now,
      requests && left(requests, this.started.calls) <= 0 ? requests.resetAt - now : 0,
      published && left(published, this.started.tokens) < tokens ? published.resetAt - now : 0,
      this.requests?.waitFor(1, now) ?? 0,
      this.tokens?.waitFor(tokens, now) ?? 0,
    );
  }

  /** A call estimated at `tokens` starts here. */
  start(tokens: number, now: number): LaneCall {
    this.requests?.take(1, now);
    this.tokens?.take(tokens, now);
    this.started.calls++;
    this.started.tokens += tokens;
    const call = new LaneCall([...this.calls], { ...this.started });
    this.calls.add(call);
    return call;
  }

  /** The call succeeded, having used `usedTokens` where `estimatedTokens` were taken. */
  succeeded(call: LaneCall, estimatedTokens: number, usedTokens: number, limits: PublishedLimits | undefined, now: number): void {
    this.calls.delete(call);
    const level = call.level();
    this.observe(limits, call, now);
    this.tokens?.giveBack(estimatedTokens - usedTokens, now);
    this.failuresInRow = 0;
    this.outageMs = FIRST_OUTAGE_MS;
    this.probing = false;
    this.pauseMs = DEFAULT_PAUSE_MS;
    this.remember({ level, refused: false });
    this.note(false);
    // Probe upward slowly: one more place after a good run of calls at this ceiling.
    if (this.ceiling < this.cap && ++this.successesSinceChange >= Math.max(32, 8 * this.ceiling)) {
      this.ceiling++;
      this.successesSinceChange = 0;
    }
  }

  /** The call failed with `error`; the scheduler decides whether it is tried again. */
  failed(call: LaneCall, error: unknown, now: number): void {
    this.calls.delete(call);
    if (!(error instanceof EngineCallError)) return;
    this.observe(error.details.limits, call, now);
    if (error.details.status === 429) {
      call.refused = true;
      return this.refused(call.level(), error.details.retryAfterSeconds, now);
    }
    const broken = error.details.retryable && (error.details.status === undefined || error.details.status >= 500);
    // Calls sent before the lane was taken out fail too: that outage already counts them.
    if (!broken || now < this.outUntil) return;
    if (this.probing || ++this.failuresInRow >= FAILURES_TO_TAKE_OUT) {
      this.stats.outages++;
      this.outUntil = now + this.outageMs;
      this.outageMs = Math.min(LONGEST_OUTAGE_MS, this.outageMs * 2);
      this.probing = true;
    }
  }

  /**
   * A 429. When recent refusals sit above the concurrencies that were served, the server has a
   * ceiling there: hold just under it. A refusal the ceiling does not explain is chance (the call
   * waits its own Retry-After), or the server's room is spent for everyone: only when nearly all
   * recent calls are refused does the whole lane pause, for the time the server asked (or a second).
   */
  private refused(level: number, retryAfterSeconds: number | undefined, now: number): void {
    this.stats.rateLimited++;
    this.remember({ level, refused: true });
    const ceiling = Math.min(this.ceiling, this.servedCeiling());
    if (ceiling < this.ceiling) {
      this.ceiling = ceiling;
      this.stats.decreases++;
      this.successesSinceChange = 0;
    }
    if (level > this.ceiling) return;
    this.note(true);
    const refusals = this.unexplained.filter(Boolean).length;
    if (this.unexplained.length >= RECENT / 2 && refusals >= STORM_SHARE * this.unexplained.length && now >= this.pausedUntil) {
      const hinted = retryAfterSeconds !== undefined && retryAfterSeconds > 0 ? Math.min(retryAfterSeconds * 1000, LONGEST_WAIT_MS) : undefined;
      this.pausedUntil = now + (hinted ?? this.pauseMs);
      if (hinted === undefined) this.pauseMs = Math.min(LONGEST_OUTAGE_MS, this.pauseMs * 2);
      this.stats.pauses++;
      this.unexplained.length = 0;
    }
  }

  /**
   * The concurrency that best splits recent outcomes into successes at or under it and refusals
   * above it (fewest outcomes on the wrong side; the highest such), provided enough refusals lie
   * above it to believe it; else no ceiling (Infinity). Random refusals, scattered over every
   * level, never make a split better than none.
   */
  private servedCeiling(): number {
    const byLevel = [...this.outcomes].sort((a, b) => a.level - b.level);
    // Splitting under every outcome: all refusals are on the right side, every success on the wrong one.
    let wrong = byLevel.filter((o) => !o.refused).length;
    let refusalsAbove = byLevel.length - wrong;
    let best = { wrong: Infinity, ceiling: Infinity };
    for (let i = 0; i <= byLevel.length; i++) {
      const next = byLevel[i];
      // A split between levels: every outcome at or under `ceiling` is on the left.
      if (next === undefined || next.level !== byLevel[i - 1]?.level) {
        const ceiling = next === undefined ? Infinity : next.level - 1;
        if (ceiling >= 1 && wrong <= best.wrong && (ceiling === Infinity || refusalsAbove >= REFUSALS_FOR_CEILING)) best = { wrong, ceiling };
      }
      if (next === undefined) break;
      if (next.refused) {
        wrong++;
        refusalsAbove--;
      } else wrong--;
    }
    return best.ceiling;
  }

  /**
   * What the server published with the reply to `call`. It counted what it had taken in when it
   * took that call, so the calls sent after it are taken from its count. Replies come back out of
   * order: the count from the call sent last is the best informed, and a reply to a call sent
   * earlier does not replace it.
   */
  private observe(limits: PublishedLimits | undefined, call: LaneCall, now: number): void {
    if (!limits) return;
    const { calls, tokens } = call.startedThrough;
    if (limits.requests) this.published.requests = newer(this.published.requests, limits.requests, calls, calls, now);
    if (limits.tokens) this.published.tokens = newer(this.published.tokens, limits.tokens, tokens, calls, now);
  }

  private note(refused: boolean): void {
    this.unexplained.push(refused);
    if (this.unexplained.length > RECENT) this.unexplained.shift();
  }

  private remember(outcome: { level: number; refused: boolean }): void {
    this.outcomes.push(outcome);
    if (this.outcomes.length > OUTCOME_MEMORY) this.outcomes.shift();
  }
}

/** A count a server published, as this lane keeps it. */
interface Published {
  remaining: number;
  /** What the lane had started (calls, or tokens) up to the call the count came with: what the server had counted. */
  counted: number;
  resetAt: number;
  /** The number of the call whose reply said it. */
  from: number;
}

/** What is left of a published count once `started` (calls, or tokens) have gone out. */
function left(published: Published, started: number): number {
  return published.remaining - (started - published.counted);
}

/** The count `limit` says, counted up to `counted`, unless `current` came from a later call. */
function newer(current: Published | undefined, limit: PublishedLimit, counted: number, from: number, now: number): Published {
  if (current && current.from > from) return current;
  return { remaining: limit.remaining, counted, resetAt: now + Math.min(limit.resetMs, LONGEST_WAIT_MS), from };
}
