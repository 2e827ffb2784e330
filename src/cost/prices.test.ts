import { describe, expect, it } from "vitest";
import { costOf, formatUsd, PRICED_MODELS, PRICES_AS_OF, priceFor } from "./prices.js";

describe("priceFor", () => {
  it("has the common models, dated", () => {
    for (const model of [
      "gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5", "gpt-5-mini", "gpt-5-nano",
      "o3", "o4-mini", "deepseek-chat", "deepseek-reasoner",
    ]) {
      expect(PRICED_MODELS).toContain(model);
    }
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("finds a model by its exact name", () => {
    expect(priceFor("gpt-4o-mini")).toEqual({ input: 0.15, cachedInput: 0.075, output: 0.6, model: "gpt-4o-mini" });
    expect(priceFor("deepseek-chat")).toMatchObject({ input: 0.28, cachedInput: 0.028, output: 0.42 });
  });

  it("takes the longest table name that a dated or variant name starts with", () => {
    expect(priceFor("gpt-4o-mini-2024-07-18")?.model).toBe("gpt-4o-mini");
    expect(priceFor("gpt-4o-2024-08-06")?.model).toBe("gpt-4o");
    expect(priceFor("gpt-4o-2024-05-13")).toMatchObject({ input: 5, output: 15 });
    expect(priceFor("gpt-4.1-mini-2025-04-14")?.model).toBe("gpt-4.1-mini");
    expect(priceFor("o3-mini-2025-01-31")?.model).toBe("o3-mini");
    expect(priceFor("o3-2025-04-16")?.model).toBe("o3");
  });

  it("does not price a newer model as an older one that its name merely starts with", () => {
    expect(priceFor("gpt-5.5")).toBeUndefined();
    expect(priceFor("o30")).toBeUndefined();
  });

  it("drops a provider prefix and ignores case", () => {
    expect(priceFor("openai/gpt-4o-mini")?.model).toBe("gpt-4o-mini");
    expect(priceFor("deepseek/deepseek-reasoner")?.model).toBe("deepseek-reasoner");
    expect(priceFor("GPT-4o")?.model).toBe("gpt-4o");
  });

  it("is undefined for an unknown model without both overrides", () => {
    expect(priceFor("llama-3.1-8b-instruct")).toBeUndefined();
    expect(priceFor("Qwen/Qwen2.5-7B-Instruct", { input: 0.1 })).toBeUndefined();
  });

  it("prices an unknown model from overrides, cached input at the input rate", () => {
    expect(priceFor("my-local-model", { input: 0.2, output: 0.6 })).toEqual({ input: 0.2, cachedInput: 0.2, output: 0.6 });
  });

  it("lets overrides replace the table's figures, keeping the cache discount", () => {
    expect(priceFor("gpt-4o-mini", { output: 1 })).toEqual({
      input: 0.15,
      cachedInput: 0.075,
      output: 1,
      model: "gpt-4o-mini",
      overridden: true,
    });
    expect(priceFor("gpt-4o-mini", { input: 0.3 })).toMatchObject({ input: 0.3, cachedInput: 0.15, output: 0.6 });
  });
});

describe("costOf", () => {
  it("counts cached prompt tokens at the cached rate", () => {
    const price = { input: 2, cachedInput: 0.5, output: 8 };
    expect(costOf({ promptTokens: 1_000_000, completionTokens: 0, cachedPromptTokens: 0 }, price)).toBeCloseTo(2);
    expect(costOf({ promptTokens: 1_000_000, completionTokens: 0, cachedPromptTokens: 400_000 }, price)).toBeCloseTo(1.4);
    expect(costOf({ promptTokens: 10_000, completionTokens: 2_000, cachedPromptTokens: 0 }, price)).toBeCloseTo(0.036);
  });

  it("never counts more cached tokens than prompt tokens", () => {
    const price = { input: 1, cachedInput: 0, output: 0 };
    expect(costOf({ promptTokens: 100, completionTokens: 0, cachedPromptTokens: 500 }, price)).toBe(0);
  });
});

describe("formatUsd", () => {
  it("shows cents, or two significant digits below a cent", () => {
    expect(formatUsd(12.3456)).toBe("$12.35");
    expect(formatUsd(0.84)).toBe("$0.84");
    expect(formatUsd(1234.5)).toBe("$1,234.50");
    expect(formatUsd(0.0042)).toBe("$0.0042");
    expect(formatUsd(0.000123)).toBe("$0.00012");
    expect(formatUsd(0)).toBe("$0.00");
  });
});
