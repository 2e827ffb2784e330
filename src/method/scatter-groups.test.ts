import { describe, expect, it } from "vitest";
import { seededRandom } from "../random.js";
import { drawGroups, groupSizes, keywordCount, keywordPool, largestBudgetFor } from "./scatter-groups.js";

describe("group arithmetic", () => {
  // a = floor(n/2.5), b = floor(n/2.25), c = n - a - b, K = a + 2b + 3c, worked by hand.
  const table: Array<[number, number, number, number, number]> = [
    [1, 0, 0, 1, 3],
    [2, 0, 0, 2, 6],
    [3, 1, 1, 1, 6],
    [4, 1, 1, 2, 9],
    [5, 2, 2, 1, 9],
    [6, 2, 2, 2, 12],
    [7, 2, 3, 2, 14],
    [8, 3, 3, 2, 15],
    [9, 3, 4, 2, 17],
    [10, 4, 4, 2, 18],
    [11, 4, 4, 3, 21],
    [12, 4, 5, 3, 23],
  ];
  it.each(table)("n=%i gives %i singles, %i pairs, %i triples and K=%i", (n, a, b, c, k) => {
    expect(groupSizes(n)).toEqual({ singles: a, pairs: b, triples: c });
    expect(keywordCount(n)).toBe(k);
  });

  it("rejects a budget that is not a positive integer", () => {
    expect(() => groupSizes(0)).toThrow(RangeError);
    expect(() => groupSizes(2.5)).toThrow(RangeError);
  });

  it("shrinks the budget to what the keywords found can fill", () => {
    expect(largestBudgetFor(15, 8)).toBe(8);
    expect(largestBudgetFor(14, 8)).toBe(7);
    expect(largestBudgetFor(9, 8)).toBe(5);
    expect(largestBudgetFor(2, 8)).toBe(0);
  });
});

describe("keyword pool", () => {
  it("adds core and major keywords again and the first core keyword a third time", () => {
    const pool = keywordPool(["a", "b", "c", "d", "e"], ["c", "a"], ["e"]);
    expect(pool).toEqual(["a", "b", "c", "d", "e", "c", "a", "e", "c"]);
    expect(pool.filter((k) => k === "c")).toHaveLength(3);
  });

  it("is the keyword list itself without the importance step", () => {
    expect(keywordPool(["a", "b"])).toEqual(["a", "b"]);
  });
});

describe("drawing groups", () => {
  const keywords = Array.from({ length: 15 }, (_, i) => `k${i}`);

  it("never repeats a keyword inside a group, for every budget and many seeds", () => {
    for (let n = 1; n <= 12; n++) {
      const words = Array.from({ length: keywordCount(n) }, (_, i) => `w${i}`);
      // A heavily weighted pool makes duplicates likely.
      const pool = keywordPool(words, words.slice(0, 2), words.slice(2, Math.min(5, words.length)));
      for (let seed = 0; seed < 50; seed++) {
        const groups = drawGroups(pool, groupSizes(n), seededRandom(seed, n));
        const { singles, pairs, triples } = groupSizes(n);
        expect(groups.map((g) => g.length)).toEqual([
          ...Array(singles).fill(1),
          ...Array(pairs).fill(2),
          ...Array(triples).fill(3),
        ]);
        for (const group of groups) expect(new Set(group).size).toBe(group.length);
      }
    }
  });

  it("uses every keyword exactly once when there is no importance step", () => {
    const groups = drawGroups(keywords, groupSizes(8), seededRandom(7));
    expect(groups.flat().sort()).toEqual([...keywords].sort());
  });

  it("is reproducible for a seed and differs between seeds", () => {
    const a = drawGroups(keywords, groupSizes(8), seededRandom(1, 0, "scatter"));
    const b = drawGroups(keywords, groupSizes(8), seededRandom(1, 0, "scatter"));
    const c = drawGroups(keywords, groupSizes(8), seededRandom(2, 0, "scatter"));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("draws important keywords more often than the others", () => {
    let coreDraws = 0;
    let plainDraws = 0;
    for (let seed = 0; seed < 400; seed++) {
      const pool = keywordPool(keywords, ["k0", "k1"], ["k2", "k3", "k4"]);
      const drawn = drawGroups(pool, groupSizes(8), seededRandom(seed)).flat();
      coreDraws += drawn.filter((k) => k === "k0").length;
      plainDraws += drawn.filter((k) => k === "k14").length;
    }
    expect(coreDraws).toBeGreaterThan(plainDraws * 1.3);
  });

  it("refuses to form triples from fewer than three distinct keywords", () => {
    expect(() => drawGroups(["a", "a", "b"], { singles: 0, pairs: 0, triples: 1 }, seededRandom(0))).toThrow(RangeError);
  });
});
