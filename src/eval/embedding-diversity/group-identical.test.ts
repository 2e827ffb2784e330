import { describe, expect, it } from "vitest";
import { groupIdentical } from "./group-identical.js";

describe("groupIdentical", () => {
  it("keeps the first of each set of identical rows and lists the members of sets of two or more", () => {
    const a = [1, 2, 3];
    const b = [1, 2, 4];
    const c = [0.5, 2, 3];
    const vectors = [a, b, a, c, a, b];
    const rows = Float32Array.from(vectors.flat());
    const { reps, members } = groupIdentical(rows, vectors.length, 3);
    expect(Array.from(reps)).toEqual([0, 1, 3]);
    expect(members).toEqual(
      new Map([
        [0, [0, 2, 4]],
        [1, [1, 5]],
      ]),
    );
  });

  it("makes no groups when every row differs, even by one number in the last place", () => {
    const rows = new Float32Array([1, 2, 1, 2, 1, 2]);
    rows[5] = Math.fround(2 + 2 ** -22);
    rows[2] = 0.999999940395; // the float32 just below 1
    const { reps, members } = groupIdentical(rows, 3, 2);
    expect(Array.from(reps)).toEqual([0, 1, 2]);
    expect(members.size).toBe(0);
  });
});
