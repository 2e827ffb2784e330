import { describe, expect, it } from "vitest";
import { AbortedError, ConfigError, EngineCallError } from "../../errors.js";
import { retryDelayMs, sleepWithSignal, withRetries, type RetryInfo, type RetryPolicy } from "./retry.js";

const callError = (retryable: boolean, retryAfterSeconds?: number) =>
  new EngineCallError("boom", {
    url: "http://127.0.0.1:1/v1",
    model: "m",
    status: retryable ? 503 : 400,
    retryable,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });

/** A policy that records waits instead of sleeping. */
function recording(overrides: Partial<RetryPolicy> = {}) {
  const waits: number[] = [];
  const retries: RetryInfo[] = [];
  const policy: Partial<RetryPolicy> = {
    random: () => 0.5,
    sleep: async (ms) => {
      waits.push(ms);
    },
    onRetry: (info) => retries.push(info),
    ...overrides,
  };
  return { policy, waits, retries };
}

/** An attempt function that fails with the given errors in turn, then returns "ok". */
function scripted(errors: unknown[]) {
  const calls: number[] = [];
  const attempt = async (n: number) => {
    calls.push(n);
    const error = errors[n - 1];
    if (error !== undefined) throw error;
    return "ok";
  };
  return { attempt, calls };
}

describe("withRetries", () => {
  it("returns the first success with attempt count 1", async () => {
    const { policy, waits } = recording();
    const { attempt, calls } = scripted([]);
    await expect(withRetries(attempt, policy)).resolves.toEqual({ value: "ok", attempts: 1 });
    expect(calls).toEqual([1]);
    expect(waits).toEqual([]);
  });

  it("retries retryable errors with exponential backoff and full jitter", async () => {
    const { policy, waits, retries } = recording({ baseDelayMs: 100, maxDelayMs: 350 });
    const { attempt, calls } = scripted([callError(true), callError(true), callError(true)]);
    await expect(withRetries(attempt, policy)).resolves.toEqual({ value: "ok", attempts: 4 });
    expect(calls).toEqual([1, 2, 3, 4]);
    // random 0.5 of ceilings 100, 200, then 400 capped to 350
    expect(waits).toEqual([50, 100, 175]);
    expect(retries.map((r) => [r.attempt, r.delayMs])).toEqual([
      [1, 50],
      [2, 100],
      [3, 175],
    ]);
  });

  it("does not retry non-retryable errors or foreign errors", async () => {
    const nonRetryable = callError(false);
    const { policy, waits } = recording();
    await expect(withRetries(scripted([nonRetryable]).attempt, policy)).rejects.toBe(nonRetryable);
    const other = new ConfigError("bad");
    await expect(withRetries(scripted([other]).attempt, policy)).rejects.toBe(other);
    const plain = new TypeError("bug");
    await expect(withRetries(scripted([plain]).attempt, policy)).rejects.toBe(plain);
    expect(waits).toEqual([]);
  });

  it("gives up after maxRetries and throws the last error", async () => {
    const errors = [callError(true), callError(true), callError(true)];
    const { policy, waits } = recording({ maxRetries: 2 });
    const { attempt, calls } = scripted(errors);
    await expect(withRetries(attempt, policy)).rejects.toBe(errors[2]);
    expect(calls).toEqual([1, 2, 3]);
    expect(waits).toHaveLength(2);
  });

  it("maxRetries 0 makes exactly one attempt", async () => {
    const error = callError(true);
    const { policy } = recording({ maxRetries: 0 });
    const { attempt, calls } = scripted([error]);
    await expect(withRetries(attempt, policy)).rejects.toBe(error);
    expect(calls).toEqual([1]);
  });

  it("waits at least Retry-After, plus jitter, even when backoff is shorter", async () => {
    const { policy, waits } = recording({ baseDelayMs: 100, random: () => 0.5 });
    await withRetries(scripted([callError(true, 2)]).attempt, policy);
    expect(waits).toEqual([2000 + 50]);
    // A tenth of the wait at most: told 1 s, a call waits at most 1.1 s.
    const short = recording({ baseDelayMs: 500, random: () => 0.999 });
    await withRetries(scripted([callError(true, 1)]).attempt, short.policy);
    expect(short.waits[0]).toBeGreaterThanOrEqual(1000);
    expect(short.waits[0]).toBeLessThanOrEqual(1100);
    expect(waits[0]).toBeGreaterThanOrEqual(2000);
  });

  it("caps a huge Retry-After at maxRetryAfterMs", async () => {
    const { policy, waits } = recording({ random: () => 0, maxRetryAfterMs: 120_000 });
    await withRetries(scripted([callError(true, 3600)]).attempt, policy);
    expect(waits).toEqual([120_000]);
  });

  it("keeps the backoff when it exceeds a tiny Retry-After", async () => {
    const policy = { ...recording().policy, baseDelayMs: 10_000, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 } as RetryPolicy;
    // attempt 3: ceiling 30 s, random 0.5 -> 15 s backoff > 0 s hint (and no jitter)
    expect(retryDelayMs(3, callError(true, 0), policy)).toBe(15_000);
  });

  it("never starts when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const { policy } = recording({ signal: controller.signal });
    const { attempt, calls } = scripted([]);
    await expect(withRetries(attempt, policy)).rejects.toBeInstanceOf(AbortedError);
    expect(calls).toEqual([]);
  });

  it("does not retry once the signal aborted during an attempt", async () => {
    const controller = new AbortController();
    const { policy, waits } = recording({ signal: controller.signal });
    const calls: number[] = [];
    const attempt = async (n: number) => {
      calls.push(n);
      controller.abort();
      throw callError(true);
    };
    await expect(withRetries(attempt, policy)).rejects.toBeInstanceOf(AbortedError);
    expect(calls).toEqual([1]);
    expect(waits).toEqual([]);
  });

  it("stops when the signal aborts during the wait", async () => {
    const controller = new AbortController();
    const { attempt, calls } = scripted([callError(true), callError(true)]);
    const promise = withRetries(attempt, {
      signal: controller.signal,
      baseDelayMs: 60_000,
      random: () => 1,
      sleep: (ms, signal) => {
        const waiting = sleepWithSignal(ms, signal);
        controller.abort();
        return waiting;
      },
    });
    await expect(promise).rejects.toBeInstanceOf(AbortedError);
    expect(calls).toEqual([1]);
  });

  it("passes an AbortedError from the attempt straight through", async () => {
    const aborted = new AbortedError("stop");
    const { policy, waits } = recording();
    await expect(withRetries(scripted([aborted]).attempt, policy)).rejects.toBe(aborted);
    expect(waits).toEqual([]);
  });
});

describe("sleepWithSignal", () => {
  it("resolves after the delay", async () => {
    await expect(sleepWithSignal(1)).resolves.toBeUndefined();
  });

  it("rejects at once with AbortedError when the signal is already aborted", async () => {
    await expect(sleepWithSignal(60_000, AbortSignal.abort())).rejects.toBeInstanceOf(AbortedError);
  });
});
