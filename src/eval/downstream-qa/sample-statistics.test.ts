import { describe, expect, it } from "vitest";
import { mean, sampleStd } from "./sample-statistics.js";

describe("mean and sample standard deviation", () => {
  it("averages, and takes the sample standard deviation (0 for one value)", () => {
    expect(mean([1, 2, 3])).toBe(2);
    expect(sampleStd([1, 2, 3])).toBeCloseTo(1, 12);
    expect(sampleStd([5])).toBe(0);
  });
});
