import { describe, expect, it } from "vitest";
import { seededRandom, type Random } from "../random.js";
import { earlierNeighbours } from "../eval/embedding-diversity/pairs-above.js";
import { findEmbeddingDuplicates } from "./embedding-duplicates.js";

/** A random unit-ish vector, and one at about the given cosine to it. */
function randomVector(random: Random, d: number): Float32Array {
  return Float32Array.from({ length: d }, () => random.int(-1000, 1000) / 1000);
}

function near(v: Float32Array, noise: number, random: Random): Float32Array {
  return Float32Array.from(v, (x) => x + noise * (random.int(-1000, 1000) / 1000));
}

describe("findEmbeddingDuplicates", () => {
  it("removes a later text alike in meaning to a kept one, recording the most alike kept twin", () => {
    const random = seededRandom("embedding dedup test", 1);
    const a = randomVector(random, 64);
    const b = randomVector(random, 64);
    const vectors = [a, b, near(a, 0.05, random), near(b, 0.05, random), randomVector(random, 64)];
    const { duplicates, method } = findEmbeddingDuplicates(vectors, 0.95);
    expect(method.kind).toBe("exact");
    expect(duplicates.map(({ index, of, kind }) => ({ index, of, kind }))).toEqual([
      { index: 2, of: 0, kind: "embedding" },
      { index: 3, of: 1, kind: "embedding" },
    ]);
    for (const d of duplicates) expect(d.similarity).toBeGreaterThanOrEqual(0.95);
    // Above their cosine nothing is a duplicate.
    expect(findEmbeddingDuplicates(vectors, 0.99999).duplicates).toEqual([]);
  });

  it("never takes a removed text as a twin, and leaves out texts another step removed", () => {
    const v = Float32Array.from([1, 0, 0]);
    const w = Float32Array.from([0.99, 0.14, 0]);
    const x = Float32Array.from([0.96, 0.28, 0]);
    const { duplicates } = findEmbeddingDuplicates([v, w, x], 0.98);
    // w (cos 0.990 with v) goes; x is alike only to w (0.99), which is removed, so x stays.
    expect(duplicates.map((d) => [d.index, d.of])).toEqual([[1, 0]]);
    expect(findEmbeddingDuplicates([v, w, x], 0.98, new Set([0])).duplicates.map((d) => [d.index, d.of])).toEqual([[2, 1]]);
  });

  it("keeps memory linear in a set of thousands of identical instructions, most of them removed before", () => {
    const same = Float32Array.from({ length: 32 }, (_, i) => Math.sin(i + 1));
    const vectors = Array.from({ length: 6000 }, () => same);
    const before = process.memoryUsage().rss;
    const { duplicates } = findEmbeddingDuplicates(vectors, 0.95, new Set(Array.from({ length: 3000 }, (_, i) => i + 1)));
    expect(duplicates).toHaveLength(2999);
    for (const d of duplicates) expect(d.of).toBe(0);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it("finds planted pairs among many vectors when the pairs come from the LSH search", () => {
    const random = seededRandom("embedding dedup lsh", 2);
    const d = 96;
    const vectors: Float32Array[] = [];
    for (let i = 0; i < 3000; i++) vectors.push(randomVector(random, d));
    const planted: Array<[number, number]> = [];
    for (let i = 0; i < 40; i++) {
      const of = i * 50;
      planted.push([vectors.length, of]);
      vectors.push(near(vectors[of]!, 0.03, random));
    }
    // A budget small enough that the exact search is not used.
    const { duplicates, method } = findEmbeddingDuplicatesWithBudget(vectors, 0.97);
    expect(method.kind).toBe("lsh");
    expect(duplicates.map((x) => [x.index, x.of])).toEqual(planted);
  });
});

/** The same search as findEmbeddingDuplicates with a small exact budget, to exercise LSH on a small set. */
function findEmbeddingDuplicatesWithBudget(vectors: Float32Array[], threshold: number) {
  const { neighbours, method } = earlierNeighbours(vectors, threshold, { exactBudget: 1e5 });
  const duplicates = [...neighbours.entries()].sort(([a], [b]) => a - b).map(([index, list]) => ({ index, of: list[0]!.of }));
  return { duplicates, method };
}
