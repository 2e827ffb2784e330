import { describe, expect, it } from "vitest";
import { estimateRun, type RunEstimateInput } from "../cost/estimate.js";
import { priceFor } from "../cost/prices.js";
import { formatEstimate } from "./estimate-report.js";

const base: RunEstimateInput = {
  documents: { count: 10, totalTokens: 10_000 },
  method: "foveate",
  mu: 8,
  levels: ["micro", "scatter", "macro"],
  maxRounds: 5,
  important: false,
};

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

  it("gives a realistic figure for the default run on gpt-4o-mini", () => {
    const run = estimateRun({ ...base, documents: { count: 1_000, totalTokens: 1_000 * 1_500 } });
    const text = formatEstimate(run, priceFor("gpt-4o-mini"));
    const dollars = Number(/Cost: about \$([\d.,]+)/.exec(text)![1]!.replace(/,/g, ""));
    expect(dollars).toBeGreaterThan(5);
    expect(dollars).toBeLessThan(50);
  });
});
