import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ScriptedModel, type ScriptedCall } from "../../test/support/scripted-model.js";
import { startSimServer } from "../../test/support/sim-server.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { AbortedError } from "../errors.js";
import { createOpenAIEngine } from "../llm/http/openai-engine.js";
import type { CompletionRequest, LanguageModel } from "../llm/port.js";
import { SpendingLimit } from "../pipeline/spending-limit.js";
import { cachedModel } from "../store/cached-model.js";
import { RunStore } from "../store/run-store.js";
import { ITEM_JUDGE_PROMPT_VERSION } from "./item-judge-prompt.js";
import { itemPassage } from "./item-passage.js";
import { JUDGE_MAX_TOKENS, judgeItems, stoppedAtCost, verdictCounts, type ItemVerdict, type JudgeProgress } from "./judge-items.js";

const items = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ instruction: `Question ${i}?`, output: `Answer ${i}.`, passage: `Passage ${i} says something.` }));

/** A judge that rates item i by the number in its instruction: groundedness 10 - i % 10, usefulness 7. */
const byNumber = (call: ScriptedCall) => {
  const i = Number(/Question (\d+)/.exec(String(call.tag("instruction")))![1]);
  return { groundedness: 10 - (i % 10), usefulness: 7, reason: `item ${i}\nrated` };
};

const scoreOf = (verdict: ItemVerdict | undefined) => (verdict && "score" in verdict ? verdict.score : undefined);

describe("judgeItems", () => {
  it("rates each item in its order with the lower of its two ratings, and a one-line reason", async () => {
    const judge = new ScriptedModel(byNumber);
    const verdicts = await judgeItems(items(12), { judge, concurrency: 4 });
    expect(verdicts.map(scoreOf)).toEqual([7, 7, 7, 7, 6, 5, 4, 3, 2, 1, 7, 7]);
    expect(verdicts[5]).toEqual({ score: 5, groundedness: 5, usefulness: 7, reason: "item 5 rated" });
    expect(judge.calls).toHaveLength(12);
    expect(judge.calls[0]!.request.sampling).toEqual({ temperature: 0, maxTokens: JUDGE_MAX_TOKENS });
    expect(judge.calls[0]!.step).toBe("curate_item_judgement");
    expect(verdictCounts(verdicts, 5)).toEqual({ judged: 12, low: 4, failed: 0, unjudged: 0 });
    expect(stoppedAtCost(verdicts)).toBe(false);
  });

  it("keeps at most `concurrency` calls in flight", async () => {
    const inner = new ScriptedModel(byNumber);
    let inFlight = 0;
    let most = 0;
    const judge: LanguageModel = {
      description: inner.description,
      modelId: inner.modelId,
      complete: async (request: CompletionRequest) => {
        most = Math.max(most, ++inFlight);
        // Let the other calls start before this one ends.
        for (let i = 0; i < 5; i++) await Promise.resolve();
        try {
          return await inner.complete(request);
        } finally {
          inFlight--;
        }
      },
    };
    await judgeItems(items(20), { judge, concurrency: 3 });
    expect(most).toBe(3);
  });

  it("asks again after an unusable reply, and counts an item failed (not removed) when its replies stay unusable", async () => {
    const judge = new ScriptedModel((call) => {
      if (call.prompt.includes("Question 1?")) return call.reask ? "still not JSON" : '{"groundedness": 12, "usefulness": 5, "reason": "x"}';
      if (call.prompt.includes("Question 2?") && !call.reask) return "I think it is fine.";
      return byNumber(call);
    });
    const progress: JudgeProgress[] = [];
    const verdicts = await judgeItems(items(3), { judge, concurrency: 1, maxReasks: 2, onProgress: (p) => progress.push(p) });
    expect(scoreOf(verdicts[0])).toBe(7);
    expect(verdicts[1]).toEqual({ failed: expect.stringContaining("curate_item_judgement") });
    expect(scoreOf(verdicts[2])).toBe(7);
    // Item 1: the first reply and two re-asks; item 2: one re-ask.
    expect(judge.calls.filter((c) => c.prompt.includes("Question 1?"))).toHaveLength(3);
    expect(judge.calls.filter((c) => c.prompt.includes("Question 2?"))).toHaveLength(2);
    expect(verdictCounts(verdicts, 5)).toEqual({ judged: 2, low: 0, failed: 1, unjudged: 0 });
    expect(progress.at(-1)).toMatchObject({ done: 3, total: 3, failed: 1, calls: 6 });
    expect(progress.at(-1)!.usage).toEqual({ promptTokens: 60, completionTokens: 30, cachedPromptTokens: 0 });
  });

  it("stops cleanly at the spending limit, marks the rest unjudged, and a rerun pays only for them", async () => {
    const store = RunStore.open(join(tempDir("foveate-judge-"), "run.db"));
    const usage = { promptTokens: 700, completionTokens: 40, cachedPromptTokens: 0 };
    // $1,000 per million tokens: a call of 740 tokens costs $0.74.
    const price = { input: 1000, cachedInput: 1000, output: 1000 };
    const inner = new ScriptedModel(byNumber, usage);
    const cache = (m: LanguageModel) => cachedModel(m, store, { promptVersion: ITEM_JUDGE_PROMPT_VERSION });
    const spending = new SpendingLimit(6, price);
    const first = await judgeItems(items(20), { judge: inner, concurrency: 2, spending, cache });
    const judged = first.filter((v) => "score" in v).length;
    expect(judged).toBeGreaterThan(2);
    expect(judged).toBeLessThan(20);
    expect(first.filter((v) => "unjudged" in v)).toHaveLength(20 - judged);
    expect(stoppedAtCost(first)).toBe(true);
    expect(inner.calls).toHaveLength(judged);
    expect(spending.spentUsd).toBeLessThanOrEqual(6);
    expect(spending.spentUsd).toBeCloseTo(judged * 0.74, 6);

    // Run again under a larger limit: what was judged is replayed free, the rest is paid for.
    const again = new SpendingLimit(100, price, spending.spentUsd);
    const second = await judgeItems(items(20), { judge: inner, concurrency: 2, spending: again, cache });
    expect(second.map(scoreOf)).toEqual(items(20).map((_, i) => Math.min(10 - (i % 10), 7)));
    expect(second.slice(0, judged)).toEqual(first.slice(0, judged));
    expect(inner.calls).toHaveLength(20);
    expect(again.spentUsd).toBeCloseTo(20 * 0.74, 6);

    // And under the first, spent limit: nothing left to pay for, everything replayed.
    const third = await judgeItems(items(20), { judge: inner, concurrency: 2, spending: new SpendingLimit(6, price, again.spentUsd), cache });
    expect(third).toEqual(second);
    expect(inner.calls).toHaveLength(20);
    store.close();
  });

  it("stops sending when aborted and rejects with AbortedError once the calls in flight end", async () => {
    const controller = new AbortController();
    const judge = new ScriptedModel((call) => {
      if (call.prompt.includes("Question 2?")) controller.abort();
      return byNumber(call);
    });
    await expect(judgeItems(items(30), { judge, concurrency: 2, signal: controller.signal })).rejects.toThrow(AbortedError);
    expect(judge.calls.length).toBeLessThanOrEqual(4);
    const before = new ScriptedModel(byNumber);
    await expect(judgeItems(items(3), { judge: before, concurrency: 2, signal: AbortSignal.abort() })).rejects.toThrow(AbortedError);
    expect(before.calls).toHaveLength(0);
  });

  it("rejects with an error that is not about the reply, without starting the remaining items", async () => {
    const judge = new ScriptedModel((call) => {
      if (call.prompt.includes("Question 1?")) throw new Error("the server refused the key");
      return byNumber(call);
    });
    await expect(judgeItems(items(30), { judge, concurrency: 1 })).rejects.toThrow("the server refused the key");
    expect(judge.calls).toHaveLength(2);
  });
});

describe("judgeItems against the simulated server", () => {
  it("scores planted bad items low, and a second run through the reply cache makes no calls", async () => {
    const server = await startSimServer();
    try {
      const store = RunStore.open(join(tempDir("foveate-judge-sim-"), "run.db"));
      const sentence = "The harbour bridge was opened to traffic in March 1932 after eight years of construction.";
      const document = `The city grew around its harbour. ${sentence} Ferries carried most commuters before then.`;
      const passage = itemPassage({ features: ["bridge"] }, document);
      const planted = [
        { instruction: "When was the harbour bridge opened to traffic?", output: "It opened in March 1932, after eight years of construction." },
        { instruction: "Who designed the harbour bridge?", output: "Engineer Johann Brennermann designed its steel arches for Lisbon." },
        { instruction: "How did commuters cross before the bridge?", output: "The passage does not say how commuters crossed." },
        { instruction: "What did ferries carry?", output: "Commuters." },
      ].map((item) => ({ ...item, passage }));
      const judge = createOpenAIEngine({ baseURL: server.baseURL, model: "sim-model" });
      const cache = (m: LanguageModel) => cachedModel(m, store, { promptVersion: ITEM_JUDGE_PROMPT_VERSION });

      const first = await judgeItems(planted, { judge, concurrency: 4, cache });
      const [good, made, refusing, short] = first.map(scoreOf);
      expect(good).toBeGreaterThanOrEqual(8);
      expect(made).toBeLessThanOrEqual(3);
      expect(refusing).toBeLessThanOrEqual(6);
      expect(short).toBeLessThanOrEqual(6);
      expect(first[1]).toMatchObject({ groundedness: made, reason: expect.stringContaining("brennermann") });
      expect(verdictCounts(first, 7)).toEqual({ judged: 4, low: 3, failed: 0, unjudged: 0 });
      const calls = server.stats.byStep.curate_item_judgement;
      expect(calls).toBe(4);

      const progress: JudgeProgress[] = [];
      const second = await judgeItems(planted, { judge, concurrency: 4, cache, onProgress: (p) => progress.push(p) });
      expect(second).toEqual(first);
      expect(server.stats.byStep.curate_item_judgement).toBe(calls);
      expect(progress.at(-1)).toMatchObject({ done: 4, calls: 0, usage: { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 } });
      store.close();
    } finally {
      await server.close();
    }
  });
});
