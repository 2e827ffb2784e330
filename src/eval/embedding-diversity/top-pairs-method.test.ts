import { describe, expect, it } from "vitest";
import { describeTopPairsMethod, type TopPairsMethod } from "./top-pairs-method.js";

const lsh = (missProbability: number, recallAtCosine = 0.995): TopPairsMethod => ({
  kind: "lsh",
  exact: false,
  bands: 12,
  bitsPerBand: 16,
  poolBits: 1024,
  candidates: 123456,
  duplicateGroups: 0,
  complete: true,
  recallCosine: 0.9,
  recallAtCosine,
  missProbability,
});

describe("describeTopPairsMethod", () => {
  it("says when no pairs were asked for, and how many an exact search scored", () => {
    expect(describeTopPairsMethod({ kind: "none", exact: true })).toBe("no pairs asked for");
    expect(describeTopPairsMethod({ kind: "exact", exact: true, pairs: 1234567 })).toBe("exact: all 1,234,567 pairs scored");
  });

  it("states the LSH layout, the recall and the bound", () => {
    expect(describeTopPairsMethod(lsh(2.5e-7), 5)).toBe(
      "approximate: SimHash LSH, 12 bands of 16 bits from 1024 hyperplanes, 123,456 candidate pairs scored exactly; " +
        "a pair of cosine >= 0.9 is found with probability 0.995; P(top-5 differs from the exact one) <= 2.5e-7",
    );
    expect(describeTopPairsMethod(lsh(1e-20, 1 - 1e-5))).toMatch(/probability 1 - 1\.0e-5; P\(top-k differs from the exact one\) < 1e-15$/);
    expect(describeTopPairsMethod(lsh(0.25, 1))).toMatch(/probability 1; P\(top-k differs from the exact one\) <= 0\.250$/);
  });
});
