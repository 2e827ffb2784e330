import { describe, expect, it } from "vitest";
import { AbortedError, EngineCallError } from "../../errors.js";
import { classifyError, htmlReply, parseDuration, retryAfterSeconds } from "./classify-error.js";
import { HttpTransportError } from "./http-post.js";
import { HttpStatusError } from "./http-status-error.js";

const URL = "http://127.0.0.1:8000/v1";
const ctx = { url: URL, model: "x", timeoutMs: 120_000, now: () => Date.parse("2025-01-01T00:00:00Z") };

function httpError(status: number, error?: unknown, headers: Record<string, string> = {}) {
  return new HttpStatusError(status, new Headers(headers), error);
}

function classified(error: unknown): EngineCallError {
  const result = classifyError(error, ctx);
  expect(result).toBeInstanceOf(EngineCallError);
  return result as EngineCallError;
}

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
/** What postJson rejects with when the socket fails: the socket's error as the cause. */
const connectionError = (cause: Error) => new HttpTransportError(cause.message, "connection", { cause });

describe("classifyError: HTTP statuses", () => {
  it("401 names the URL and model and points at the API key", () => {
    const e = classified(httpError(401, { message: "Incorrect API key provided" }));
    expect(e.message).toBe(`401 Unauthorized from ${URL} (model "x"): check the API key (OPENAI_API_KEY or --api-key)`);
    expect(e.details).toMatchObject({ url: URL, model: "x", status: 401, retryable: false });
  });

  it("404 says the model or base URL is wrong", () => {
    const e = classified(httpError(404, "model 'x' not found"));
    expect(e.message).toBe(`404 from ${URL}: model "x" not found or wrong base URL (model 'x' not found)`);
    expect(e.details.retryable).toBe(false);
    expect(classified(httpError(404)).message).toBe(`404 from ${URL}: model "x" not found or wrong base URL`);
  });

  it("400 and 422 carry the server's message, truncated, and are not retried", () => {
    const long = `This model's maximum context length is 4096 tokens. ${"x".repeat(1000)}`;
    const e = classified(httpError(400, { message: long, type: "invalid_request_error" }));
    expect(e.message.startsWith(`400 Bad Request from ${URL} (model "x"): This model's maximum context length is 4096 tokens.`)).toBe(true);
    expect(e.message.length).toBeLessThan(420);
    expect(e.message.endsWith("...")).toBe(true);
    expect(e.details).toMatchObject({ status: 400, retryable: false });

    const u = classified(httpError(422, { message: "bad field\n  temperature" }));
    expect(u.message).toBe(`422 Unprocessable Entity from ${URL} (model "x"): bad field temperature`);
    expect(u.details.retryable).toBe(false);
  });

  it("403 is not retried", () => {
    const e = classified(httpError(403, { message: "no access" }));
    expect(e.message).toBe(`403 Forbidden from ${URL} (model "x"): no access`);
    expect(e.details.retryable).toBe(false);
  });

  it.each([408, 409, 429, 500, 502, 503, 504, 529])("%i is retryable", (status) => {
    const e = classified(httpError(status, { message: "try later" }));
    expect(e.details).toMatchObject({ status, retryable: true });
    expect(e.message).toContain(URL);
    expect(e.message).toContain(`(model "x")`);
    expect(e.message).toContain("try later");
  });

  it("a 429 for an exhausted quota is not retryable", () => {
    const e = classified(httpError(429, { message: "You exceeded your current quota", code: "insufficient_quota" }, { "retry-after": "5" }));
    expect(e.details.retryable).toBe(false);
    expect(e.details.retryAfterSeconds).toBeUndefined();
  });

  it("takes Retry-After from a 429 or 503", () => {
    expect(classified(httpError(429, undefined, { "retry-after": "7" })).details.retryAfterSeconds).toBe(7);
    expect(classified(httpError(503, undefined, { "retry-after": "2" })).details.retryAfterSeconds).toBe(2);
    expect(classified(httpError(500)).details.retryAfterSeconds).toBeUndefined();
    expect(classified(httpError(500)).message).toBe(`500 Internal Server Error (server error) from ${URL} (model "x")`);
  });
});

describe("classifyError: transport failures", () => {
  it("connection refused", () => {
    const error = connectionError(withCode("connect ECONNREFUSED 127.0.0.1:8000", "ECONNREFUSED"));
    const e = classified(error);
    expect(e.message).toBe(`cannot connect to ${URL}: connection refused (is the server running?)`);
    expect(e.details).toMatchObject({ status: undefined, retryable: true });
  });

  it("unknown host, and an AggregateError of refusals", () => {
    const dns = connectionError(withCode("getaddrinfo ENOTFOUND h", "ENOTFOUND"));
    expect(classified(dns).message).toBe(`cannot connect to ${URL}: host not found`);
    const aggregate = new AggregateError([withCode("a", "ECONNREFUSED"), withCode("b", "ECONNREFUSED")]);
    const refused = connectionError(aggregate);
    expect(classified(refused).message).toContain("connection refused");
  });

  it("a connection error without a known code still names the URL and is retryable", () => {
    const e = classified(connectionError(new Error("weird")));
    expect(e.message).toBe(`cannot connect to ${URL}: weird`);
    expect(e.details.retryable).toBe(true);
  });

  it("a connection dropped mid-reply is retryable", () => {
    const terminated = new TypeError("terminated", { cause: withCode("other side closed", "UND_ERR_SOCKET") });
    const e = classified(terminated);
    expect(e.message).toBe(`connection to ${URL} (model "x") dropped before the reply was complete`);
    expect(e.details.retryable).toBe(true);
    expect(classified(withCode("read ECONNRESET", "ECONNRESET")).details.retryable).toBe(true);
    const closed = classified(new HttpTransportError("connection closed before the reply was complete", "connection", { code: "ECONNRESET" }));
    expect(closed.message).toBe(`connection to ${URL} (model "x") dropped before the reply was complete`);
  });

  it("a timeout is retryable and says how long we waited", () => {
    const e = classified(new HttpTransportError("no complete reply within 120000 ms", "timeout"));
    expect(e.message).toBe(`no reply from ${URL} (model "x") within 120 s: request timed out`);
    expect(e.details.retryable).toBe(true);
  });

  it("a body that is not valid JSON is retryable", () => {
    const e = classified(new SyntaxError("Unterminated string in JSON at position 15"));
    expect(e.message).toBe(`malformed reply from ${URL} (model "x"): the body is not valid JSON (truncated?)`);
    expect(e.details).toMatchObject({ retryable: true, status: undefined });
  });

  it("an HTML page says so, points at /v1, and stops the run rather than being retried", () => {
    const root = htmlReply({ url: "http://127.0.0.1:8000", model: "x" });
    expect(root.message).toBe('an HTML page came back from http://127.0.0.1:8000 (model "x") instead of JSON: the base URL should end in /v1 (try http://127.0.0.1:8000/v1)');
    expect(root.details).toMatchObject({ retryable: false, unreachable: true });
    expect(htmlReply(ctx).message).toBe(`an HTML page came back from ${URL} (model "x") instead of JSON: check the base URL: it should be the API's root, ending in /v1`);
  });

  it("an unrecognised error is not retryable but still names the URL", () => {
    const e = classified(new RangeError("something odd"));
    expect(e.message).toBe(`request to ${URL} (model "x") failed: something odd`);
    expect(e.details.retryable).toBe(false);
  });

  it("abort becomes AbortedError; our own errors pass through", () => {
    expect(classifyError(new HttpTransportError("request aborted", "aborted"), ctx)).toBeInstanceOf(AbortedError);
    expect(classifyError(new DOMException("This operation was aborted", "AbortError"), ctx)).toBeInstanceOf(AbortedError);
    const own = new EngineCallError("x", { url: URL, model: "x", status: 500, retryable: true });
    expect(classifyError(own, ctx)).toBe(own);
  });
});

describe("retryAfterSeconds", () => {
  const h = (values: Record<string, string>) => new Headers(values);

  it("reads seconds, fractional seconds and retry-after-ms (which wins)", () => {
    expect(retryAfterSeconds(h({ "retry-after": "3" }), 429)).toBe(3);
    expect(retryAfterSeconds(h({ "retry-after": "0.5" }), 429)).toBe(0.5);
    expect(retryAfterSeconds(h({ "retry-after": "3", "retry-after-ms": "1500" }), 429)).toBe(1.5);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    const now = () => Date.parse("Wed, 01 Jan 2025 00:00:00 GMT");
    expect(retryAfterSeconds(h({ "retry-after": "Wed, 01 Jan 2025 00:00:30 GMT" }), 503, now)).toBe(30);
    expect(retryAfterSeconds(h({ "retry-after": "Tue, 31 Dec 2024 23:00:00 GMT" }), 503, now)).toBe(0);
  });

  it("ignores garbage", () => {
    expect(retryAfterSeconds(h({ "retry-after": "soon" }), 429)).toBeUndefined();
    expect(retryAfterSeconds(undefined, 429)).toBeUndefined();
  });

  it("falls back to OpenAI's rate-limit reset headers on a 429 only", () => {
    const headers = h({ "x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "6m0s" });
    expect(retryAfterSeconds(headers, 429)).toBe(360);
    expect(retryAfterSeconds(headers, 503)).toBeUndefined();
    const tokensLeft = h({
      "x-ratelimit-reset-requests": "20ms",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-tokens": "6m0s",
      "x-ratelimit-remaining-tokens": "5000",
    });
    expect(retryAfterSeconds(tokensLeft, 429)).toBeCloseTo(0.02);
  });
});

describe("parseDuration", () => {
  it.each([
    ["20ms", 0.02],
    ["1s", 1],
    ["6m0s", 360],
    ["1h2m3.5s", 3723.5],
    ["0.5s", 0.5],
  ])("%s -> %f s", (text, seconds) => {
    expect(parseDuration(text)).toBeCloseTo(seconds);
  });

  it.each(["", "soon", "5", "1x", "s"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
