import { describe, expect, it } from "vitest";
import { bracketMinimum, brentMinimize } from "./brent-minimize.js";

describe("bracketMinimum", () => {
  it("grows downhill past (-2, 2) until the function rises again", () => {
    const f = (t: number) => (t - 37) ** 2;
    const { a, b, c, fb } = bracketMinimum(f, -2, 2, 1e9);
    expect(Math.min(a, c)).toBeLessThan(b);
    expect(Math.max(a, c)).toBeGreaterThan(b);
    expect(fb).toBe(f(b));
    expect(f(b)).toBeLessThanOrEqual(f(a));
    expect(f(b)).toBeLessThan(f(c));
    expect(Math.min(a, c)).toBeLessThan(37);
    expect(Math.max(a, c)).toBeGreaterThan(37);
  });

  it("stops at the limit when the function keeps falling", () => {
    const { b, c } = bracketMinimum((t) => -t, -2, 2, 100);
    expect(b).toBe(100);
    expect(c).toBe(100);
  });
});

describe("brentMinimize", () => {
  it("finds the minimum inside a bracket to its relative tolerance", () => {
    for (const [f, at] of [
      [(t: number) => (t - 37) ** 2 + 1, 37],
      [(t: number) => Math.cosh(t + 0.75), -0.75],
      [(t: number) => t ** 4 - 3 * t, Math.cbrt(0.75)],
    ] as const) {
      const x = brentMinimize(f, bracketMinimum(f, -2, 2, 1e9));
      expect(Math.abs(x - at)).toBeLessThan(1e-7 * Math.max(1, Math.abs(at)));
    }
  });
});
