import { describe, expect, it } from "vitest";
import { documentCalls } from "../cost/estimate.js";
import { resolveSettings } from "../pipeline/resolve-settings.js";
import { emptyLevelStats, emptyStats, type RunStats } from "../pipeline/run-stats.js";
import { callsProgress, planCalls } from "./call-plan.js";

const settings = resolveSettings({ levels: ["micro"], maxRounds: 0 });
// micro, no re-synthesis: extraction + synthesis, then one answer per item.
const callsOf = (n: number) => 2 + n;

const stats = (more: Partial<RunStats> = {}): RunStats => ({ ...emptyStats(), ...more });

describe("planCalls", () => {
  it("adds up every document's calls from its own budget", () => {
    const plan = planCalls(settings, [8, 8, 3, 12]);
    expect(plan).toEqual({ documents: 4, fixed: 8, perItem: 8 + 8 + 3 + 12, maxRounds: 0 });
    expect(plan.fixed + plan.perItem).toBe(callsOf(8) * 2 + callsOf(3) + callsOf(12));
  });

  it("plans with the run's settings: levels, rounds, importance step, method", () => {
    const full = resolveSettings({ important: { core: 2, major: 3 } });
    const one = documentCalls({ method: "foveate", levels: ["micro", "scatter", "macro"], maxRounds: 5, important: true }, 8);
    expect(planCalls(full, [8, 8])).toMatchObject({ documents: 2, fixed: 2 * one.fixed, perItem: 2 * one.perItem, maxRounds: 5 });
    expect(planCalls(resolveSettings({ method: "self-qa" }), [8, 8, 8])).toMatchObject({ fixed: 3, perItem: 0 });
  });

  it("refuses a budget that is not a positive integer", () => {
    expect(() => planCalls(settings, [8, 0])).toThrow(/got 0/);
  });
});

describe("callsProgress", () => {
  const plan = planCalls(settings, [8, 8, 8, 8]); // 40 calls

  it("is the plan itself, and the calls sent, before anything finished", () => {
    expect(callsProgress(plan, stats({ calls: 7 }))).toEqual({ callsPlanned: 40, callsDone: 7 });
  });

  it("counts replies replayed from the store, and documents an earlier run finished, as done", () => {
    expect(callsProgress(plan, stats({ calls: 7, replayedCalls: 5 })).callsDone).toBe(12);
    // One of four documents came back whole from the store: a quarter of the plan, without a call.
    const levels = { micro: { ...emptyLevelStats(), budget: 8, features: 8 } };
    expect(callsProgress(plan, stats({ calls: 7, documentsResumed: 1, levels }))).toEqual({ callsPlanned: 40, callsDone: 17 });
  });

  it("scales the calls per item by how the finished documents' items fared", () => {
    // Two finished documents found only half their features: the items will take half the calls planned.
    const levels = { micro: { ...emptyLevelStats(), budget: 16, features: 8 } };
    expect(callsProgress(plan, stats({ calls: 30, levels })).callsPlanned).toBe(8 + 32 / 2);
  });

  it("adds the replies that were unusable and asked for again", () => {
    // A fifth of the replies were asked again: every planned call takes 1.25 calls.
    expect(callsProgress(plan, stats({ calls: 20, invalidReplies: 4 })).callsPlanned).toBe(50);
  });

  it("takes more rounds of re-synthesis into the plan than it assumed", () => {
    const withRounds = planCalls(resolveSettings({ levels: ["micro"], maxRounds: 2 }), [10]);
    // Planned: 2 + 10 answers + 15% of 10 items x 2 calls = 15. Taken: 10 answers, and 5 items dropped after 2 rounds of 2 calls.
    const levels = { micro: { ...emptyLevelStats(), budget: 10, features: 10, resynthesized: 5, recovered: 0 } };
    expect(callsProgress(withRounds, stats({ calls: 32, levels })).callsPlanned).toBe(2 + 10 + 5 * 2 * 2);
  });
});
