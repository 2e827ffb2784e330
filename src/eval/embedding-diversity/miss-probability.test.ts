import { describe, expect, it } from "vitest";
import { missProbability } from "./miss-probability.js";

function binomial(n: number, k: number): number {
  let c = 1;
  for (let t = 0; t < k; t++) c = (c * (n - t)) / (t + 1);
  return c;
}

/** The formula, summed with explicit binomial coefficients (fine for a small pool). */
function naiveMiss(cosine: number, m2: number, B: number, b: number, L: number): number {
  const p = Math.acos(1 - (1 - cosine) / m2) / Math.PI;
  let miss = 0;
  for (let h = 0; h <= B; h++) {
    const differ = binomial(B, h) * p ** h * (1 - p) ** (B - h);
    const collide = B - h >= b ? binomial(B - h, b) / binomial(B, b) : 0;
    miss += differ * (1 - collide) ** L;
  }
  return miss;
}

describe("missProbability", () => {
  it("matches the formula summed directly", () => {
    for (const [cosine, m2, B, b, L] of [
      [0.3, 1, 12, 3, 4],
      [0.9, 1, 24, 5, 10],
      [0.95, 0.8, 40, 8, 30],
      [-0.5, 1, 16, 2, 3],
    ] as const) {
      expect(Math.abs(missProbability(cosine, m2, B, b, L) - naiveMiss(cosine, m2, B, b, L))).toBeLessThan(1e-12);
    }
  });

  it("is 0 for identical directions and 1 when centring leaves no direction", () => {
    expect(missProbability(1, 1, 1024, 20, 50)).toBe(0);
    expect(missProbability(0.9, 0, 1024, 20, 50)).toBe(1);
  });

  it("falls with more bands and with a higher cosine, and rises as centring shortens the vectors", () => {
    const at = (cosine: number, m2: number, bands: number) => missProbability(cosine, m2, 1024, 16, bands);
    expect(at(0.9, 1, 40)).toBeLessThan(at(0.9, 1, 20));
    expect(at(0.95, 1, 20)).toBeLessThan(at(0.9, 1, 20));
    expect(at(0.9, 0.5, 20)).toBeGreaterThan(at(0.9, 1, 20));
  });
});
