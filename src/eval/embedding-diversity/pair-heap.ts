import type { PairSink } from "./pair-sink.js";

export interface SimilarPair {
  /** Input positions, i < j. */
  i: number;
  j: number;
  /** Cosine similarity of the two vectors, in [-1, 1]. */
  cosine: number;
}

/**
 * The k best pairs seen: a min-heap whose root is the worst kept pair (lowest cosine; on a tie
 * the larger (i, j)), with a set of the kept pairs so that a pair offered twice is kept once.
 */
export class PairHeap implements PairSink {
  private readonly cos: Float64Array;
  private readonly a: Int32Array;
  private readonly b: Int32Array;
  private readonly kept = new Set<number>();
  private size = 0;

  constructor(
    private readonly k: number,
    private readonly n: number,
  ) {
    this.cos = new Float64Array(k);
    this.a = new Int32Array(k);
    this.b = new Int32Array(k);
  }

  /** Cosine a pair must reach to have a chance: -Infinity until k pairs are kept. */
  get floor(): number {
    return this.size < this.k ? -Infinity : this.cos[0]!;
  }

  get full(): boolean {
    return this.size === this.k;
  }

  /** Pairs kept at most. */
  get capacity(): number {
    return this.k;
  }

  /** Offer pair (i < j); false when it is not better than the worst kept pair. */
  offer(c: number, i: number, j: number): boolean {
    if (this.size === this.k && !this.worse(0, c, i, j)) return false;
    const key = i * this.n + j;
    if (this.kept.has(key)) return true;
    this.kept.add(key);
    if (this.size < this.k) {
      let at = this.size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!this.isWorse(c, i, j, parent)) break;
        this.move(parent, at);
        at = parent;
      }
      this.set(at, c, i, j);
      return true;
    }
    this.kept.delete(this.a[0]! * this.n + this.b[0]!);
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.worseAt(right, left) ? right : left;
      if (!this.worse(child, c, i, j)) break;
      this.move(child, at);
      at = child;
    }
    this.set(at, c, i, j);
    return true;
  }

  /** The kept pairs, best first. */
  sorted(): SimilarPair[] {
    const out: SimilarPair[] = [];
    for (let t = 0; t < this.size; t++) out.push({ i: this.a[t]!, j: this.b[t]!, cosine: this.cos[t]! });
    return out.sort((x, y) => y.cosine - x.cosine || x.i - y.i || x.j - y.j);
  }

  /** Whether the kept pair at slot t is worse than pair (c, i, j). */
  private worse(t: number, c: number, i: number, j: number): boolean {
    const ct = this.cos[t]!;
    if (ct !== c) return ct < c;
    const at = this.a[t]!;
    return at !== i ? at > i : this.b[t]! > j;
  }

  /** Whether pair (c, i, j) is worse than the kept pair at slot t. */
  private isWorse(c: number, i: number, j: number, t: number): boolean {
    const ct = this.cos[t]!;
    if (ct !== c) return c < ct;
    const at = this.a[t]!;
    return i !== at ? i > at : j > this.b[t]!;
  }

  private worseAt(s: number, t: number): boolean {
    return this.worse(s, this.cos[t]!, this.a[t]!, this.b[t]!);
  }

  private move(from: number, to: number): void {
    this.cos[to] = this.cos[from]!;
    this.a[to] = this.a[from]!;
    this.b[to] = this.b[from]!;
  }

  private set(t: number, c: number, i: number, j: number): void {
    this.cos[t] = c;
    this.a[t] = i;
    this.b[t] = j;
  }
}
