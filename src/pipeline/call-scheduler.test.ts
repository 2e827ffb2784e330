import { describe, expect, it } from "vitest";
import { FakeClock, settle } from "../../test/support/fake-clock.js";
import { AbortedError, EngineCallError } from "../errors.js";
import type { Completion, CompletionRequest, LanguageModel } from "../llm/port.js";
import { CallScheduler, type CallSchedulerOptions } from "./call-scheduler.js";
import { Lane, type LaneLimits } from "./lane.js";

const USAGE = { promptTokens: 10, completionTokens: 5, cachedPromptTokens: 0 };

const request = (name: string, priority = 0): CompletionRequest => ({ messages: [{ role: "user", content: name }], sampling: {}, priority });
const nameOf = (r: CompletionRequest) => r.messages[0]!.content;

const error429 = (retryAfterSeconds?: number) =>
  new EngineCallError("429 Too Many Requests", { url: "u", model: "m", status: 429, retryable: true, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });
const connectionRefused = new EngineCallError("connection refused", { url: "u", model: "m", status: undefined, retryable: true, unreachable: true });

interface ServerOptions {
  latencyMs?: number;
  /** Calls it serves at once; more are refused with a 429 at once. */
  slots?: number;
  /** Decides, per call, to fail it instead. */
  fail?: (name: string, seen: number) => Error | undefined;
}

/** A server on the fake clock: answers after its latency, records what it served and when. */
function fakeServer(clock: FakeClock, options: ServerOptions = {}) {
  const served: Array<{ name: string; at: number }> = [];
  const seen = new Map<string, number>();
  let busy = 0;
  let refusals = 0;
  const model: LanguageModel = {
    description: "fake server",
    modelId: "m",
    async complete(r: CompletionRequest): Promise<Completion> {
      const name = nameOf(r);
      const count = (seen.get(name) ?? 0) + 1;
      seen.set(name, count);
      const failure = options.fail?.(name, count);
      if (failure) throw failure;
      if (options.slots !== undefined && busy >= options.slots) {
        refusals++;
        throw error429();
      }
      busy++;
      await clock.sleep(options.latencyMs ?? 100);
      busy--;
      served.push({ name, at: clock.now() });
      return { text: `reply to ${name}`, usage: USAGE, finishReason: "stop", attempts: 1 };
    },
  };
  return { model, served, refusals: () => refusals };
}

function scheduler(clock: FakeClock, lanes: Array<[LanguageModel, LaneLimits]>, options: CallSchedulerOptions = {}) {
  return new CallScheduler(
    lanes.map(([model, limits]) => new Lane(model, limits, clock.now())),
    { clock, retry: { maxRetries: 6, random: () => 0.5 }, ...options },
  );
}

/** Runs every call to its end (moving the clock in steps) and returns when each finished. */
async function runAll(clock: FakeClock, s: CallScheduler, requests: CompletionRequest[], stepMs = 50, limitMs = 600_000) {
  const finished = new Map<string, number>();
  const errors = new Map<string, unknown>();
  const all = requests.map((r) =>
    s.complete(r).then(
      () => finished.set(nameOf(r), clock.now()),
      (error: unknown) => errors.set(nameOf(r), error),
    ),
  );
  let done = false;
  void Promise.all(all).then(() => (done = true));
  await settle();
  while (!done && clock.now() < limitMs) await clock.advance(stepMs);
  return { finished, errors };
}

const names = (n: number, prefix = "call") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("CallScheduler places", () => {
  it("gives scarce places to the highest priority first, in order of arrival within one", async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock);
    const s = scheduler(clock, [[server.model, { concurrency: 1 }]]);
    const requests = [request("first", 0), request("low", 1), request("high", 9), request("mid", 5), request("high2", 9)];
    await runAll(clock, s, requests);
    expect(server.served.map((c) => c.name)).toEqual(["first", "high", "high2", "mid", "low"]);
  });

  it("ranks waiting calls anew when told to, as a run learns which calls lead to longer chains", async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock);
    const s = scheduler(clock, [[server.model, { concurrency: 1 }]]);
    let boost = 0;
    const requests = [request("first"), request("a", 5), { ...request("b"), priority: () => boost }];
    const done = runAll(clock, s, requests);
    await settle();
    boost = 10;
    s.reorder();
    await done;
    expect(server.served.map((c) => c.name)).toEqual(["first", "b", "a"]);
  });

  it("never has more in flight than the concurrency", async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock, { slots: 3 });
    const s = scheduler(clock, [[server.model, { concurrency: 3 }]]);
    await runAll(clock, s, names(30).map((n) => request(n)));
    expect(server.refusals()).toBe(0);
    expect(s.stats.maxInFlight).toBe(3);
    expect(server.served).toHaveLength(30);
  });
});

describe("CallScheduler retries", () => {
  it("delays only the call that got a 429: the others go on at full speed", async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock, { fail: (name, seen) => (name === "call3" && seen === 1 ? error429(10) : undefined) });
    const s = scheduler(clock, [[server.model, { concurrency: 4 }]]);
    const { finished } = await runAll(clock, s, names(40).map((n) => request(n)));
    expect(finished.get("call3")).toBeGreaterThanOrEqual(10_000);
    // 39 calls, 4 at a time, 100 ms each: 1 s, not held up by the 10 s wait.
    expect(Math.max(...[...finished].filter(([n]) => n !== "call3").map(([, at]) => at))).toBeLessThanOrEqual(1100);
    expect(s.limitStats()).toMatchObject({ rateLimited: 1, pauses: 0, decreases: 0 });
  });

  it("holds no place while a call waits to be tried again", async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock, { fail: (name, seen) => (name === "a" && seen === 1 ? error429(5) : undefined) });
    const s = scheduler(clock, [[server.model, { concurrency: 1 }]]);
    const { finished } = await runAll(clock, s, [request("a", 9), request("b")]);
    expect(finished.get("b")).toBe(100);
    expect(finished.get("a")).toBeGreaterThanOrEqual(5000);
  });

  it("counts the failed attempts in the completion", async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock, { fail: (_, seen) => (seen <= 2 ? error429(1) : undefined) });
    const s = scheduler(clock, [[server.model, { concurrency: 1 }]]);
    const done = s.complete(request("x"));
    await clock.advance(10_000);
    expect((await done).attempts).toBe(3);
  });

  it("throws at once an error no retry fixes, and the last error when retries run out", async () => {
    const clock = new FakeClock();
    const bad = new EngineCallError("400 Bad Request", { url: "u", model: "m", status: 400, retryable: false });
    const server = fakeServer(clock, { fail: (name) => (name === "bad" ? bad : name === "busy" ? error429(1) : undefined) });
    const retries: number[] = [];
    const s = scheduler(clock, [[server.model, { concurrency: 2 }]], { retry: { maxRetries: 2, random: () => 0 }, onRetry: (info) => retries.push(info.attempt) });
    const { errors } = await runAll(clock, s, [request("bad"), request("busy")]);
    expect(errors.get("bad")).toBe(bad);
    expect((errors.get("busy") as EngineCallError).details.status).toBe(429);
    expect(retries).toEqual([1, 2]);
  });
});

describe("CallScheduler adaptive concurrency", () => {
  it("learns a server's ceiling and holds just under it, driven far above", async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock, { slots: 4 });
    const s = scheduler(clock, [[server.model, { concurrency: 64 }]]);
    const { finished, errors } = await runAll(clock, s, names(400).map((n) => request(n)), 10);
    expect(errors.size).toBe(0);
    expect(finished.size).toBe(400);
    // 400 calls, 4 at a time, 100 ms each: 10 s is the bound.
    expect(Math.max(...finished.values())).toBeLessThan(10_000 * 1.3);
    expect(s.limitStats().ceilings[0]).toBeGreaterThanOrEqual(4);
    expect(s.limitStats().ceilings[0]).toBeLessThanOrEqual(5);
    // The first burst, then one refusal per probe upward: no saw-tooth.
    expect(server.refusals()).toBeLessThan(60 + 30);
  });
});

describe("CallScheduler endpoints", () => {
  it("spreads calls over two endpoints by their room", async () => {
    const clock = new FakeClock();
    const one = fakeServer(clock);
    const two = fakeServer(clock);
    const s = scheduler(clock, [
      [one.model, { concurrency: 6 }],
      [two.model, { concurrency: 2 }],
    ]);
    const { finished } = await runAll(clock, s, names(80).map((n) => request(n)));
    expect(one.served.length + two.served.length).toBe(80);
    expect(one.served.length).toBe(60);
    expect(Math.max(...finished.values())).toBe(1000);
  });

  it("takes a failing endpoint out, sends its calls to the other, and brings it back when it recovers", async () => {
    const clock = new FakeClock();
    let down = true;
    const healthy = fakeServer(clock);
    const flaky = fakeServer(clock, { fail: () => (down ? connectionRefused : undefined) });
    const s = scheduler(clock, [
      [healthy.model, { concurrency: 2 }],
      [flaky.model, { concurrency: 2 }],
    ]);
    const first = await runAll(clock, s, names(40, "a").map((n) => request(n)));
    expect(first.errors.size).toBe(0);
    expect(healthy.served).toHaveLength(40);
    expect(s.limitStats().outages).toBeGreaterThanOrEqual(1);
    down = false;
    await clock.advance(60_000);
    const second = await runAll(clock, s, names(40, "b").map((n) => request(n)));
    expect(second.errors.size).toBe(0);
    expect(flaky.served.length).toBeGreaterThan(10);
  });

  it("does not let a dead endpoint use up a call's retries", async () => {
    const clock = new FakeClock();
    const healthy = fakeServer(clock);
    const dead = fakeServer(clock, { fail: () => connectionRefused });
    const s = scheduler(clock, [
      [dead.model, { concurrency: 8 }],
      [healthy.model, { concurrency: 2 }],
    ], { retry: { maxRetries: 2, random: () => 0.5 } });
    for (const count of [3, 5, 300]) {
      const { errors, finished } = await runAll(clock, s, names(count, `run${count}-`).map((n) => request(n)));
      expect(errors.size).toBe(0);
      expect(finished.size).toBe(count);
    }
    expect(healthy.served).toHaveLength(308);
  });
});

describe("CallScheduler with every endpoint down", () => {
  it("fails the calls of a server that only answers 5xx in the time their retries take, not one probe at a time", async () => {
    const clock = new FakeClock();
    const badGateway = new EngineCallError("502 Bad Gateway", { url: "u", model: "m", status: 502, retryable: true });
    const server = fakeServer(clock, { fail: () => badGateway });
    const s = scheduler(clock, [[server.model, { concurrency: 32 }]], { retry: { maxRetries: 6, random: () => 0.5 } });
    const { errors } = await runAll(clock, s, names(200).map((n) => request(n)), 1000, 10 * 60_000);
    expect(errors.size).toBe(200);
    // Backoff of 0.25, 0.5, 1, 2, 4 and 8 s: every call is done with in well under a minute.
    expect(clock.now()).toBeLessThan(60_000);
  });
});

describe("CallScheduler stops", () => {
  it("refuses waiting calls with the drain's reason, and lets calls in flight end", async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock);
    const draining = new AbortController();
    const s = scheduler(clock, [[server.model, { concurrency: 2 }]], { draining: draining.signal });
    const outcomes = names(5).map((n) => s.complete(request(n)).then(() => "done", (e: unknown) => e));
    await settle();
    const reason = new AbortedError("interrupted");
    draining.abort(reason);
    await clock.advance(100);
    expect(await Promise.all(outcomes)).toEqual(["done", "done", reason, reason, reason]);
    expect(server.served).toHaveLength(2);
    await expect(s.complete(request("late"))).rejects.toBe(reason);
  });

  it("refuses a call waiting for a retry when the run drains", async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock, { fail: () => error429(30) });
    const draining = new AbortController();
    const s = scheduler(clock, [[server.model, { concurrency: 2 }]], { draining: draining.signal });
    const outcome = s.complete(request("x")).catch((e: unknown) => e);
    await clock.advance(1000);
    const reason = new AbortedError("interrupted");
    draining.abort(reason);
    expect(await outcome).toBe(reason);
  });

  it("gives up on a waiting call whose own signal aborts, and lets the one behind it go", async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock);
    const s = scheduler(clock, [[server.model, { concurrency: 1 }]]);
    const mine = new AbortController();
    const first = s.complete(request("first"));
    const waiting = s.complete({ ...request("waiting"), signal: mine.signal }).catch((e: unknown) => e);
    const last = s.complete(request("last"));
    await settle();
    mine.abort();
    expect(await waiting).toBeInstanceOf(AbortedError);
    await clock.advance(200);
    await Promise.all([first, last]);
    expect(server.served.map((c) => c.name)).toEqual(["first", "last"]);
  });
});

describe("CallScheduler rate limits", () => {
  it("counts as waiting for room only the time a limit held the line, not the time it waited for a place", async () => {
    const clock = new FakeClock();
    let first = true;
    const model: LanguageModel = {
      description: "publishing",
      modelId: "m",
      complete: async () => {
        await clock.sleep(100);
        const limits = first ? { requests: { remaining: 0, resetMs: 50 } } : undefined;
        first = false;
        return { text: "ok", usage: USAGE, finishReason: "stop", attempts: 1, ...(limits ? { limits } : {}) };
      },
    };
    const s = scheduler(clock, [[model, { concurrency: 1 }]]);
    await runAll(clock, s, names(100).map((n) => request(n)), 10);
    expect(s.limitStats().waitedMs).toBeGreaterThanOrEqual(50);
    expect(s.limitStats().waitedMs).toBeLessThan(100);
  });

  it("keeps a lane to its rpm: 60 at once, then one a second, counting the time the line was held", async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock, { latencyMs: 1 });
    const s = scheduler(clock, [[server.model, { concurrency: 100, rpm: 60 }]]);
    const { finished } = await runAll(clock, s, names(63).map((n) => request(n)), 100);
    const times = [...finished.values()].sort((a, b) => a - b);
    expect(times[59]).toBeLessThan(100);
    expect(times.slice(60)).toEqual([1001, 2001, 3001]);
    expect(s.stats.waitedMs).toBeGreaterThanOrEqual(3000);
  });
});
