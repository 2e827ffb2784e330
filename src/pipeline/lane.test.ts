import { describe, expect, it } from "vitest";
import { ConfigError, EngineCallError } from "../errors.js";
import type { LanguageModel } from "../llm/port.js";
import type { PublishedLimits } from "../rate-limit-state.js";
import { Lane, type LaneLimits } from "./lane.js";

const model: LanguageModel = { description: "test model", modelId: "m", complete: () => Promise.reject(new Error("not called")) };
const lane = (limits: LaneLimits) => new Lane(model, limits, 0);

const refusal = (retryAfterSeconds?: number, limits?: PublishedLimits) =>
  new EngineCallError("429 Too Many Requests", { url: "u", model: "m", status: 429, retryable: true, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}), ...(limits ? { limits } : {}) });
const refused = new EngineCallError("connection refused", { url: "u", model: "m", status: undefined, retryable: true, unreachable: true });
const serverError = new EngineCallError("500", { url: "u", model: "m", status: 500, retryable: true });
const badRequest = new EngineCallError("400", { url: "u", model: "m", status: 400, retryable: false });

/** Starts `n` calls at `now`. */
const startMany = (l: Lane, n: number, now = 0) => Array.from({ length: n }, () => l.start(0, now));

describe("Lane concurrency", () => {
  it("allows its cap in flight, then waits for a call to end", () => {
    const l = lane({ concurrency: 3 });
    const calls = startMany(l, 3);
    expect(l.inFlight).toBe(3);
    expect(l.waitMs(0, 0)).toBe(Infinity);
    l.succeeded(calls[2]!, 0, 0, undefined, 1);
    expect(l.waitMs(0, 1)).toBe(0);
  });

  it("holds just under the concurrency where the server starts refusing", () => {
    const l = lane({ concurrency: 64 });
    const calls = startMany(l, 64);
    // A server with room for 4: the calls sent after the first four are refused at once, in any order.
    for (const call of calls.slice(4).reverse()) l.failed(call, refusal(), 1);
    expect(l.concurrency).toBe(4);
    const again = lane({ concurrency: 64 });
    for (const call of startMany(again, 64).slice(4)) again.failed(call, refusal(), 1);
    expect(again.concurrency).toBe(4);
    expect(l.stats).toMatchObject({ rateLimited: 60, pauses: 0 });
  });

  it("takes a refusal at a concurrency the server has been serving for chance, and keeps its ceiling", () => {
    const l = lane({ concurrency: 8 });
    const calls = startMany(l, 8);
    for (const call of calls) l.succeeded(call, 0, 0, undefined, 1);
    // Refusals now at one level, now at another, as chance has them.
    for (const unlucky of [1, 4, 2, 5, 3]) {
      const again = startMany(l, 8, 2);
      again.forEach((call, i) => (i === unlucky ? l.failed(call, refusal(1), 2) : l.succeeded(call, 0, 0, undefined, 3)));
    }
    expect(l.concurrency).toBe(8);
    expect(l.waitMs(0, 3)).toBe(0);
    expect(l.stats).toMatchObject({ rateLimited: 5, decreases: 0, pauses: 0 });
  });

  it("probes one place higher after a good run of calls at its ceiling, never above the cap", () => {
    const l = lane({ concurrency: 6 });
    startMany(l, 6).slice(4).forEach((call) => l.failed(call, refusal(), 0));
    expect(l.concurrency).toBe(4);
    const ceilings: number[] = [];
    for (let i = 0; i < 200; i++) {
      const call = l.start(0, 1);
      l.succeeded(call, 0, 0, undefined, 1);
      ceilings.push(l.concurrency);
    }
    // 32 successes (at least 32, else 8 x 4) to try 5, 40 more (8 x 5) to try 6, and no further.
    expect(ceilings.indexOf(5)).toBe(31);
    expect(ceilings.indexOf(6)).toBe(71);
    expect(Math.max(...ceilings)).toBe(6);
  });

  it("never goes below one", () => {
    const l = lane({ concurrency: 10 });
    const calls = startMany(l, 10);
    l.succeeded(calls[0]!, 0, 0, undefined, 0);
    for (const call of calls.slice(1)) l.failed(call, refusal(), 0);
    expect(l.concurrency).toBe(1);
  });

  it("does not take one refusal at the top of the first wave for a ceiling", () => {
    const l = lane({ concurrency: 32 });
    const calls = startMany(l, 32);
    l.failed(calls[31]!, refusal(1), 0);
    expect(l.concurrency).toBe(32);
  });
});

describe("Lane pauses", () => {
  it("pauses for the server's Retry-After only when nearly all recent calls are refused", () => {
    const l = lane({ concurrency: 4 });
    startMany(l, 4).forEach((call) => l.succeeded(call, 0, 0, undefined, 0));
    // Eleven of the last fifteen refused: not yet three in four.
    for (let i = 0; i < 11; i++) l.failed(l.start(0, 10), refusal(2), 10);
    expect(l.waitMs(0, 10)).toBe(0);
    l.failed(l.start(0, 10), refusal(2), 10);
    expect(l.stats.pauses).toBe(1);
    expect(l.waitMs(0, 10)).toBe(2000);
    expect(l.waitMs(0, 2010)).toBe(0);
  });

  it("pauses a second, then two, when the server gives no Retry-After", () => {
    const l = lane({ concurrency: 4 });
    for (let i = 0; i < 8; i++) l.failed(l.start(0, 0), refusal(), 0);
    expect(l.waitMs(0, 0)).toBe(1000);
    for (let i = 0; i < 8; i++) l.failed(l.start(0, 1000), refusal(), 1000);
    expect(l.waitMs(0, 1000)).toBe(2000);
    expect(l.stats.pauses).toBe(2);
  });

  it("waits for the reset when the server publishes that none are left", () => {
    const l = lane({ concurrency: 8 });
    const call = l.start(0, 0);
    l.succeeded(call, 0, 0, { requests: { remaining: 2, resetMs: 700 } }, 100);
    l.start(0, 100);
    expect(l.waitMs(0, 100)).toBe(0);
    l.start(0, 100);
    expect(l.waitMs(0, 100)).toBe(700);
    expect(l.waitMs(0, 800)).toBe(0);
  });

  it("takes from the server's count only the calls sent after the one whose reply carried it", () => {
    // The last of 64 calls in flight: the server had counted every call before it.
    const last = lane({ concurrency: 64 });
    const calls = startMany(last, 64);
    last.succeeded(calls[63]!, 0, 0, { requests: { remaining: 50, resetMs: 30_000 } }, 0);
    expect(last.waitMs(0, 0)).toBe(0);
    // The first of them: the 63 sent after it were not counted, and are more than the 50 left.
    const first = lane({ concurrency: 64 });
    const early = startMany(first, 64);
    first.succeeded(early[0]!, 0, 0, { requests: { remaining: 50, resetMs: 30_000 } }, 0);
    expect(first.waitMs(0, 0)).toBe(30_000);
  });

  it("does not let an older, higher count come back out of order and undo a newer one", () => {
    const l = lane({ concurrency: 8 });
    const [older, newer] = startMany(l, 2);
    l.succeeded(newer!, 0, 0, { requests: { remaining: 0, resetMs: 1000 } }, 0);
    l.succeeded(older!, 0, 0, { requests: { remaining: 5, resetMs: 1000 } }, 1);
    expect(l.waitMs(0, 1)).toBe(999);
  });

  it("takes a call's own tokens as counted by its server, not twice", () => {
    const l = lane({ concurrency: 8 });
    const call = l.start(100, 0);
    l.succeeded(call, 100, 100, { tokens: { remaining: 1000, resetMs: 2000 } }, 0);
    expect(l.waitMs(1000, 0)).toBe(0);
  });

  it("follows the count of the call sent last, across windows, whatever order the replies come in", () => {
    const l = lane({ concurrency: 8 });
    l.succeeded(l.start(0, 0), 0, 0, { requests: { remaining: 10, resetMs: 59_000 } }, 1000);
    const x = l.start(0, 50_000);
    const b = l.start(0, 61_000);
    // x was taken at the end of the old window; b in the new one, whose reply says so.
    l.succeeded(x, 0, 0, { requests: { remaining: 0, resetMs: 10_000 } }, 70_000);
    expect(l.waitMs(0, 70_000)).toBe(10_000);
    l.succeeded(b, 0, 0, { requests: { remaining: 98, resetMs: 50_000 } }, 71_000);
    expect(l.waitMs(0, 71_000)).toBe(0);
  });

  it("holds the lane for no more than two minutes on a server's word", () => {
    const l = lane({ concurrency: 8 });
    l.failed(l.start(0, 0), refusal(undefined, { requests: { remaining: 0, resetMs: 1.7e12 } }), 0);
    expect(l.waitMs(0, 0)).toBe(120_000);
    const paused = lane({ concurrency: 8 });
    for (let i = 0; i < 8; i++) paused.failed(paused.start(0, 0), refusal(86_400), 0);
    expect(paused.waitMs(0, 0)).toBe(120_000);
  });

  it("waits for the token window when the next call needs more than is left", () => {
    const l = lane({ concurrency: 8 });
    const call = l.start(100, 0);
    l.succeeded(call, 100, 100, { tokens: { remaining: 1000, resetMs: 2000 } }, 0);
    expect(l.waitMs(900, 0)).toBe(0);
    l.start(900, 0);
    expect(l.waitMs(200, 0)).toBe(2000);
  });

  it("reads the limits published with a refusal too", () => {
    const l = lane({ concurrency: 8 });
    const call = l.start(0, 0);
    l.failed(call, refusal(undefined, { requests: { remaining: 0, resetMs: 3000 } }), 0);
    expect(l.waitMs(0, 0)).toBe(3000);
  });
});

describe("Lane rpm and tpm", () => {
  it("rpm=60 lets 60 through at once, then one per second", () => {
    const l = lane({ concurrency: 1000, rpm: 60 });
    startMany(l, 60);
    expect(l.waitMs(0, 0)).toBe(1000);
    expect(l.waitMs(0, 1000)).toBe(0);
  });

  it("holds a call to the tpm budget, and gives back what a call did not use", () => {
    const l = lane({ concurrency: 10, tpm: 6000 });
    const call = l.start(6000, 0);
    expect(l.waitMs(600, 0)).toBe(6000);
    l.succeeded(call, 6000, 1200, undefined, 0);
    expect(l.waitMs(600, 0)).toBe(0);
  });

  it("refuses limits that cannot work, naming the bad value", () => {
    expect(() => lane({ concurrency: 0 })).toThrow(ConfigError);
    expect(() => lane({ concurrency: 2.5 })).toThrow(/concurrency must be an integer >= 1, got 2.5/);
    expect(() => lane({ concurrency: 1, rpm: 0 })).toThrow(/rpm must be a number > 0, got 0/);
    expect(() => lane({ concurrency: 1, tpm: Number.NaN })).toThrow(/tpm must be a number > 0/);
  });
});

describe("Lane outages", () => {
  it("takes the lane out after three failures in a row, then lets one call probe", () => {
    const l = lane({ concurrency: 8 });
    const calls = startMany(l, 5);
    l.failed(calls[0]!, refused, 0);
    l.failed(calls[1]!, serverError, 0);
    expect(l.isOut(0)).toBe(false);
    l.failed(calls[2]!, refused, 0);
    expect(l.isOut(0)).toBe(true);
    expect(l.waitMs(0, 0)).toBe(500);
    // Calls sent before it was taken out fail too; they do not lengthen the outage.
    l.failed(calls[3]!, refused, 10);
    l.failed(calls[4]!, refused, 10);
    expect(l.waitMs(0, 10)).toBe(490);
    expect(l.concurrency).toBe(1);
    const probe = l.start(0, 500);
    expect(l.waitMs(0, 500)).toBe(Infinity);
    l.succeeded(probe, 0, 0, undefined, 600);
    expect(l.concurrency).toBe(8);
    expect(l.stats.outages).toBe(1);
  });

  it("stays out twice as long each time a probe fails", () => {
    const l = lane({ concurrency: 8 });
    startMany(l, 3).forEach((call) => l.failed(call, refused, 0));
    expect(l.waitMs(0, 0)).toBe(500);
    l.failed(l.start(0, 500), refused, 500);
    expect(l.waitMs(0, 500)).toBe(1000);
    l.failed(l.start(0, 1500), refused, 1500);
    expect(l.waitMs(0, 1500)).toBe(2000);
    expect(l.stats.outages).toBe(3);
  });

  it("is not taken out by failures that are not the server's (a bad request) or that a success breaks up", () => {
    const l = lane({ concurrency: 8 });
    for (let i = 0; i < 5; i++) l.failed(l.start(0, 0), badRequest, 0);
    l.failed(l.start(0, 0), refused, 0);
    l.failed(l.start(0, 0), refused, 0);
    l.succeeded(l.start(0, 0), 0, 0, undefined, 0);
    l.failed(l.start(0, 0), refused, 0);
    expect(l.isOut(0)).toBe(false);
    expect(l.stats.outages).toBe(0);
  });
});
