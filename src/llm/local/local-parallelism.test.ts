import { describe, expect, it } from "vitest";
import { defaultParallel } from "./local-parallelism.js";

describe("defaultParallel", () => {
  it("uses one sequence per two cores, between 1 and 4", () => {
    expect([1, 2, 4, 8, 64].map((cores) => defaultParallel(cores))).toEqual([1, 1, 2, 4, 4]);
  });
});
