import { describe, expect, it } from "vitest";
import { AbortedError, ConfigError } from "../errors.js";
import { RateGovernor, type Clock } from "./rate-governor.js";

/** A clock that only moves when told to; sleeps resolve as time passes them. */
class FakeClock implements Clock {
  private t = 0;
  private timers: { at: number; resolve: () => void }[] = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError("aborted"));
      const timer = {
        at: this.t + ms,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((other) => other !== timer);
        reject(new AbortedError("aborted"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  /** Moves time forward by `ms`, firing timers in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const next = this.timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      this.timers = this.timers.filter((timer) => timer !== next);
      next.resolve();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Lets every pending promise continuation run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Starts acquire() calls and records, in order, which ones have been let through. */
function tracker(governor: RateGovernor) {
  const started: number[] = [];
  const start = (id: number, tokens = 0, signal?: AbortSignal) =>
    governor.acquire(tokens, signal).then(() => {
      started.push(id);
    });
  return { started, start };
}

function setup(limits: ConstructorParameters<typeof RateGovernor>[0], coolDownMs?: number) {
  const clock = new FakeClock();
  const changes: number[] = [];
  const governor = new RateGovernor(limits, { clock, onChange: (c) => changes.push(c), ...(coolDownMs === undefined ? {} : { coolDownMs }) });
  return { clock, changes, governor, ...tracker(governor) };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("RateGovernor buckets", () => {
  it("with no rpm or tpm lets everything through at once", async () => {
    const { governor, start, started } = setup({ concurrency: 4 });
    for (const i of range(1000)) void start(i, 10_000);
    await settle();
    expect(started).toHaveLength(1000);
    expect(governor.stats.waitedMs).toBe(0);
  });

  it("rpm=60 lets 60 through at once, then one per second", async () => {
    const { clock, governor, start, started } = setup({ rpm: 60, concurrency: 100 });
    for (const i of range(65)) void start(i);
    await settle();
    expect(started).toEqual(range(60));
    await clock.advance(999);
    expect(started).toHaveLength(60);
    await clock.advance(1);
    expect(started).toHaveLength(61);
    await clock.advance(1000);
    expect(started).toHaveLength(62);
    await clock.advance(3000);
    expect(started).toEqual(range(65));
    expect(governor.stats.waitedMs).toBe(5000);
  });

  it("refills continuously up to one minute's worth, no more", async () => {
    const { clock, start, started } = setup({ rpm: 60, concurrency: 100 });
    for (const i of range(60)) void start(i);
    await settle();
    await clock.advance(10 * 60_000); // a long idle spell does not bank more than 60
    for (const i of range(61)) void start(100 + i);
    await settle();
    expect(started).toHaveLength(120);
    await clock.advance(1000);
    expect(started).toHaveLength(121);
  });

  it("holds calls to the tpm budget and refills it by the minute", async () => {
    const { clock, start, started } = setup({ tpm: 6000, concurrency: 100 });
    void start(1, 4000);
    void start(2, 2000);
    void start(3, 3000);
    await settle();
    expect(started).toEqual([1, 2]);
    // 3000 tokens come back at 100 per second
    await clock.advance(29_999);
    expect(started).toEqual([1, 2]);
    await clock.advance(1);
    expect(started).toEqual([1, 2, 3]);
  });

  it("settle gives back over-estimates and charges under-estimates", async () => {
    const { clock, governor, start, started } = setup({ tpm: 6000, concurrency: 100 });
    void start(1, 6000);
    void start(2, 3000);
    await settle();
    expect(started).toEqual([1]);
    // The first call used only 2000 of its 6000: the waiting call goes at once.
    governor.settle(6000, 2000);
    await settle();
    expect(started).toEqual([1, 2]);
    // Now 1000 left; a call that used 4000 more than estimated puts the bucket 3000 in debt.
    governor.settle(1000, 5000);
    void start(3, 600);
    await settle();
    await clock.advance(35_999);
    expect(started).toEqual([1, 2]);
    await clock.advance(1);
    expect(started).toEqual([1, 2, 3]);
  });

  it("never lets settle overfill the bucket", async () => {
    const { governor, start, started } = setup({ tpm: 6000, concurrency: 100 });
    governor.settle(50_000, 0);
    void start(1, 6000);
    void start(2, 1);
    await settle();
    expect(started).toEqual([1]);
  });

  it("lets a call larger than the whole tpm budget through alone once the bucket is full", async () => {
    const { clock, start, started } = setup({ tpm: 6000, concurrency: 100 });
    void start(1, 1000);
    void start(2, 20_000);
    void start(3, 10);
    await settle();
    expect(started).toEqual([1]);
    await clock.advance(10_000); // bucket full again
    expect(started).toEqual([1, 2]);
    // 2 left the bucket 14000 in debt: 3 waits until it is back above 10 tokens.
    await clock.advance(140_000);
    expect(started).toEqual([1, 2]);
    await clock.advance(100);
    expect(started).toEqual([1, 2, 3]);
  });

  it("serves waiters first come, first served: a big call is not overtaken by small ones", async () => {
    const { clock, start, started } = setup({ tpm: 6000, concurrency: 100 });
    void start(1, 5000);
    void start(2, 5000); // waits for 4000 more tokens
    void start(3, 10); // would fit in the 1000 left, but 2 came first
    void start(4, 10);
    await settle();
    expect(started).toEqual([1]);
    await clock.advance(39_999);
    expect(started).toEqual([1]);
    await clock.advance(1);
    expect(started).toEqual([1, 2]);
    await clock.advance(200);
    expect(started).toEqual([1, 2, 3, 4]);
  });

  it("keeps order under rpm with many waiters", async () => {
    const { clock, start, started } = setup({ rpm: 2, concurrency: 10 });
    for (const i of range(10)) void start(i);
    await clock.advance(4 * 60_000);
    expect(started).toEqual(range(10));
  });

  it("applies both rpm and tpm", async () => {
    const { clock, start, started } = setup({ rpm: 60, tpm: 60_000, concurrency: 100 });
    void start(1, 59_500);
    void start(2, 400); // tokens fine, requests fine
    void start(3, 400); // 100 tokens left: waits for 300 more, 300 ms
    await settle();
    expect(started).toEqual([1, 2]);
    await clock.advance(300);
    expect(started).toEqual([1, 2, 3]);
  });
});

describe("RateGovernor abort", () => {
  it("rejects at once when the signal has already aborted", async () => {
    const { governor } = setup({ concurrency: 1 });
    await expect(governor.acquire(1, AbortSignal.abort())).rejects.toBeInstanceOf(AbortedError);
  });

  it("rejects a waiting call with AbortedError and lets the ones behind it go", async () => {
    const { clock, governor, start, started } = setup({ tpm: 6000, concurrency: 100 });
    void start(1, 6000);
    const controller = new AbortController();
    const waiting = governor.acquire(6000, controller.signal);
    void start(3, 600);
    await settle();
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    // The aborted call takes no tokens: 3 needs only 600, 6 s of refill.
    await clock.advance(6000);
    expect(started).toEqual([1, 3]);
  });

  it("removes a waiter from the middle of the line", async () => {
    const { clock, governor, start, started } = setup({ rpm: 1, concurrency: 100 });
    void start(1);
    void start(2);
    const controller = new AbortController();
    const waiting = governor.acquire(0, controller.signal);
    void start(4);
    await settle();
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    await clock.advance(120_000);
    expect(started).toEqual([1, 2, 4]);
  });

  it("ignores an abort that comes after the call was let through", async () => {
    const { governor } = setup({ rpm: 10, concurrency: 1 });
    const controller = new AbortController();
    await governor.acquire(0, controller.signal);
    controller.abort();
    await expect(governor.acquire(0)).resolves.toBeUndefined();
  });
});

describe("RateGovernor pauses", () => {
  it("holds every new call until Retry-After has passed", async () => {
    const { clock, governor, start, started } = setup({ concurrency: 8 });
    governor.onRateLimited(2);
    void start(1);
    void start(2);
    await clock.advance(1999);
    expect(started).toEqual([]);
    await clock.advance(1);
    expect(started).toEqual([1, 2]);
    expect(governor.stats.waitedMs).toBe(2000);
  });

  it("extends the pause for a longer Retry-After, and does not shorten it for a shorter one", async () => {
    const { clock, governor, start, started } = setup({ concurrency: 8 });
    governor.onRateLimited(5);
    void start(1);
    await clock.advance(1000);
    governor.onRateLimited(10); // until 11 s
    governor.onRateLimited(1); // would be 2 s: ignored
    await clock.advance(9999);
    expect(started).toEqual([]);
    await clock.advance(1);
    expect(started).toEqual([1]);
  });

  it("lets calls through straight away after the pause", async () => {
    const { clock, governor, start, started } = setup({ concurrency: 8 });
    governor.onRateLimited(1);
    await clock.advance(1000);
    void start(1);
    await settle();
    expect(started).toEqual([1]);
  });
});

describe("RateGovernor adaptive concurrency", () => {
  it("starts at the cap", () => {
    const { governor, changes } = setup({ concurrency: 16 });
    expect(governor.concurrency).toBe(16);
    expect(changes).toEqual([]);
  });

  it("halves once for a burst of 429s from one wave, again after the cool-down", async () => {
    const { clock, governor, changes } = setup({ concurrency: 16 }, 5000);
    for (const _ of range(10)) governor.onRateLimited();
    expect(governor.concurrency).toBe(8);
    await clock.advance(4999);
    governor.onRateLimited();
    expect(governor.concurrency).toBe(8);
    await clock.advance(1);
    governor.onRateLimited();
    expect(governor.concurrency).toBe(4);
    expect(changes).toEqual([8, 4]);
    expect(governor.stats).toMatchObject({ rateLimited: 12, decreases: 2 });
  });

  it("does not lower again for 429s that arrive during a Retry-After pause", async () => {
    const { clock, governor } = setup({ concurrency: 16 }, 1000);
    governor.onRateLimited(30);
    await clock.advance(20_000);
    governor.onRateLimited(); // from a call sent before the pause
    expect(governor.concurrency).toBe(8);
    await clock.advance(10_000);
    governor.onRateLimited();
    expect(governor.concurrency).toBe(4);
  });

  it("never drops below 1", async () => {
    const { clock, governor, changes } = setup({ concurrency: 3 }, 1000);
    for (const _ of range(5)) {
      governor.onRateLimited();
      await clock.advance(1000);
    }
    expect(governor.concurrency).toBe(1);
    expect(changes).toEqual([1]);
    expect(governor.stats).toMatchObject({ rateLimited: 5, decreases: 1 });
  });

  it("adds one after `concurrency` successes and recovers to the cap, never above", async () => {
    const { governor, changes } = setup({ concurrency: 8 });
    governor.onRateLimited();
    governor.onRateLimited(); // same window
    expect(governor.concurrency).toBe(4);
    for (const _ of range(3)) governor.onSuccess();
    expect(governor.concurrency).toBe(4);
    governor.onSuccess();
    expect(governor.concurrency).toBe(5);
    // 5 + 6 + 7 successes bring it to 8; more do nothing
    for (const _ of range(5 + 6 + 7 + 100)) governor.onSuccess();
    expect(governor.concurrency).toBe(8);
    expect(changes).toEqual([4, 5, 6, 7, 8]);
  });

  it("starts counting successes afresh after a decrease", async () => {
    const { clock, governor } = setup({ concurrency: 8 }, 1000);
    governor.onRateLimited(); // 4
    for (const _ of range(3)) governor.onSuccess();
    await clock.advance(1000);
    governor.onRateLimited(); // 2
    governor.onSuccess();
    expect(governor.concurrency).toBe(2);
    governor.onSuccess();
    expect(governor.concurrency).toBe(3);
  });

  it("stays within [1, cap] under a random mix of outcomes, telling onChange every change", async () => {
    const { clock, governor, changes } = setup({ concurrency: 12 }, 500);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let seen = governor.concurrency;
    let expectedChanges = 0;
    for (const _ of range(5000)) {
      if (random() < 0.1) governor.onRateLimited(random() < 0.2 ? 1 : undefined);
      else governor.onSuccess();
      if (random() < 0.3) await clock.advance(100);
      const now = governor.concurrency;
      expect(now).toBeGreaterThanOrEqual(1);
      expect(now).toBeLessThanOrEqual(12);
      if (now !== seen) expectedChanges++;
      if (now !== seen) expect(changes.at(-1)).toBe(now);
      seen = now;
    }
    expect(changes).toHaveLength(expectedChanges);
    expect(governor.stats.decreases).toBeGreaterThan(0);
  });
});

describe("RateGovernor limits", () => {
  it("rejects limits that cannot work, naming the bad value", () => {
    expect(() => new RateGovernor({ concurrency: 0 })).toThrow(ConfigError);
    expect(() => new RateGovernor({ concurrency: 2.5 })).toThrow(/concurrency.*2\.5/);
    expect(() => new RateGovernor({ concurrency: 1, rpm: 0 })).toThrow(/rpm.*0/);
    expect(() => new RateGovernor({ concurrency: 1, tpm: -5 })).toThrow(/tpm.*-5/);
    expect(() => new RateGovernor({ concurrency: 1, tpm: Number.NaN })).toThrow(ConfigError);
  });

  it("works on the system clock", async () => {
    const governor = new RateGovernor({ rpm: 60_000, concurrency: 1 });
    await governor.acquire(0);
    expect(governor.stats.waitedMs).toBe(0);
  });
});

describe("RateGovernor listeners", () => {
  it("tells subscribers of every change until they unsubscribe", () => {
    const { governor } = setup({ concurrency: 8 });
    const seen: number[] = [];
    const unsubscribe = governor.subscribe((c) => seen.push(c));
    governor.onRateLimited();
    expect(seen).toEqual([4]);
    unsubscribe();
    // +1 after 4 successes, +1 after 5 more.
    for (let i = 0; i < 9; i++) governor.onSuccess();
    expect(governor.concurrency).toBe(6);
    expect(seen).toEqual([4]);
  });
});
