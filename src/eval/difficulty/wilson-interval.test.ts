import { describe, expect, it } from "vitest";
import { wilsonInterval } from "./wilson-interval.js";

describe("wilsonInterval", () => {
  it("gives the 95% Wilson score interval, and [0, 1] without trials", () => {
    const [low, high] = wilsonInterval(30, 50);
    expect(low).toBeCloseTo(0.4618, 3);
    expect(high).toBeCloseTo(0.7239, 3);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});
