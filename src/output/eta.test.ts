import { describe, expect, it } from "vitest";
import { Eta, type EtaSample } from "./eta.js";

/** Feeds samples every `stepMs` at `callsPerSecond`, from `from`; returns the last one fed. */
function feed(eta: Eta, from: EtaSample, seconds: number, callsPerSecond: number, stepMs = 250): EtaSample {
  let sample = from;
  for (let t = stepMs; t <= seconds * 1000; t += stepMs) {
    const calls = Math.round(from.calls + (callsPerSecond * t) / 1000);
    sample = { ...from, at: from.at + t, calls, callsDone: from.callsDone + (calls - from.calls) };
    eta.observe(sample);
  }
  return sample;
}

const start: EtaSample = { at: 1_000_000, calls: 0, callsDone: 0, callsPlanned: 2_000 };

describe("Eta", () => {
  it("gives the calls left over the pace kept", () => {
    const eta = new Eta();
    eta.observe(start);
    feed(eta, start, 10, 40);
    // 400 of 2,000 calls at 40 a second: 1,600 left take 40 s.
    expect(eta.pace().callsPerSecond).toBeCloseTo(40, 5);
    expect(eta.pace().remainingMs).toBeCloseTo(40_000, -2);
  });

  it("follows the recent pace, not the average since the start", () => {
    const eta = new Eta();
    eta.observe(start);
    const slow = feed(eta, start, 60, 5); // a minute at 5 calls a second (a 429 pause, a slow start)
    feed(eta, slow, 30, 50); // then three half-lives at 50
    const { callsPerSecond, remainingMs } = eta.pace();
    // The average since the start is (300 + 1,500) / 90 s = 20 a second; the last 30 s weigh 7/8.
    expect(callsPerSecond).toBeGreaterThan(44);
    expect(callsPerSecond).toBeLessThan(50);
    expect(remainingMs! / 1000).toBeCloseTo(200 / callsPerSecond!, 5);
  });

  it("counts replayed calls as done without taking them into the pace", () => {
    const eta = new Eta();
    eta.observe(start);
    // A resumed run: 1,000 replies replayed from the store at once, then 20 calls a second.
    const replayed = { ...start, at: start.at + 250, callsDone: 1_000 };
    eta.observe(replayed);
    feed(eta, replayed, 10, 20);
    expect(eta.pace().callsPerSecond).toBeCloseTo(20 * (10 / 10.25), 0);
    expect(eta.pace().remainingMs! / 1000).toBeCloseTo(800 / eta.pace().callsPerSecond!, 5);
  });

  it("says nothing until enough calls and enough time have been seen", () => {
    const eta = new Eta();
    expect(eta.pace()).toEqual({});
    eta.observe(start);
    expect(eta.pace()).toEqual({});
    // Many calls, little time: the first burst of a run. Known at 3 s.
    const burst = feed(eta, start, 2.75, 100);
    expect(eta.pace().callsPerSecond).toBeCloseTo(100, 5);
    expect(eta.pace().remainingMs).toBeUndefined();
    feed(eta, burst, 0.25, 100);
    expect(eta.pace().remainingMs).toBeCloseTo(17_000, -2);

    // Much time, few calls: a slow local model. Known at 30 calls.
    const slow = new Eta();
    slow.observe(start);
    const after = feed(slow, start, 50, 0.5, 1000);
    expect(slow.pace().remainingMs).toBeUndefined();
    feed(slow, after, 10, 0.5, 1000);
    expect(slow.pace().remainingMs).toBeDefined();
  });

  it("says nothing when no call is going out, or the plan is spent", () => {
    const stalled = new Eta({ minCalls: 1, minMs: 1 });
    stalled.observe(start);
    feed(stalled, start, 10, 0);
    expect(stalled.pace()).toEqual({ callsPerSecond: 0 });

    const spent = new Eta({ minCalls: 1, minMs: 1 });
    spent.observe(start);
    feed(spent, { ...start, callsPlanned: 100 }, 10, 20);
    expect(spent.pace().callsPerSecond).toBeCloseTo(20, 5);
    expect(spent.pace().remainingMs).toBeUndefined();
  });

  it("takes a clock set back as no time passed", () => {
    const eta = new Eta({ minCalls: 1, minMs: 1 });
    eta.observe(start);
    eta.observe({ ...start, at: start.at + 10_000, calls: 100, callsDone: 100 });
    eta.observe({ ...start, at: start.at + 5_000, calls: 110, callsDone: 110 });
    eta.observe({ ...start, at: start.at + 11_000, calls: 120, callsDone: 120 });
    // 120 calls in 11 s of clock: 10.9 a second; without the calls of the sample set back, 10.
    expect(eta.pace().callsPerSecond).toBeGreaterThan(10.5);
    expect(eta.pace().remainingMs).toBeGreaterThan(0);
  });
});
