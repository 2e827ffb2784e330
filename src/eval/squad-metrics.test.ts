import { describe, expect, it } from "vitest";
import { bestOverlap, mean, normalizeAnswer, sampleStd, tokenSetOverlap, wilsonInterval } from "./squad-metrics.js";

describe("SQuAD normalisation and token-set overlap", () => {
  it("lowercases, strips punctuation and articles, squeezes spaces", () => {
    expect(normalizeAnswer("  The  Eiffel Tower, in Paris!  ")).toBe("eiffel tower in paris");
    expect(normalizeAnswer("An apple a day")).toBe("apple day");
    expect(normalizeAnswer("Theatre")).toBe("theatre");
  });

  it("counts each token once (sets, not bags)", () => {
    // answer tokens {paris, paris} -> {paris}; gold {paris, france}
    expect(tokenSetOverlap("Paris Paris", "Paris, France")).toEqual({ precision: 1, recall: 0.5, f1: 2 / 3 });
  });

  it("gives zeros without common tokens and takes the best of several references", () => {
    expect(tokenSetOverlap("London", "Paris")).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(bestOverlap("It was built in 1911.", ["1903", "in 1911"]).recall).toBe(1);
  });

  it("averages, sample standard deviation and the Wilson interval", () => {
    expect(mean([1, 2, 3])).toBe(2);
    expect(sampleStd([1, 2, 3])).toBeCloseTo(1, 12);
    expect(sampleStd([5])).toBe(0);
    const [low, high] = wilsonInterval(30, 50);
    expect(low).toBeCloseTo(0.4618, 3);
    expect(high).toBeCloseTo(0.7239, 3);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});
