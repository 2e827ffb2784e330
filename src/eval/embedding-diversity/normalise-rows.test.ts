import { describe, expect, it } from "vitest";
import { normaliseRows } from "./normalise-rows.js";

describe("normaliseRows", () => {
  it("copies the non-zero vectors into rows, with their lengths, input positions and unit-vector sum", () => {
    const set = normaliseRows([new Float32Array([3, 4]), new Float32Array(2), new Float32Array([0, 2])]);
    expect(set).toMatchObject({ n: 2, d: 2, zeroVectors: 1 });
    expect(Array.from(set.rows)).toEqual([3, 4, 0, 2]);
    expect(Array.from(set.origin)).toEqual([0, 2]);
    expect(Array.from(set.lengths2)).toEqual([25, 4]);
    expect(Array.from(set.scale)).toEqual([1 / 5, 1 / 2]);
    expect(set.sum[0]).toBeCloseTo(0.6, 15);
    expect(set.sum[1]).toBeCloseTo(1.8, 15);
    expect(set.sumSquares).toBeCloseTo(2, 15);
  });

  it("has nothing to keep from no vectors", () => {
    expect(normaliseRows([])).toMatchObject({ n: 0, d: 0, zeroVectors: 0 });
  });
});
