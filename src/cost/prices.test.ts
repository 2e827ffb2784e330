import { describe, expect, it } from "vitest";
import { batchPriceFor, costOf, costOfRun, formatUsd, PRICED_MODELS, PRICES_AS_OF, priceFor } from "./prices.js";

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

describe("batchPriceFor", () => {
  it("is half the list price, cached input included, for every model of the table", () => {
    expect(batchPriceFor("gpt-4o-mini")).toEqual({ input: 0.075, cachedInput: 0.0375, output: 0.3, model: "gpt-4o-mini", batch: true });
    expect(batchPriceFor("gpt-4o")).toMatchObject({ input: 1.25, cachedInput: 0.625, output: 5 });
    expect(batchPriceFor("openai/gpt-5-mini-2025-08-07")).toMatchObject({ input: 0.125, cachedInput: 0.0125, output: 1, model: "gpt-5-mini" });
    for (const model of PRICED_MODELS) {
      const list = priceFor(model)!;
      const batch = batchPriceFor(model)!;
      expect([batch.input, batch.cachedInput, batch.output]).toEqual([list.input / 2, list.cachedInput / 2, list.output / 2]);
    }
  });

  it("takes overrides of the batch price, and halves an overridden list price", () => {
    expect(batchPriceFor("gpt-4o-mini", { output: 0.2 })).toMatchObject({ input: 0.075, cachedInput: 0.0375, output: 0.2, overridden: true });
    // An overridden input rate keeps the table's cache discount: gpt-4o-mini's cached input is half its input.
    expect(batchPriceFor("gpt-4o-mini", { input: 0.1 })).toMatchObject({ input: 0.1, cachedInput: 0.05, output: 0.3 });
    expect(batchPriceFor("gpt-4o-mini", {}, { input: 1, output: 2 })).toMatchObject({ input: 0.5, cachedInput: 0.25, output: 1, overridden: true });
    expect(batchPriceFor("my-local-model", {}, { input: 1, output: 2 })).toMatchObject({ input: 0.5, cachedInput: 0.5, output: 1 });
  });

  it("is unknown for a model without a list price unless both batch rates are given", () => {
    expect(batchPriceFor("my-local-model")).toBeUndefined();
    expect(batchPriceFor("my-local-model", { input: 1 })).toBeUndefined();
    expect(batchPriceFor("my-local-model", { input: 1, output: 3 })).toEqual({ input: 1, cachedInput: 1, output: 3, overridden: true, batch: true });
  });
});

describe("costOfRun", () => {
  it("prices live replies at the list price and batched ones at the batch price", () => {
    const price = priceFor("gpt-4o")!;
    const batchPrice = batchPriceFor("gpt-4o")!;
    const batched = { promptTokens: 1_000_000, completionTokens: 100_000, cachedPromptTokens: 200_000 };
    const usage = { promptTokens: 3_000_000, completionTokens: 300_000, cachedPromptTokens: 200_000, batched };
    const cost = costOfRun(usage, price, batchPrice);
    // Live: 2M uncached at $2.50, 200k output at $10. Batched: 800k at $1.25, 200k cached at $0.625, 100k output at $5.
    expect(cost.liveUsd).toBeCloseTo(5 + 2, 9);
    expect(cost.batchUsd).toBeCloseTo(1 + 0.125 + 0.5, 9);
    expect(cost.totalUsd).toBeCloseTo(8.625, 9);
    const none = { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 };
    expect(costOfRun({ ...usage, batched: none }, price, batchPrice).totalUsd).toBeCloseTo(costOf(usage, price), 9);
    expect(costOfRun({ ...batched, batched }, price, batchPrice).totalUsd).toBeCloseTo(costOf(batched, price) / 2, 9);
  });
});
