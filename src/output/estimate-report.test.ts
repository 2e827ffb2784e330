import { describe, expect, it } from "vitest";
import { estimateRun } from "../cost/estimate.js";
import { priceFor } from "../cost/prices.js";
import { formatEstimate } from "./estimate-report.js";


describe("formatEstimate", () => {
  const estimate = {
    documents: 480,
    calls: 17_856,
    promptTokens: 30_000_000,
    completionTokens: 2_000_000,
    cacheablePromptTokens: 20_000_000,
    assumptions: ["first assumption", "second assumption"],
  };

  it("shows calls, tokens, the cost at table prices and the assumptions", () => {
    const text = formatEstimate(estimate, priceFor("gpt-4o-mini"));
    expect(text).toContain("480 documents");
    expect(text).toContain("about 17,900 LLM calls");
    expect(text).toContain("30,000,000 prompt, 2,000,000 completion");
    // 30M x $0.15 + 2M x $0.60 = $5.70; with 20M cached at $0.075: $4.20.
    expect(text).toMatch(/Cost: about \$5\.70 at gpt-4o-mini prices of \d{4}-\d{2}-\d{2} \(\$0\.15 in, \$0\.60 out/);
    expect(text).toContain("as low as $4.20");
    expect(text).toContain("  - second assumption");
  });

  it("names given prices and says so when the price is unknown", () => {
    expect(formatEstimate(estimate, priceFor("local", { input: 0, output: 0 }))).toContain("$0.00 at the prices given");
    expect(formatEstimate(estimate)).toContain("price unknown: pass --price-in and --price-out");
  });

  it("never speaks of prices given when the local engine runs without any", () => {
    const text = formatEstimate(estimate, { input: 0, cachedInput: 0, output: 0, local: true });
    expect(text.split("\n").filter((l) => l.startsWith("Cost:"))).toEqual([
      "Cost: nothing per token: the local engine runs on this machine (--price-in and --price-out put a price on it)",
    ]);
    expect(formatEstimate(estimate, { input: 1, cachedInput: 1, output: 2, local: true, overridden: true })).toContain("at the prices given");
  });

  it("gives a realistic figure for the default run on gpt-4o-mini", () => {
    const run = estimateRun({ documents: { count: 1_000, totalTokens: 1_000 * 1_500 }, method: "foveate", mu: 8, levels: ["micro", "scatter", "macro"], maxRounds: 5, important: false });
    const text = formatEstimate(run, priceFor("gpt-4o-mini"));
    const dollars = Number(/Cost: about \$([\d.,]+)/.exec(text)![1]!.replace(/,/g, ""));
    expect(dollars).toBeGreaterThan(5);
    expect(dollars).toBeLessThan(50);
  });
});
