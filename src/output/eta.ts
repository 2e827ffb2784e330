/**
 * Time left in a run, from the calls it still has to make and the pace it has kept lately. Fed one
 * snapshot at a time with the clock's reading; no timer, no clock of its own.
 */

export interface EtaSample {
  /** Clock reading, in milliseconds. */
  at: number;
  /** Calls sent so far: the pace is measured on these (replies replayed from a store take no time). */
  calls: number;
  /** Calls answered so far, replayed ones included. */
  callsDone: number;
  /** Calls the whole run should take. */
  callsPlanned: number;
}

export interface EtaOptions {
  /** A stretch of time counts half as much as one this much more recent. Default 10 s. */
  halfLifeMs?: number;
  /** Calls seen before an ETA is given. Default 30. */
  minCalls?: number;
  /** Time seen before an ETA is given, in milliseconds. Default 3 s. */
  minMs?: number;
}

export interface Pace {
  /** Calls per second lately; absent before any time has passed. */
  callsPerSecond?: number;
  /** Milliseconds left; absent until it means something. */
  remainingMs?: number;
}

export class Eta {
  private readonly halfLifeMs: number;
  private readonly minCalls: number;
  private readonly minMs: number;
  private last: EtaSample | undefined;
  // Calls and milliseconds, each stretch weighted down by its age: their ratio is the recent pace.
  private weightedCalls = 0;
  private weightedMs = 0;
  private seenCalls = 0;
  private seenMs = 0;

  constructor(options: EtaOptions = {}) {
    this.halfLifeMs = options.halfLifeMs ?? 10_000;
    this.minCalls = options.minCalls ?? 30;
    this.minMs = options.minMs ?? 3_000;
  }

  observe(sample: EtaSample): void {
    const last = this.last;
    if (last !== undefined) {
      // A clock set back counts as no time passed; the calls count all the same.
      const ms = Math.max(0, sample.at - last.at);
      const calls = Math.max(0, sample.calls - last.calls);
      const decay = 2 ** (-ms / this.halfLifeMs);
      this.weightedCalls = this.weightedCalls * decay + calls;
      this.weightedMs = this.weightedMs * decay + ms;
      this.seenCalls += calls;
      this.seenMs += ms;
    }
    this.last = last === undefined || sample.at >= last.at ? sample : { ...sample, at: last.at };
  }

  pace(): Pace {
    if (this.last === undefined || this.weightedMs === 0) return {};
    const callsPerSecond = (this.weightedCalls / this.weightedMs) * 1000;
    const left = this.last.callsPlanned - this.last.callsDone;
    // Meaningful once the pace rests on enough calls (30: the chance error of a count of random
    // arrivals is about 1/sqrt(30), a sixth) and enough time (3 s: several calls' latency, so that the
    // first documents' chains of dependent calls have been seen, not just their first burst; and
    // short of 5 s, so that a log's first line, 5 s in, has it).
    // A plan already spent while work remains was wrong: better no ETA than "0 s" for minutes.
    const known = this.seenCalls >= this.minCalls && this.seenMs >= this.minMs && callsPerSecond > 0 && left > 0;
    return { callsPerSecond, ...(known ? { remainingMs: (left / callsPerSecond) * 1000 } : {}) };
  }
}
