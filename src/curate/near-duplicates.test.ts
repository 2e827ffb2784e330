import { describe, expect, it } from "vitest";
import { seededRandom } from "../random.js";
import { findDuplicates, normalise } from "./near-duplicates.js";

describe("findDuplicates", () => {
  it("finds exact duplicates once case, punctuation and spacing are set aside, keeping the first", () => {
    const texts = ["What year did the bridge open?", "Who designed the bridge?", "what YEAR did the bridge open", "  What year, did the bridge open?!  "];
    expect(findDuplicates(texts)).toEqual([
      { index: 2, of: 0, kind: "exact", similarity: 1 },
      { index: 3, of: 0, kind: "exact", similarity: 1 },
    ]);
    expect(normalise("Ｗhat  year—did it?")).toBe("what year did it");
  });

  it("finds near duplicates at the threshold and records the kept twin, leaving unlike texts alone", () => {
    const base = "In which year did the old stone bridge over the river open to traffic after the flood";
    const near = "In which year did the old stone bridge over the river open to traffic after the great flood";
    const other = "Who designed the new harbour and when were its three quays finished for the ships";
    const duplicates = findDuplicates([base, other, near]);
    expect(duplicates).toHaveLength(1);
    expect(duplicates[0]).toMatchObject({ index: 2, of: 0, kind: "near" });
    expect(duplicates[0]!.similarity).toBeGreaterThanOrEqual(0.8);
    // Above the texts' similarity nothing is a duplicate.
    expect(findDuplicates([base, other, near], { threshold: 0.95 })).toEqual([]);
  });

  it("takes a copy of a removed text for a copy of the text kept for it", () => {
    const kept = "one two three four five six seven eight nine ten eleven twelve";
    const near = "one two three four five six seven eight nine ten eleven twelve thirteen";
    const duplicates = findDuplicates([kept, near, near.toUpperCase()], { threshold: 0.75 });
    expect(duplicates.map(({ index, of, kind }) => ({ index, of, kind }))).toEqual([
      { index: 1, of: 0, kind: "near" },
      { index: 2, of: 0, kind: "near" },
    ]);
    expect(duplicates[1]!.similarity).toBe(duplicates[0]!.similarity);
  });

  it("always names a kept text as the twin, never one that was itself removed", () => {
    const a = "one two three four five six seven eight nine ten eleven twelve";
    const b = "one two three four five six seven eight nine ten eleven twelve thirteen";
    const c = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen";
    const duplicates = findDuplicates([a, b, c], { threshold: 0.75 });
    const removed = new Set(duplicates.map((d) => d.index));
    for (const d of duplicates) expect(removed.has(d.of)).toBe(false);
    expect(duplicates.map((d) => d.index)).toEqual([1, 2]);
  });

  it("finds planted near duplicates among many random texts, and no false ones", () => {
    const random = seededRandom("near-duplicates-test", 1);
    const words = Array.from({ length: 3000 }, (_, i) => `w${i}`);
    const texts: string[] = [];
    const planted = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      if (i > 10 && i % 50 === 0) {
        // A copy of an earlier text with one word changed near its end: Jaccard about 0.8 or more.
        const source = random.int(0, i - 1);
        const copy = texts[source]!.split(" ");
        copy[copy.length - 1] = "changed";
        texts.push(copy.join(" "));
        planted.set(i, source);
      } else texts.push(Array.from({ length: 20 }, () => words[random.int(0, words.length - 1)]!).join(" "));
    }
    const found = findDuplicates(texts, { threshold: 0.8 });
    expect(found.map((d) => d.index)).toEqual([...planted.keys()]);
    for (const d of found) {
      const source = planted.get(d.index)!;
      // The twin is the source, or the source's own kept twin when the source was removed.
      expect(d.of === source || found.some((e) => e.index === source && e.of === d.of)).toBe(true);
    }
  });

  it("refuses settings that cannot work", () => {
    expect(() => findDuplicates([], { threshold: 0 })).toThrow(/threshold must be in \(0, 1\]/);
    expect(() => findDuplicates([], { shingleWords: 0 })).toThrow(/shingleWords must be an integer >= 1/);
    expect(findDuplicates([])).toEqual([]);
  });
});
