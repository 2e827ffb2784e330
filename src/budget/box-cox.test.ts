import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { boxCoxLogLikelihood, boxCoxMle, boxCoxTransform, standardizedBoxCox } from "./box-cox.js";
import { BOX_COX_PARITY } from "../../test/support/fixtures.js";

interface ParityCase {
  counts: number[];
  offset: number;
  lambda: number;
  transformed: number[];
  z: number[];
}

const parityPath = BOX_COX_PARITY;
const parity = JSON.parse(readFileSync(parityPath, "utf8")) as { cases: ParityCase[] };

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  expect(a).toHaveLength(b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
}

const shiftedCounts = (c: ParityCase): number[] => c.counts.map((v) => v + c.offset);

describe("Box-Cox parity with scipy.stats.boxcox", () => {
  it("has the cases it claims", () => {
    expect(parity.cases.length).toBeGreaterThan(0);
  });

  parity.cases.forEach((c, index) => {
    describe(`case ${index} (${c.counts.length} counts)`, () => {
      it("finds lambda to 1e-6", () => {
        expect(Math.abs(boxCoxMle(shiftedCounts(c)) - c.lambda)).toBeLessThan(1e-6);
      });

      it("finds a lambda at least as likely as SciPy's (beyond rounding noise)", () => {
        const x = shiftedCounts(c);
        const ours = boxCoxLogLikelihood(x, boxCoxMle(x));
        const theirs = boxCoxLogLikelihood(x, c.lambda);
        expect(ours).toBeGreaterThanOrEqual(theirs - 1e-12 * (1 + Math.abs(theirs)));
      });

      it("transforms to 1e-6 at SciPy's lambda", () => {
        const t = boxCoxTransform(shiftedCounts(c), c.lambda);
        expect(maxAbsDiff(t, c.transformed)).toBeLessThan(1e-6);
      });

      it("transforms at our own lambda to within what the lambda tolerance allows", () => {
        // dT/dlambda can reach ~60 here, so 1e-6 in lambda is worth up to ~1e-4 in T.
        const x = shiftedCounts(c);
        const t = boxCoxTransform(x, boxCoxMle(x));
        c.transformed.forEach((expected, i) => {
          expect(Math.abs(t[i]! - expected)).toBeLessThan(1e-6 * Math.max(1, Math.abs(expected)) * 100);
        });
      });

      it("standardises to z within 1e-6, at SciPy's lambda and at ours", () => {
        const x = shiftedCounts(c);
        expect(maxAbsDiff(standardizedBoxCox(x, c.lambda), c.z)).toBeLessThan(1e-6);
        expect(maxAbsDiff(standardizedBoxCox(x, boxCoxMle(x)), c.z)).toBeLessThan(1e-6);
      });
    });
  });
});

describe("boxCoxTransform", () => {
  it("is log x at lambda 0 and (x^l - 1)/l elsewhere", () => {
    expect(boxCoxTransform([1, Math.E, 10], 0)).toEqual([0, 1, Math.log(10)]);
    const t = boxCoxTransform([1, 4, 9], 0.5);
    expect(t[0]).toBe(0);
    expect(t[1]).toBeCloseTo(2, 14);
    expect(t[2]).toBeCloseTo(4, 14);
    expect(boxCoxTransform([2], -1)[0]).toBeCloseTo(0.5, 14);
  });

  it("tends smoothly to log x as lambda goes to 0", () => {
    for (const lambda of [1e-8, -1e-8, 1e-12, 1e-300]) {
      const [t] = boxCoxTransform([50], lambda);
      const log = Math.log(50);
      // T = log x + lambda (log x)^2 / 2 + ...
      expect(Math.abs(t! - (log + (lambda * log * log) / 2))).toBeLessThan(1e-14);
    }
  });

  it("rejects values that are not positive", () => {
    expect(() => boxCoxTransform([1, 0], 1)).toThrow(RangeError);
    expect(() => boxCoxTransform([-1], 1)).toThrow(RangeError);
    expect(() => boxCoxTransform([Number.NaN], 1)).toThrow(RangeError);
  });
});

describe("boxCoxLogLikelihood", () => {
  const x = [12, 30, 7, 22, 18, 45, 9, 27, 33, 15];
  // Values from scipy.stats.boxcox_llf.
  const reference: Array<[number, number]> = [
    [-3, -35.940671085508896],
    [-1, -25.69532557282775],
    [0, -23.66032942996585],
    [0.5, -23.65798515214783],
    [2, -27.415599342345196],
    [10, -81.67431580878576],
    [60, -501.2694250285492],
  ];
  for (const [lambda, expected] of reference) {
    it(`matches SciPy at lambda = ${lambda}`, () => {
      expect(Math.abs(boxCoxLogLikelihood(x, lambda) - expected)).toBeLessThan(1e-10 * Math.abs(expected));
    });
  }

  it("matches SciPy far from zero on nearly equal data", () => {
    const y = [40, 41, 39, 42, 38, 40, 43, 37];
    expect(boxCoxLogLikelihood(y, -40)).toBeCloseTo(-15.503863285523266, 9);
    expect(boxCoxLogLikelihood(y, 80)).toBeCloseTo(-32.461886673481786, 9);
  });

  it("is continuous through lambda = 0 (no cancellation just beside it)", () => {
    const at0 = boxCoxLogLikelihood(x, 0);
    expect(Math.abs(boxCoxLogLikelihood(x, 1e-9) - at0)).toBeLessThan(1e-8);
    expect(Math.abs(boxCoxLogLikelihood(x, -1e-9) - at0)).toBeLessThan(1e-8);
  });

  it("stays finite where x^lambda overflows", () => {
    const value = boxCoxLogLikelihood([1e6, 2e6, 5e6], 400);
    expect(Number.isFinite(value)).toBe(true);
  });
});

describe("boxCoxMle", () => {
  it("matches SciPy on strongly skewed data", () => {
    // scipy.stats.boxcox(...)[1]
    expect(boxCoxMle([100, 100, 100, 100, 1])).toBeCloseTo(1.042525574266029, 6);
    expect(boxCoxMle([1, 1, 1, 1, 1000])).toBeCloseTo(-0.6950170286435848, 6);
    expect(boxCoxMle([1, 1, 1, 2])).toBeCloseTo(-5.184341898088928, 6);
  });

  it("grows the bracket far beyond (-2, 2) when the optimum lies there", () => {
    // SciPy: -263906.20500416204; the likelihood is very flat there, agreement is relative.
    const lambda = boxCoxMle([1e6, 1e6 + 1, 1e6 + 2, 1e6 + 5]);
    expect(Math.abs(lambda / -263906.20500416204 - 1)).toBeLessThan(1e-5);
  });

  it("finds 0 for two points (the likelihood is symmetric about 0)", () => {
    expect(Math.abs(boxCoxMle([1, 2]))).toBeLessThan(1e-6);
  });

  it("rejects constant data, a single value and non-positive values", () => {
    expect(() => boxCoxMle([3, 3, 3])).toThrow(/constant/);
    expect(() => boxCoxMle([3])).toThrow(RangeError);
    expect(() => boxCoxMle([0, 1, 2])).toThrow(RangeError);
  });
});
