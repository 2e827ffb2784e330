import { describe, expect, it } from "vitest";
import { estimateTokens } from "../corpus/estimate-tokens.js";
import { SYSTEM_PROMPT } from "../method/prompts.js";
import { documentCalls, estimateRun, finishedItemCalls, type CallPlanInput, type ItemTally, type RunEstimateInput } from "./estimate.js";
import { priceFor } from "./prices.js";

const base: RunEstimateInput = {
  documents: { count: 10, totalTokens: 10_000 },
  method: "foveate",
  mu: 8,
  levels: ["micro", "scatter", "macro"],
  maxRounds: 5,
  important: false,
};

describe("estimateRun", () => {
  it("counts extraction, synthesis, answers and re-synthesis per document and level", () => {
    // Per level: 1 extraction + 1 synthesis + 8 answers + 15% of 8 items x (re-synthesis + answer).
    expect(estimateRun(base).calls).toBe(Math.round(10 * 3 * (1 + 1 + 8 + 0.15 * 8 * 2)));
    expect(estimateRun({ ...base, maxRounds: 0 }).calls).toBe(10 * 3 * 10);
    expect(estimateRun({ ...base, important: true }).calls).toBe(estimateRun(base).calls + 10);
    expect(estimateRun({ ...base, levels: ["micro"], maxRounds: 0 }).calls).toBe(100);
  });

  it("makes one call per document for self-qa", () => {
    const estimate = estimateRun({ ...base, method: "self-qa" });
    expect(estimate.calls).toBe(10);
    expect(estimate.completionTokens).toBeGreaterThan(10 * 8 * 200);
  });

  it("asks Self-QA for mu x levels pairs, as many as foveate's levels together", () => {
    const three = estimateRun({ ...base, method: "self-qa" });
    const one = estimateRun({ ...base, method: "self-qa", levels: ["micro"] });
    expect(three.completionTokens).toBeGreaterThan(10 * 24 * 200);
    expect(three.completionTokens - 10 * 10).toBe(3 * (one.completionTokens - 10 * 10));
    expect(three.assumptions.join("\n")).toMatch(/asks for 24 pairs \(mu x levels/);
  });

  it("sends the whole document with every call", () => {
    const small = estimateRun({ ...base, documents: { count: 10, totalTokens: 10_000 } });
    const large = estimateRun({ ...base, documents: { count: 10, totalTokens: 20_000 } });
    // Each document is sent once per call: 10,000 more document tokens, times the calls per document.
    expect(large.promptTokens - small.promptTokens).toBe((small.calls / 10) * 10_000);
    expect(large.completionTokens).toBe(small.completionTokens);
  });

  it("measures each call's own text from the prompt builders", () => {
    const estimate = estimateRun({ ...base, documents: { count: 1, totalTokens: 0 } });
    // Every call carries at least the system prompt, and the tasks add a good deal more.
    expect(estimate.promptTokens).toBeGreaterThan(estimate.calls * (estimateTokens(SYSTEM_PROMPT) + 50));
    expect(estimate.promptTokens).toBeLessThan(estimate.calls * 1_000);
  });

  it("estimates the documents' tokens when given their texts", () => {
    const documents = Array.from({ length: 3 }, () => ({ text: "word ".repeat(400) }));
    const fromTexts = estimateRun({ ...base, documents });
    const fromTotals = estimateRun({ ...base, documents: { count: 3, totalTokens: 1_500 } });
    expect(fromTexts).toEqual(fromTotals);
    expect(fromTexts.documents).toBe(3);
  });

  it("counts the repeated document prefix as cacheable", () => {
    const estimate = estimateRun({ ...base, levels: ["micro"], maxRounds: 0, documents: { count: 1, totalTokens: 1_000 } });
    expect(estimate.cacheablePromptTokens).toBe((estimate.calls - 1) * (1_000 + estimateTokens(SYSTEM_PROMPT)));
    expect(estimate.cacheablePromptTokens).toBeLessThan(estimate.promptTokens);
  });

  it("states its assumptions", () => {
    const text = estimateRun(base).assumptions.join("\n");
    expect(text).toMatch(/15% of items/);
    expect(text).toMatch(/4 characters per token/);
    expect(estimateRun({ ...base, maxRounds: 0 }).assumptions.join("\n")).toMatch(/no re-synthesis/);
  });

  it("rejects a bad budget or an unknown level", () => {
    expect(() => estimateRun({ ...base, mu: 0 })).toThrow(/mu/);
    expect(() => estimateRun({ ...base, levels: ["micro", "mezzo"] })).toThrow(/"mezzo"/);
  });
});

describe("documentCalls", () => {
  const settings: CallPlanInput = { method: "foveate", levels: ["micro", "scatter", "macro"], maxRounds: 5, important: false };

  it("splits one document's calls into one per step and those per item, as the run estimate counts them", () => {
    // Per level: extraction + synthesis, then 8 answers and 15% of 8 items x (re-synthesis + answer).
    const one = documentCalls(settings, 8);
    expect(one.fixed).toBe(3 * 2);
    expect(one.perItem).toBeCloseTo(3 * (8 + 0.15 * 8 * 2), 10);
    expect(estimateRun({ ...base, ...settings, mu: 8 }).calls).toBe(Math.round(10 * (one.fixed + one.perItem)));
  });

  it("follows the document's own budget, the importance step and the rounds allowed", () => {
    expect(documentCalls({ ...settings, levels: ["micro"], maxRounds: 0 }, 3)).toEqual({ fixed: 2, perItem: 3 });
    expect(documentCalls({ ...settings, levels: ["scatter"], maxRounds: 0, important: true }, 3)).toEqual({ fixed: 3, perItem: 3 });
    expect(documentCalls({ ...settings, method: "self-qa" }, 20)).toEqual({ fixed: 1, perItem: 0 });
  });

  it("rejects a budget that is not a positive integer", () => {
    expect(() => documentCalls(settings, 0)).toThrow(/mu must be a positive integer, got 0/);
    expect(() => documentCalls(settings, 2.5)).toThrow(/got 2.5/);
  });
});

describe("finishedItemCalls", () => {
  const tally = (more: Partial<ItemTally> = {}): ItemTally => ({ budget: 100, features: 100, recovered: 0, droppedReasons: {}, ...more });

  it("takes what was planned when finished documents went as the estimate assumes", () => {
    // 100 items asked, all found, 15 re-synthesized once and kept: 100 answers + 15 x 2.
    const calls = finishedItemCalls([tally({ recovered: 15 })], 5);
    expect(calls.took).toBe(130);
    expect(calls.planned).toBeCloseTo(130, 10);
  });

  it("counts every round of the items dropped after re-synthesis, with no answer when their instruction was at fault", () => {
    // 10 unanswerable after 5 rounds: 10 x 5 x 2 calls; 4 that kept quoting their sentence: one call per round, no answer ever.
    const dropped = tally({ droppedReasons: { unanswerable: 10, "quotes its sentence": 4 } });
    expect(finishedItemCalls([dropped], 5).took).toBe(100 - 4 + 10 * 5 * 2 + 4 * 5);
  });

  it("takes fewer with features not found, adds levels up, and plans no re-synthesis with --max-rounds 0", () => {
    expect(finishedItemCalls([tally({ features: 50 })], 5).took).toBe(50);
    const levels = [tally({ budget: 8, features: 8 }), tally({ budget: 8, features: 4, droppedReasons: { "missing keyword": 1 } })];
    expect(finishedItemCalls(levels, 0)).toEqual({ planned: 16, took: 8 + 4 - 1 });
  });

  it("is nothing before any document finished", () => {
    expect(finishedItemCalls([], 5)).toEqual({ planned: 0, took: 0 });
  });
});
