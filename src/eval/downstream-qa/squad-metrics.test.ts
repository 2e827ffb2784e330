import { describe, expect, it } from "vitest";
import { bestOverlap, normalizeAnswer, tokenSetOverlap } from "./squad-metrics.js";

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
});
