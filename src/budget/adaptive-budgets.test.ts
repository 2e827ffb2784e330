import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { seededRandom } from "../random.js";
import { adaptiveBudgets } from "./adaptive-budgets.js";
import { standardizedBoxCox } from "./box-cox.js";
import { BOX_COX_PARITY } from "../../test/support/fixtures.js";

/** SciPy's cases: the counts, the offset they are shifted by, the lambda, and budgets for several (mu, alpha). */
interface ParityCase {
  counts: number[];
  offset: number;
  lambda: number;
  budgets: Record<string, number[]>;
}

const parity = JSON.parse(readFileSync(BOX_COX_PARITY, "utf8")) as { cases: ParityCase[] };

function parseKey(key: string): { mu: number; alpha: number } {
  const match = /^mu=([\d.]+),alpha=([\d.]+)$/.exec(key);
  if (!match) throw new Error(`unexpected budget key ${key}`);
  return { mu: Number(match[1]), alpha: Number(match[2]) };
}

describe("adaptiveBudgets: parity with the budgets computed from scipy.stats.boxcox", () => {
  it("has the cases it claims", () => {
    expect(parity.cases.length).toBeGreaterThan(0);
  });

  parity.cases.forEach((c, index) => {
    describe(`case ${index} (${c.counts.length} counts)`, () => {
      it("has the documented offset", () => {
        const min = Math.min(...c.counts);
        expect(c.offset).toBe(min <= 0 ? Math.abs(min) + 1 : 0);
      });

      for (const [key, expected] of Object.entries(c.budgets)) {
        it(`gives exactly the budgets for ${key}`, () => {
          const result = adaptiveBudgets(c.counts, parseKey(key));
          expect(result.budgets).toEqual(expected);
          expect(result.offset).toBe(c.offset);
          expect(result.note).toBeUndefined();
          expect(Math.abs(result.lambda! - c.lambda)).toBeLessThan(1e-6);
        });
      }
    });
  });
});

describe("adaptiveBudgets: degenerate corpora", () => {
  it("gives mu to a single document, with a note", () => {
    const result = adaptiveBudgets([17], { mu: 8, alpha: 2 });
    expect(result.budgets).toEqual([8]);
    expect(result.lambda).toBeUndefined();
    expect(result.note).toMatch(/one document/);
  });

  it("gives mu to every document when all counts are equal", () => {
    const result = adaptiveBudgets([5, 5, 5, 5], { mu: 8, alpha: 2 });
    expect(result.budgets).toEqual([8, 8, 8, 8]);
    expect(result.note).toMatch(/equal/);
  });

  it("gives mu to every document when all counts are zero, and reports the offset", () => {
    const result = adaptiveBudgets([0, 0, 0], { mu: 6, alpha: 1 });
    expect(result.budgets).toEqual([6, 6, 6]);
    expect(result.offset).toBe(1);
    expect(result.note).toBeDefined();
  });

  it("is uniform when alpha is 0", () => {
    const result = adaptiveBudgets([3, 50, 7, 900], { mu: 8, alpha: 0 });
    expect(result.budgets).toEqual([8, 8, 8, 8]);
    expect(result.note).toMatch(/alpha/);
  });

  it("returns nothing for no documents", () => {
    expect(adaptiveBudgets([], { mu: 8, alpha: 1 }).budgets).toEqual([]);
  });

  it("clamps to [1, nmax], nmax defaulting to 3 mu", () => {
    // z for one outlier among n equal values is sqrt(n - 1), whatever lambda: 7 here.
    const counts = [...Array<number>(49).fill(10), 11];
    expect(adaptiveBudgets(counts, { mu: 8, alpha: 10 }).budgets.at(-1)).toBe(24);
    expect(adaptiveBudgets(counts, { mu: 8, alpha: 10, nmax: 12 }).budgets.at(-1)).toBe(12);
    const low = [...Array<number>(49).fill(11), 10];
    expect(adaptiveBudgets(low, { mu: 8, alpha: 10 }).budgets.at(-1)).toBe(1);
  });

  it("shifts negative counts by |min| + 1", () => {
    expect(adaptiveBudgets([-3, 0, 4, 9], { mu: 8, alpha: 1 }).offset).toBe(4);
  });

  it("rejects settings that cannot work", () => {
    expect(() => adaptiveBudgets([1, 2], { mu: 0, alpha: 1 })).toThrow(ConfigError);
    expect(() => adaptiveBudgets([1, 2], { mu: 2.5, alpha: 1 })).toThrow(ConfigError);
    expect(() => adaptiveBudgets([1, 2], { mu: 8, alpha: -1 })).toThrow(ConfigError);
    expect(() => adaptiveBudgets([1, 2], { mu: 8, alpha: 1, nmax: 0 })).toThrow(ConfigError);
    expect(() => adaptiveBudgets([1, Number.NaN], { mu: 8, alpha: 1 })).toThrow(RangeError);
  });
});

describe("adaptiveBudgets on random corpora", () => {
  it("never gives NaN and keeps every budget an integer in [1, nmax]", () => {
    const random = seededRandom("box-cox-test");
    for (let trial = 0; trial < 300; trial++) {
      const size = random.int(2, 60);
      const shape = trial % 5;
      const counts = Array.from({ length: size }, () => {
        switch (shape) {
          case 0:
            return random.int(0, 5); // many zeros and ties
          case 1:
            return random.int(0, 1_000_000); // large counts
          case 2:
            return random.int(0, 1) * 100_000 + random.int(0, 3); // two far-apart clusters
          case 3:
            return 1_000_000 + random.int(0, 3); // large, nearly equal
          default:
            return Math.round(Math.exp(random.int(0, 1200) / 100)); // log-uniform up to ~1.6e5
        }
      });
      const mu = random.int(1, 12);
      const alpha = random.int(0, 40) / 10;
      const result = adaptiveBudgets(counts, { mu, alpha });
      expect(result.budgets).toHaveLength(size);
      for (const n of result.budgets) {
        expect(Number.isInteger(n)).toBe(true);
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(3 * mu);
      }
      if (result.lambda !== undefined) {
        expect(Number.isFinite(result.lambda)).toBe(true);
        const z = standardizedBoxCox(
          counts.map((v) => v + result.offset),
          result.lambda,
        );
        expect(z.every(Number.isFinite)).toBe(true);
      }
    }
  });
});
