import { describe, expect, it } from "vitest";
import { AbortedError, ConfigError, EngineCallError, ReplyParseError } from "../errors.js";
import { CircuitBreaker } from "./circuit-breaker.js";

const URL = "http://127.0.0.1:8000/v1";

function callError(status: number | undefined, message: string, retryable = false): EngineCallError {
  return new EngineCallError(message, { url: URL, model: "m", status, retryable });
}

const contextTooLong = (asked = 9001) =>
  callError(400, `400 Bad Request from ${URL} (model "m"): maximum context length is 8192 tokens, you asked for ${asked}`);
const badKey = () => callError(401, `401 Unauthorized from ${URL} (model "m"): check the API key (OPENAI_API_KEY or --api-key)`);
const noModel = () => callError(404, `404 from ${URL}: model "m" not found or wrong base URL`);
const noQuota = () => callError(429, `429 Too Many Requests from ${URL} (model "m"): You exceeded your current quota`);
const overloaded = () => callError(503, `503 Service Unavailable (server error) from ${URL} (model "m")`, true);

function feed(breaker: CircuitBreaker, outcomes: ("ok" | unknown)[]): void {
  for (const outcome of outcomes) breaker.record(outcome === "ok" ? { ok: true } : { ok: false, error: outcome });
}

const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

describe("CircuitBreaker", () => {
  it("stays closed while calls succeed", () => {
    const breaker = new CircuitBreaker();
    feed(breaker, times(100, () => "ok"));
    expect(breaker.tripped()).toBeUndefined();
  });

  it("trips when more than half of the last 20 calls failed unfixably, naming the error", () => {
    const breaker = new CircuitBreaker();
    feed(breaker, [...times(8, () => "ok"), ...times(12, () => contextTooLong())]);
    expect(breaker.tripped()).toBe(
      `stopping: 12 of the last 20 calls failed with errors that retrying will not fix; last: 400 Bad Request from ${URL} (model "m"): maximum context length is 8192 tokens, you asked for 9001`,
    );
  });

  it("needs more than the threshold: exactly half does not trip", () => {
    const breaker = new CircuitBreaker();
    feed(breaker, [...times(10, () => "ok"), ...times(10, () => badKey())]);
    expect(breaker.tripped()).toBeUndefined();
    feed(breaker, [badKey()]); // the oldest success drops out: 11 of 20
    expect(breaker.tripped()).toMatch(/^stopping: 11 of the last 20 calls/);
  });

  it("waits for at least window/2 calls before judging", () => {
    const breaker = new CircuitBreaker();
    feed(breaker, times(9, () => noModel()));
    expect(breaker.tripped()).toBeUndefined();
    feed(breaker, [noModel()]);
    expect(breaker.tripped()).toBe(
      `stopping: 10 of the last 10 calls failed with errors that retrying will not fix; last: 404 from ${URL}: model "m" not found or wrong base URL`,
    );
  });

  it("looks only at the last `window` calls", () => {
    const breaker = new CircuitBreaker({ window: 10 });
    feed(breaker, times(50, () => badKey()));
    expect(breaker.tripped()).toMatch(/10 of the last 10/);
    feed(breaker, times(5, () => "ok")); // 5 of 10
    expect(breaker.tripped()).toBeUndefined();
    feed(breaker, [...times(5, () => "ok"), ...times(5, () => badKey())]);
    expect(breaker.tripped()).toBeUndefined();
    feed(breaker, [badKey()]);
    expect(breaker.tripped()).toMatch(/6 of the last 10/);
  });

  it("does not count retryable errors that ran out of retries, parse errors or aborts", () => {
    const breaker = new CircuitBreaker();
    feed(breaker, [
      ...times(10, () => overloaded()),
      ...times(5, () => new ReplyParseError("reply is not JSON", "oops")),
      ...times(3, () => new AbortedError("stopped")),
      new Error("something else"),
      "not even an error",
    ]);
    expect(breaker.tripped()).toBeUndefined();
  });

  it("counts insufficient quota and other non-retryable errors", () => {
    const breaker = new CircuitBreaker({ window: 4 });
    feed(breaker, ["ok", noQuota(), noQuota(), noQuota()]);
    expect(breaker.tripped()).toMatch(/3 of the last 4 .*; last: 429 Too Many Requests .*quota/);
  });

  it("names the most common kind, ignoring numbers that differ between calls", () => {
    const breaker = new CircuitBreaker();
    feed(breaker, [
      ...times(6, (i) => contextTooLong(9000 + i)),
      ...times(3, () => badKey()),
      ...times(2, () => noModel()),
      ...times(9, () => "ok"),
    ]);
    expect(breaker.tripped()).toBe(
      `stopping: 11 of the last 20 calls failed with errors that retrying will not fix; most common (6 of 11): 400 Bad Request from ${URL} (model "m"): maximum context length is 8192 tokens, you asked for 9005`,
    );
  });

  it("breaks a tie in favour of the kind seen last", () => {
    const breaker = new CircuitBreaker({ window: 4 });
    feed(breaker, [badKey(), noModel(), badKey(), noModel()]);
    expect(breaker.tripped()).toMatch(/most common \(2 of 4\): 404 from/);
  });

  it("keeps the reason on one line", () => {
    const breaker = new CircuitBreaker({ window: 2 });
    feed(breaker, [callError(422, "422 from server:\n  field\tmissing")]);
    expect(breaker.tripped()).toMatch(/last: 422 from server: field missing$/);
  });

  it("honours a custom threshold", () => {
    const breaker = new CircuitBreaker({ window: 10, threshold: 0.2 });
    feed(breaker, [...times(7, () => "ok"), ...times(3, () => badKey())]);
    expect(breaker.tripped()).toMatch(/^stopping: 3 of the last 10/);
  });

  it("rejects options that cannot work, naming the bad value", () => {
    expect(() => new CircuitBreaker({ window: 0 })).toThrow(ConfigError);
    expect(() => new CircuitBreaker({ window: 2.5 })).toThrow(/window.*2\.5/);
    expect(() => new CircuitBreaker({ threshold: 1 })).toThrow(/threshold.*1/);
    expect(() => new CircuitBreaker({ threshold: -0.1 })).toThrow(ConfigError);
  });
});
