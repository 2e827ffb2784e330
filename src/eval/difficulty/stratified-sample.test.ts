import { describe, expect, it } from "vitest";
import { seededRandom } from "../../random.js";
import { stratifiedSample } from "./stratified-sample.js";

const items = (counts: Record<string, number>) =>
  Object.entries(counts).flatMap(([level, n]) => Array.from({ length: n }, (_, i) => ({ level, id: `${level}${i}` })));
const levelOf = (item: { level: string }) => item.level;
const shares = (sample: Array<{ level: string }>) => {
  const counts: Record<string, number> = {};
  for (const { level } of sample) counts[level] = (counts[level] ?? 0) + 1;
  return counts;
};

describe("stratifiedSample", () => {
  it("keeps each level's share of the list", () => {
    const list = items({ micro: 8, scatter: 8, macro: 8 });
    for (let seed = 0; seed < 5; seed++) {
      expect(shares(stratifiedSample(list, 9, levelOf, seededRandom(seed)))).toEqual({ micro: 3, scatter: 3, macro: 3 });
      expect(shares(stratifiedSample(items({ micro: 16, scatter: 4, macro: 4 }), 12, levelOf, seededRandom(seed)))).toEqual({ micro: 8, scatter: 2, macro: 2 });
    }
  });

  it("gives the places left over to the largest remainders, equal ones by lot", () => {
    // 6 of 7/2/1 items: exact shares 4.2, 1.2, 0.6 -> 4, 1, 0, and the place left goes to macro (0.6).
    for (let seed = 0; seed < 5; seed++) {
      expect(shares(stratifiedSample(items({ micro: 7, scatter: 2, macro: 1 }), 6, levelOf, seededRandom(seed)))).toEqual({ micro: 4, scatter: 1, macro: 1 });
    }
    const extra = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const counts = shares(stratifiedSample(items({ micro: 8, scatter: 8, macro: 8 }), 8, levelOf, seededRandom(seed)));
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(8);
      for (const [level, n] of Object.entries(counts)) {
        expect([2, 3]).toContain(n);
        if (n === 3) extra.add(level);
      }
    }
    expect(extra).toEqual(new Set(["micro", "scatter", "macro"]));
  });

  it("draws at random, the same for the same seed, and keeps the list's order", () => {
    const list = items({ micro: 20, macro: 20 });
    const draw = (seed: number) => stratifiedSample(list, 10, levelOf, seededRandom(seed, "x")).map((item) => item.id);
    expect(draw(1)).toEqual(draw(1));
    expect(new Set([0, 1, 2, 3].map((seed) => draw(seed).join()))).toHaveProperty("size", 4);
    const positions = draw(2).map((id) => list.findIndex((item) => item.id === id));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(draw(3).slice(0, 5)).not.toEqual(list.slice(0, 5).map((item) => item.id));
  });

  it("returns the whole list when it is no longer than the size, and nothing for size 0", () => {
    const list = items({ micro: 2, scatter: 1 });
    expect(stratifiedSample(list, 3, levelOf, seededRandom(0))).toEqual(list);
    expect(stratifiedSample(list, 7, levelOf, seededRandom(0))).toEqual(list);
    expect(stratifiedSample(list, 0, levelOf, seededRandom(0))).toEqual([]);
  });
});
