import { describe, expect, it } from "vitest";
import { documentCalls } from "../cost/estimate.js";
import { resolveSettings } from "../pipeline/resolve-settings.js";
import { emptyLevelStats, emptyStats, type LevelStats, type RunStats } from "../pipeline/run-stats.js";
import { callsProgress, planCalls } from "./call-plan.js";

const settings = resolveSettings({ levels: ["micro"], maxRounds: 0 });
// micro, no re-synthesis: extraction + synthesis, then one answer per item.
const callsOf = (n: number) => 2 + n;

const stats = (more: Partial<RunStats> = {}): RunStats => ({ ...emptyStats(), ...more });

describe("planCalls", () => {
  it("adds up every document's calls from its own budget", () => {
    const plan = planCalls(settings, [8, 8, 3, 12]);
    expect(plan).toEqual({ documents: 4, fixed: 8, perItem: 8 + 8 + 3 + 12, maxRounds: 0, extraExtractionAsks: 2 });
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
  const plan = planCalls(settings, [8, 8, 8, 8]); // 4 x (2 + 8) = 40 calls
  const finished = (documents: number, micro: Partial<LevelStats>) => ({ documents, levels: { micro: { ...emptyLevelStats(), ...micro } } });

  it("is the plan itself, and the calls sent, before anything finished", () => {
    expect(callsProgress(plan, stats({ calls: 7 }))).toEqual({ callsPlanned: 40, callsDone: 7 });
  });

  it("counts replies replayed from the store, and documents an earlier run finished, as done", () => {
    expect(callsProgress(plan, stats({ calls: 7, replayedCalls: 5 })).callsDone).toBe(12);
    // One of four documents came back whole from the store: a quarter of the plan, without a call.
    expect(callsProgress(plan, stats({ calls: 7, documentsResumed: 1, ...finished(1, { budget: 8, features: 8 }) }))).toEqual({ callsPlanned: 40, callsDone: 17 });
  });

  it("replaces the plan of finished documents that took less by what they took; the rest keep theirs", () => {
    // Two documents found only half their features: 2 x (2 + 4) = 12 calls where 20 were planned.
    expect(callsProgress(plan, stats({ calls: 30, ...finished(2, { budget: 16, features: 8 }) })).callsPlanned).toBe(12 + 20);
  });

  it("counts the extraction requests asked again when a document yielded too few features", () => {
    // One feature lacking: one document asked twice more. Took 2 x 2 + 2 + 15 answers = 21 where 20 were planned.
    expect(callsProgress(plan, stats({ calls: 20, ...finished(2, { budget: 16, features: 15, notYielded: 1 }) })).callsPlanned).toBe(42);
    // Eight lacking: at most both documents asked twice more, however many each lacks. Took 2 x 2 + 4 + 8 = 16.
    expect(callsProgress(plan, stats({ calls: 20, ...finished(2, { budget: 16, features: 8, notYielded: 8 }) })).callsPlanned).toBe(16 + 20);
  });

  it("keeps a Self-QA plan of one call per document", () => {
    const selfQa = planCalls(resolveSettings({ method: "self-qa" }), [8, 8, 8]);
    const levels = { "self-qa": { ...emptyLevelStats(), budget: 48, features: 20, dropped: 3, droppedReasons: { unanswerable: 3 } } };
    expect(callsProgress(selfQa, stats({ calls: 2, documents: 2, levels }))).toEqual({ callsPlanned: 3, callsDone: 2 });
  });

  it("adds the replies that were unusable and asked for again", () => {
    // A fifth of the replies were asked again: every planned call takes 1.25 calls.
    expect(callsProgress(plan, stats({ calls: 20, invalidReplies: 4 })).callsPlanned).toBe(50);
  });

  it("scales the whole plan when finished documents took more: more rounds of re-synthesis than assumed", () => {
    const withRounds = planCalls(resolveSettings({ levels: ["micro"], maxRounds: 2 }), [10, 10]);
    // Planned per document: 2 + 10 answers + 15% of 10 items x 2 calls = 15. The one finished took
    // 2 + 10 answers + 5 items dropped after 2 rounds of 2 calls = 32.
    const dropped = finished(1, { budget: 10, features: 10, resynthesized: 5, dropped: 5, droppedReasons: { unanswerable: 5 } });
    expect(callsProgress(withRounds, stats({ calls: 32, ...dropped })).callsPlanned).toBe(2 * 32);
  });
});
