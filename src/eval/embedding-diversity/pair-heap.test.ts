import { describe, expect, it } from "vitest";
import { seededRandom } from "../../random.js";
import { PairHeap, type SimilarPair } from "./pair-heap.js";

const byRank = (x: SimilarPair, y: SimilarPair) => y.cosine - x.cosine || x.i - y.i || x.j - y.j;

describe("PairHeap", () => {
  it("keeps the k best pairs, best first, ties going to the lower i and then the lower j", () => {
    const heap = new PairHeap(3, 10);
    for (const [c, i, j] of [
      [0.5, 0, 1],
      [0.9, 2, 3],
      [0.1, 4, 5],
      [0.9, 1, 2],
      [0.7, 3, 4],
      [0.7, 3, 9],
    ] as const) {
      heap.offer(c, i, j);
    }
    expect(heap.sorted()).toEqual([
      { i: 1, j: 2, cosine: 0.9 },
      { i: 2, j: 3, cosine: 0.9 },
      { i: 3, j: 4, cosine: 0.7 },
    ]);
  });

  it("has no floor until it is full, then the worst kept cosine, and refuses pairs not better", () => {
    const heap = new PairHeap(2, 10);
    expect(heap.capacity).toBe(2);
    expect(heap.offer(0.3, 0, 1)).toBe(true);
    expect(heap.floor).toBe(-Infinity);
    expect(heap.full).toBe(false);
    expect(heap.offer(0.6, 1, 2)).toBe(true);
    expect(heap.full).toBe(true);
    expect(heap.floor).toBe(0.3);
    expect(heap.offer(0.2, 2, 3)).toBe(false);
    expect(heap.offer(0.3, 0, 2)).toBe(false); // same cosine, larger (i, j)
    expect(heap.offer(0.3, 0, 0)).toBe(true); // same cosine, smaller (i, j)
    expect(heap.sorted()).toEqual([
      { i: 1, j: 2, cosine: 0.6 },
      { i: 0, j: 0, cosine: 0.3 },
    ]);
  });

  it("keeps a pair offered twice once", () => {
    const heap = new PairHeap(3, 10);
    heap.offer(0.8, 1, 2);
    heap.offer(0.8, 1, 2);
    heap.offer(0.4, 2, 5);
    expect(heap.sorted()).toEqual([
      { i: 1, j: 2, cosine: 0.8 },
      { i: 2, j: 5, cosine: 0.4 },
    ]);
  });

  it("agrees with sorting everything, on random pairs with many ties and repeats", () => {
    const random = seededRandom("pair-heap-test");
    for (const k of [1, 7, 50]) {
      const heap = new PairHeap(k, 40);
      const seen = new Map<string, SimilarPair>();
      for (let t = 0; t < 2000; t++) {
        const i = random.int(0, 38);
        const j = random.int(i + 1, 39);
        const key = `${i},${j}`;
        // A pair's cosine is a property of the pair: a repeat offers the same value.
        const cosine = seen.get(key)?.cosine ?? random.int(-20, 20) / 20;
        seen.set(key, { i, j, cosine });
        heap.offer(cosine, i, j);
      }
      expect(heap.sorted()).toEqual([...seen.values()].sort(byRank).slice(0, k));
    }
  });
});
