import { describe, expect, it } from "vitest";
import { formatBudgetDistribution } from "./budget-distribution.js";

describe("formatBudgetDistribution", () => {
  it("prints min, median, max and a histogram", () => {
    expect(formatBudgetDistribution([8, 6, 8, 10])).toBe(
      ["Budgets per document and level: min 6, median 8, max 10 (4 documents)", "    6 ############### 1", "    8 ############################## 2", "   10 ############### 1"].join("\n"),
    );
  });
});
