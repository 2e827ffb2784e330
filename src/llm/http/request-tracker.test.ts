import { describe, expect, it } from "vitest";
import { EngineCallError } from "../../errors.js";
import { RequestTracker } from "./request-tracker.js";

const status = (s: number) => new EngineCallError(`${s}`, { url: "u", model: "m", status: s, retryable: true });

describe("RequestTracker", () => {
  it("counts requests, 429s and retries, and knows the oldest request still waiting", () => {
    let now = 1000;
    const tracker = new RequestTracker(() => now);
    expect(tracker.waiting()).toBeUndefined();
    const first = tracker.sent();
    now = 4000;
    const second = tracker.sent();
    now = 10_000;
    expect(tracker.waiting()).toEqual({ calls: 2, oldestMs: 9000 });
    tracker.ended(first, status(429));
    tracker.retried(500);
    expect(tracker.waiting()).toEqual({ calls: 1, oldestMs: 6000 });
    tracker.ended(second);
    expect(tracker.waiting()).toBeUndefined();
    expect(tracker.counts).toEqual({ requests: 2, retries: 1, rateLimited: 1, backoffMs: 500 });
  });
});
