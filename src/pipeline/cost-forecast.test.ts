import { describe, expect, it } from "vitest";
import type { CompletionRequest } from "../llm/port.js";
import { callShape, COMPLETION_MARGIN, CostForecast, PRIOR_COMPLETION_TOKENS, PRIOR_PROMPT_RATIO_BOUND, PROMPT_MARGIN, WARM_UP_REPLIES, type CallShape } from "./cost-forecast.js";

// $1 per million tokens in and out, cached prompt tokens at a tenth: a token costs a micro-dollar.
const price = { input: 1, cachedInput: 0.1, output: 1 };
const usd = (tokens: number) => tokens / 1e6;
const shape = (step: string, estimatedPromptTokens: number, maxTokens?: number): CallShape => ({ step, estimatedPromptTokens, maxTokens });
const usage = (promptTokens: number, completionTokens: number, cachedPromptTokens = 0) => ({ promptTokens, completionTokens, cachedPromptTokens });

describe("callShape", () => {
  it("names the step by its schema, estimates every message with its formatting, and keeps max_tokens", () => {
    const request: CompletionRequest = {
      messages: [
        { role: "system", content: "x".repeat(400) },
        { role: "user", content: "y".repeat(40) },
      ],
      sampling: { maxTokens: 300 },
      responseSchema: { name: "answer", schema: {} },
    };
    expect(callShape(request)).toEqual({ step: "answer", estimatedPromptTokens: 100 + 4 + 10 + 4, maxTokens: 300 });
    expect(callShape({ messages: [], sampling: {} })).toEqual({ step: "text", estimatedPromptTokens: 0, maxTokens: undefined });
  });
});

describe("CostForecast", () => {
  it("before any reply, expects max_tokens or the prior, and bounds the prompt by the prior ratio", () => {
    const f = new CostForecast(price);
    expect(f.cost(shape("a", 1000, 200))).toEqual({ expectedUsd: usd(1000 + 200), boundUsd: usd(1000 * PRIOR_PROMPT_RATIO_BOUND + 200) });
    expect(f.cost(shape("a", 1000))).toEqual({ expectedUsd: usd(1000 + PRIOR_COMPLETION_TOKENS), boundUsd: usd(1000 * PRIOR_PROMPT_RATIO_BOUND + PRIOR_COMPLETION_TOKENS) });
  });

  it("expects the completion size its step has been producing, step by step", () => {
    const f = new CostForecast(price);
    for (const completion of [100, 300]) f.learn(shape("short", 1000), usage(1000, completion));
    f.learn(shape("long", 1000), usage(1000, 2000));
    expect(f.cost(shape("short", 1000)).expectedUsd).toBeCloseTo(usd(1000 + 200), 12);
    expect(f.cost(shape("long", 1000)).expectedUsd).toBeCloseTo(usd(1000 + 2000), 12);
    // A step not heard from yet still gets the cautious prior, whatever the others produced.
    expect(f.cost(shape("new", 1000)).expectedUsd).toBeCloseTo(usd(1000 + PRIOR_COMPLETION_TOKENS), 12);
  });

  it("calibrates the prompt estimate by what the server reported, and expects its cache hits", () => {
    const f = new CostForecast(price);
    f.learn(shape("a", 1000), usage(1200, 0));
    f.learn(shape("a", 1000), usage(1400, 0, 650));
    // 2,600 reported for 2,000 estimated: 1.3 per estimated token, a quarter of them cached.
    const { expectedUsd, boundUsd } = f.cost(shape("a", 500));
    expect(expectedUsd).toBeCloseTo(usd(650 * 0.75 + 650 * 0.25 * 0.1), 12);
    // The bound: the largest ratio seen (1.4), with a margin, and no cache hit.
    expect(boundUsd).toBeGreaterThanOrEqual(usd(500 * 1.4 * PROMPT_MARGIN) - 1e-15);
  });

  it("bounds a completion by the prior until the step has warmed up, then by its largest reply with a margin", () => {
    const f = new CostForecast(price);
    const completionBound = () => f.cost(shape("a", 0)).boundUsd * 1e6;
    for (let i = 1; i < WARM_UP_REPLIES; i++) {
      f.learn(shape("a", 100), usage(100, 100));
      expect(completionBound()).toBeCloseTo(PRIOR_COMPLETION_TOKENS, 6);
    }
    f.learn(shape("a", 100), usage(100, 120));
    expect(completionBound()).toBeCloseTo(120 * COMPLETION_MARGIN, 6);
  });

  it("never bounds a completion above max_tokens, nor below what is expected", () => {
    const f = new CostForecast(price);
    for (let i = 0; i < WARM_UP_REPLIES; i++) f.learn(shape("a", 100), usage(100, 300));
    expect(f.cost(shape("a", 0, 350)).boundUsd).toBeCloseTo(usd(350), 12);
    // A server that ignored max_tokens: the bound follows what it really does.
    expect(f.cost(shape("a", 0, 200)).boundUsd).toBeCloseTo(usd(300), 12);
  });

  it("learns nothing from a reply without usage", () => {
    const f = new CostForecast(price);
    const before = f.cost(shape("a", 1000));
    f.learn(shape("a", 1000), usage(0, 0));
    expect(f.cost(shape("a", 1000))).toEqual(before);
  });
});
