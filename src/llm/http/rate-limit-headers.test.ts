import { describe, expect, it } from "vitest";
import { readPublishedLimits } from "./rate-limit-headers.js";

const headers = (entries: Record<string, string>) => new Headers(entries);

describe("readPublishedLimits", () => {
  it("reads OpenAI's six headers", () => {
    const limits = readPublishedLimits(
      headers({
        "x-ratelimit-limit-requests": "500",
        "x-ratelimit-remaining-requests": "499",
        "x-ratelimit-reset-requests": "120ms",
        "x-ratelimit-limit-tokens": "30000",
        "x-ratelimit-remaining-tokens": "29000",
        "x-ratelimit-reset-tokens": "1m30.5s",
      }),
    );
    expect(limits).toEqual({ requests: { limit: 500, remaining: 499, resetMs: 120 }, tokens: { limit: 30000, remaining: 29000, resetMs: 90500 } });
  });

  it("takes plain seconds as a reset and does without the limit", () => {
    expect(readPublishedLimits(headers({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5" }))).toEqual({
      requests: { remaining: 0, resetMs: 1500 },
    });
  });

  it("ignores a kind missing its reset or remaining count, and nonsense", () => {
    expect(readPublishedLimits(headers({ "x-ratelimit-remaining-requests": "10" }))).toBeUndefined();
    expect(readPublishedLimits(headers({ "x-ratelimit-reset-tokens": "1s" }))).toBeUndefined();
    expect(readPublishedLimits(headers({ "x-ratelimit-remaining-tokens": "lots", "x-ratelimit-reset-tokens": "1s" }))).toBeUndefined();
    expect(readPublishedLimits(headers({ "x-ratelimit-remaining-tokens": "5", "x-ratelimit-reset-tokens": "soon" }))).toBeUndefined();
    expect(readPublishedLimits(headers({}))).toBeUndefined();
  });
});
