import { describe, expect, it } from "vitest";
import { callPriority } from "./call-priority.js";

describe("callPriority", () => {
  it("serves later re-synthesis rounds first, then the longest remaining chain, then earlier documents", () => {
    const calls = [
      { name: "answer, round 0, document 0", p: callPriority("answer", 0, 0) },
      { name: "extract, round 0, document 9", p: callPriority("extract", 0, 9) },
      { name: "extract, round 0, document 2", p: callPriority("extract", 0, 2) },
      { name: "answer, round 1, document 40", p: callPriority("answer", 1, 40) },
      { name: "resynthesize, round 1, document 40", p: callPriority("resynthesize", 1, 40) },
      { name: "answer, round 3, document 1000000", p: callPriority("answer", 3, 1_000_000) },
      { name: "synthesize, round 0, document 0", p: callPriority("synthesize", 0, 0) },
    ];
    expect(calls.sort((a, b) => b.p - a.p).map((c) => c.name)).toEqual([
      "answer, round 3, document 1000000",
      "resynthesize, round 1, document 40",
      "answer, round 1, document 40",
      "extract, round 0, document 2",
      "extract, round 0, document 9",
      "synthesize, round 0, document 0",
      "answer, round 0, document 0",
    ]);
  });

  it("stays exact for any number of rounds", () => {
    expect(Number.isSafeInteger(callPriority("extract", 10_000, 0))).toBe(true);
    expect(callPriority("answer", 10_000, 5)).toBeGreaterThan(callPriority("answer", 254, 5));
  });
});
