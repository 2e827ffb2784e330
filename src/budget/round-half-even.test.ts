import { describe, expect, it } from "vitest";
import { roundHalfEven } from "./round-half-even.js";

describe("roundHalfEven", () => {
  it("rounds ties to the even neighbour like NumPy", () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, 0, -2, -2]);
  });
  it("rounds everything else to the nearest integer", () => {
    expect([0.49, 0.51, 2.4999999, 7.6, -3.2, -3.7, 5].map(roundHalfEven)).toEqual([0, 1, 2, 8, -3, -4, 5]);
  });
  it("never returns negative zero", () => {
    expect(Object.is(roundHalfEven(-0.4), 0)).toBe(true);
    expect(Object.is(roundHalfEven(-0.5), 0)).toBe(true);
  });
});
