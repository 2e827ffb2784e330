import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/llm/http/classify-error.js";
import { admit, charge, formatReset, hasRateLimits, rateLimitHeaders, windowAt, type RateLimits } from "./sim-limits.js";

const limits = (over: Partial<RateLimits> = {}): RateLimits => ({ limitRequests: 3, limitTokens: 100, limitWindowMs: 60_000, ...over });

describe("formatReset", () => {
  it("writes durations as OpenAI does", () => {
    expect(formatReset(1000)).toBe("1s");
    expect(formatReset(360_000)).toBe("6m0s");
    expect(formatReset(250)).toBe("250ms");
    expect(formatReset(90_500)).toBe("1m30.5s");
    expect(formatReset(3_600_000)).toBe("1h0m0s");
    expect(formatReset(3_723_250)).toBe("1h2m3.25s");
    expect(formatReset(10_000)).toBe("10s");
    expect(formatReset(0)).toBe("0s");
    expect(formatReset(-5)).toBe("0s");
    expect(formatReset(0.4)).toBe("0s");
    expect(formatReset(1500.6)).toBe("1.501s");
  });

  it("is read back to the millisecond by the product's parser", () => {
    for (const ms of [1, 250, 999, 1000, 1001, 59_999, 60_000, 90_500, 3_599_999, 3_723_250]) {
      expect(parseDuration(formatReset(ms))! * 1000).toBeCloseTo(ms, 6);
    }
  });
});

describe("a fixed window of requests and tokens", () => {
  it("admits until the requests run out, then says which limit and when it resets", () => {
    const l = limits();
    let w = windowAt(undefined, l, 1000);
    for (let i = 0; i < 3; i++) {
      expect(admit(w, l, 10, 1000 + i)).toEqual({ admitted: true });
      w = charge(w, 1, 10);
    }
    expect(admit(w, l, 10, 21_000)).toEqual({ admitted: false, limit: "requests", retryAfterMs: 40_000 });
    expect(rateLimitHeaders(w, l, 21_000)).toEqual({
      "x-ratelimit-limit-requests": "3",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "40s",
      "x-ratelimit-limit-tokens": "100",
      "x-ratelimit-remaining-tokens": "70",
      "x-ratelimit-reset-tokens": "40s",
    });
  });

  it("refuses a prompt that does not fit in the tokens left, and one larger than the whole limit", () => {
    const l = limits({ limitRequests: 0 });
    let w = charge(windowAt(undefined, l, 0), 1, 80);
    expect(admit(w, l, 20, 10)).toEqual({ admitted: true });
    expect(admit(w, l, 21, 10)).toEqual({ admitted: false, limit: "tokens", retryAfterMs: 59_990 });
    w = charge(w, 1, 30); // a completion may take the window past its limit
    expect(rateLimitHeaders(w, l, 59_750)).toEqual({
      "x-ratelimit-limit-tokens": "100",
      "x-ratelimit-remaining-tokens": "0",
      "x-ratelimit-reset-tokens": "250ms",
    });
    expect(admit(windowAt(undefined, l, 0), l, 101, 0)).toMatchObject({ admitted: false, limit: "tokens" });
  });

  it("starts a new window with the first request after the last one ended", () => {
    const l = limits({ limitWindowMs: 1000 });
    const used = charge(charge(charge(windowAt(undefined, l, 500), 1, 5), 1, 5), 1, 5);
    expect(windowAt(used, l, 1499)).toBe(used);
    const next = windowAt(used, l, 1500);
    expect(next).toEqual({ startedAt: 1500, requests: 0, tokens: 0 });
    expect(admit(next, l, 5, 1500)).toEqual({ admitted: true });
    expect(rateLimitHeaders(next, l, 1500)["x-ratelimit-reset-requests"]).toBe("1s");
  });

  it("tells nothing and limits nothing when no limit is set", () => {
    const l = limits({ limitRequests: 0, limitTokens: 0 });
    expect(hasRateLimits(l)).toBe(false);
    expect(hasRateLimits(limits({ limitTokens: 0 }))).toBe(true);
    const w = charge(windowAt(undefined, l, 0), 1_000_000, 1_000_000);
    expect(admit(w, l, 1_000_000, 1)).toEqual({ admitted: true });
    expect(rateLimitHeaders(w, l, 1)).toEqual({});
  });
});
