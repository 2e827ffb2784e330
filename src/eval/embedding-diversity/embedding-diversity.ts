/**
 * Embedding diversity: 1 - the mean pairwise cosine similarity of a set of vectors, and the k most
 * similar pairs.
 *
 * The mean is exact and linear: for unit vectors u_i, the sum over ordered pairs i != j of
 * u_i . u_j is |sum u_i|^2 - sum |u_i|^2, so the mean cosine is (|S|^2 - N) / (N (N - 1)), computed
 * in float64 in O(N d).
 *
 * The top pairs are exact (every pair scored, in tiles of 256 x 256 that never form the N x N
 * matrix) while N (N - 1) / 2 * d stays within a budget of multiply-adds (default 1e10, seconds on
 * one core). Above it, no cheap exact method is known for dense vectors, so the search is
 * approximate but accountable: random-hyperplane LSH (SimHash) proposes candidate pairs, every
 * candidate's cosine is computed exactly, and the result carries an upper bound on the probability
 * that it differs from the exact top-k.
 *
 * Cosines of pairs are computed from the input numbers in float64 (x.y / sqrt(|x|^2 |y|^2)), so
 * they are exact to about 1e-16 and identical vectors have cosine exactly 1. In the LSH search,
 * identical vectors are grouped first: their pairs are scored once, exactly, and the group is
 * hashed once.
 *
 * A zero vector has no direction: it is left out of the mean and of the pairs and counted in
 * `zeroVectors`; indices in `topPairs` are always positions in the input. Fewer than two non-zero
 * vectors have no pairwise mean: that throws a FoveateError saying so (no NaN is returned).
 */
import { FoveateError } from "../../errors.js";

export interface SimilarPair {
  /** Input positions, i < j. */
  i: number;
  j: number;
  /** Cosine similarity of the two vectors, in [-1, 1]. */
  cosine: number;
}

export interface LshOptions {
  /** Seed of the random hyperplanes and band choices. Default 1. */
  seed?: number;
  /** Bits per band (at most 30). Default ceil(log2 N) + 5, between 8 and 30: about N / 64 random collisions per band. */
  bitsPerBand?: number;
  /** Bands. Default the fewest that find a pair of cosine `recallCosine` with probability `recallTarget`. */
  bands?: number;
  /** Cosine at which the default number of bands is set. Default 0.9. */
  recallCosine?: number;
  /** Probability of finding a pair at `recallCosine` that sets the default number of bands. Default 0.99. */
  recallTarget?: number;
  /** Upper limit on the default number of bands. Default 256. */
  maxBands?: number;
  /**
   * Candidate pairs to score before giving up (the result is then marked incomplete and carries no
   * bound). Default exactBudget / d.
   */
  maxCandidates?: number;
}

export interface EmbeddingDiversityOptions {
  /** Most similar pairs to report; 0 reports none. Default 5. */
  topK?: number;
  /**
   * "exact" scores every pair; "lsh" searches candidates (see LshOptions); "auto" is exact while
   * N (N - 1) / 2 * d <= exactBudget, else "lsh". Default "auto".
   */
  method?: "auto" | "exact" | "lsh";
  /** Multiply-adds "auto" spends at most on an exact search. Default 1e10 (about 5 s on one core). */
  exactBudget?: number;
  lsh?: LshOptions;
}

/** How the top pairs were found, and how far they can be trusted. */
export type TopPairsMethod =
  | { kind: "none"; exact: true }
  | { kind: "exact"; exact: true; /** Pairs scored. */ pairs: number }
  | {
      kind: "lsh";
      exact: false;
      bands: number;
      bitsPerBand: number;
      /** Hyperplanes the band bits are drawn from. */
      poolBits: number;
      /** Candidate pairs scored (a pair found by several bands counts each time). */
      candidates: number;
      /** Sets of two or more identical vectors, scored once (their pairs are exact). */
      duplicateGroups: number;
      /** False when maxCandidates ran out: the pairs are the best of those scored, with no bound. */
      complete: boolean;
      recallCosine: number;
      /** Probability that one pair of cosine >= recallCosine is among the candidates. */
      recallAtCosine: number;
      /**
       * Upper bound on the probability that `topPairs` differs from the exact top-k (k times the
       * miss probability at the k-th cosine found); 1 when nothing can be said. Like
       * `recallAtCosine`, computed as for independent Gaussian hyperplanes, which the randomized
       * Hadamard rotation stands in for.
       */
      missProbability: number;
    };

export interface EmbeddingDiversity {
  /** 1 - meanCosine. */
  diversity: number;
  /** Mean cosine over all pairs of non-zero vectors. */
  meanCosine: number;
  /** The most similar pairs, best first (ties: lower i, then lower j). */
  topPairs: SimilarPair[];
  /** Non-zero vectors measured. */
  vectors: number;
  /** Zero vectors left out. */
  zeroVectors: number;
  dimension: number;
  topPairsMethod: TopPairsMethod;
}

/** For a CLI's help: how the top pairs are found. */
export const TOP_PAIRS_METHOD_HELP =
  "The mean cosine is always exact (O(N d)). The most similar pairs are exact (every pair scored) while " +
  "N(N-1)/2 x d <= 1e10 multiply-adds; above that they come from random-hyperplane LSH (SimHash bands over " +
  "a randomized Hadamard rotation of the mean-centred vectors) with exact cosines for every candidate; " +
  "the output then states the chance of finding a pair of cosine 0.9 and a bound on the chance that the " +
  "pairs differ from the exact top-k.";

const DEFAULT_EXACT_BUDGET = 1e10;
const TILE = 256;
const MIN_POOL_BITS = 1024;
/** Index of a float64's high 32 bits (sign, exponent) in an Int32Array view of it. */
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

export function embeddingDiversity(vectors: readonly Float32Array[], options: EmbeddingDiversityOptions = {}): EmbeddingDiversity {
  const topK = options.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 0) throw new FoveateError(`embedding diversity: topK must be an integer >= 0, got ${String(topK)}`);
  const exactBudget = options.exactBudget ?? DEFAULT_EXACT_BUDGET;
  const method = options.method ?? "auto";
  const { rows, lengths2, scale, n, d, origin, zeroVectors, sum, sumSquares } = normalise(vectors);
  if (n < 2) {
    throw new FoveateError(
      `embedding diversity needs at least 2 non-zero vectors, got ${n}${zeroVectors > 0 ? ` (${zeroVectors} zero vector${zeroVectors === 1 ? "" : "s"} left out)` : ""}`,
    );
  }
  let s2 = 0;
  for (let k = 0; k < d; k++) s2 += sum[k]! * sum[k]!;
  const meanCosine = (s2 - sumSquares) / (n * (n - 1));

  const pairs = (n * (n - 1)) / 2;
  const k = Math.min(topK, pairs);
  let topPairsMethod: TopPairsMethod;
  let topPairs: SimilarPair[] = [];
  if (k === 0) topPairsMethod = { kind: "none", exact: true };
  else {
    const heap = new PairHeap(k, n);
    if (method === "exact" || (method === "auto" && pairs * d <= exactBudget)) {
      exactTopPairs(rows, n, d, lengths2, heap);
      topPairsMethod = { kind: "exact", exact: true, pairs };
    } else {
      topPairsMethod = lshTopPairs(rows, n, d, lengths2, scale, sum, heap, options.lsh ?? {}, exactBudget);
    }
    topPairs = heap.sorted().map(({ i, j, cosine }) => ({ i: origin[i]!, j: origin[j]!, cosine }));
  }
  return { diversity: 1 - meanCosine, meanCosine, topPairs, vectors: n, zeroVectors, dimension: d, topPairsMethod };
}

/** One line for a report: how the pairs were found and what that promises. */
export function describeTopPairsMethod(method: TopPairsMethod, topK?: number): string {
  switch (method.kind) {
    case "none":
      return "no pairs asked for";
    case "exact":
      return `exact: all ${method.pairs.toLocaleString("en-US")} pairs scored`;
    case "lsh": {
      const head =
        `approximate: SimHash LSH, ${method.bands} bands of ${method.bitsPerBand} bits from ${method.poolBits} hyperplanes, ` +
        `${method.candidates.toLocaleString("en-US")} candidate pairs scored exactly`;
      if (!method.complete) return `${head}; stopped at the candidate limit, so no bound holds`;
      const k = topK === undefined ? "top-k" : `top-${topK}`;
      const bound = method.missProbability < 1e-15 ? "< 1e-15" : `<= ${formatProbability(method.missProbability)}`;
      return (
        `${head}; a pair of cosine >= ${method.recallCosine} is found with probability ${formatProbability(method.recallAtCosine)}; ` +
        `P(${k} differs from the exact one) ${bound}`
      );
    }
  }
}

function formatProbability(p: number): string {
  if (p === 0) return "0";
  if (p >= 0.001 && p <= 0.999) return p.toFixed(3);
  if (p > 0.999) return 1 - p < 1e-12 ? "1" : `1 - ${(1 - p).toExponential(1)}`;
  return p.toExponential(1);
}

interface Normalised {
  /** Row-major copy of the non-zero inputs, as given: a cosine is computed from them in float64. */
  rows: Float32Array;
  /** Squared length of each row, summed in float64 in the same order as `dot`. */
  lengths2: Float64Array;
  /** 1 / length of each row. */
  scale: Float64Array;
  n: number;
  d: number;
  /** Input position of each row. */
  origin: Int32Array;
  zeroVectors: number;
  /** Sum of the unit vectors, in float64. */
  sum: Float64Array;
  /** Sum of their squared lengths in float64 (N up to rounding). */
  sumSquares: number;
}

function normalise(vectors: readonly Float32Array[]): Normalised {
  const d = vectors[0]?.length ?? 0;
  const keep: number[] = [];
  const squares: number[] = [];
  for (let v = 0; v < vectors.length; v++) {
    const x = vectors[v]!;
    if (x.length !== d) throw new FoveateError(`embedding diversity: vector ${v} has ${x.length} numbers, vector 0 has ${d}`);
    let nn = 0;
    for (let k = 0; k < d; k++) nn += x[k]! * x[k]!;
    if (!Number.isFinite(nn)) {
      const bad = x.findIndex((value) => !Number.isFinite(value));
      throw new FoveateError(`embedding diversity: vector ${v} has a non-finite number (${x[bad]}) at position ${bad}`);
    }
    if (nn === 0) continue;
    keep.push(v);
    squares.push(nn);
  }
  const n = keep.length;
  const rows = new Float32Array(n * d);
  const sum = new Float64Array(d);
  let sumSquares = 0;
  for (let r = 0; r < n; r++) {
    const x = vectors[keep[r]!]!;
    rows.set(x, r * d);
    const inv = 1 / Math.sqrt(squares[r]!);
    for (let k = 0; k < d; k++) {
      const u = x[k]! * inv;
      sum[k] = sum[k]! + u;
      sumSquares += u * u;
    }
  }
  const lengths2 = Float64Array.from(squares);
  return { rows, lengths2, scale: lengths2.map((x) => 1 / Math.sqrt(x)), n, d, origin: Int32Array.from(keep), zeroVectors: vectors.length - n, sum, sumSquares };
}

/**
 * Dot product of two rows in float64, summed in index order: every dot product here (tiles
 * included) and every squared length adds in this same order, so a vector's dot product with an
 * identical one equals its squared length and their cosine x.y / sqrt(|x|^2 |y|^2) is exactly 1.
 */
function dot(m: Float32Array, a: number, b: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += m[a + k]! * m[b + k]!;
  return s;
}

const clampCosine = (c: number) => (c > 1 ? 1 : c < -1 ? -1 : c);

/**
 * The k best pairs seen: a min-heap whose root is the worst kept pair (lowest cosine; on a tie
 * the larger (i, j)), with a set of the kept pairs so that a pair offered twice is kept once.
 */
class PairHeap {
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

/**
 * Every pair scored, tile by tile: TILE rows against TILE columns into one reusable buffer, the
 * dot products four columns by two rows at a time so each loaded number serves several sums.
 */
function exactTopPairs(rows: Float32Array, n: number, d: number, lengths2: Float64Array, heap: PairHeap): void {
  const tile = new Float64Array(TILE * TILE);
  for (let r0 = 0; r0 < n; r0 += TILE) {
    const rEnd = Math.min(n, r0 + TILE);
    for (let c0 = r0; c0 < n; c0 += TILE) {
      const cEnd = Math.min(n, c0 + TILE);
      const diagonal = c0 === r0;
      dotTile(rows, d, r0, rEnd, c0, cEnd, diagonal, tile);
      let floor = heap.floor;
      for (let i = r0; i < rEnd; i++) {
        const row = (i - r0) * TILE - c0;
        const li = lengths2[i]!;
        for (let j = diagonal ? i + 1 : c0; j < cEnd; j++) {
          const c = tile[row + j]! / Math.sqrt(li * lengths2[j]!);
          if (c < floor) continue;
          heap.offer(clampCosine(c), i, j);
          floor = heap.floor;
        }
      }
    }
  }
}

/** tile[(i - r0) * TILE + (j - c0)] = row i . row j; on a diagonal tile only j >= i - 3 is needed. */
function dotTile(m: Float32Array, d: number, r0: number, rEnd: number, c0: number, cEnd: number, diagonal: boolean, tile: Float64Array): void {
  let i = r0;
  for (; i + 1 < rEnd; i += 2) {
    const a0 = i * d;
    const a1 = a0 + d;
    const o0 = (i - r0) * TILE - c0;
    const o1 = o0 + TILE;
    let j = diagonal ? c0 + ((i - c0) & ~3) : c0;
    for (; j + 3 < cEnd; j += 4) {
      const b0 = j * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let k = 0; k < d; k++) {
        const x = m[a0 + k]!;
        const y = m[a1 + k]!;
        const p = m[b0 + k]!;
        const q = m[b1 + k]!;
        const r = m[b2 + k]!;
        const s = m[b3 + k]!;
        s00 += x * p;
        s01 += x * q;
        s02 += x * r;
        s03 += x * s;
        s10 += y * p;
        s11 += y * q;
        s12 += y * r;
        s13 += y * s;
      }
      tile[o0 + j] = s00;
      tile[o0 + j + 1] = s01;
      tile[o0 + j + 2] = s02;
      tile[o0 + j + 3] = s03;
      tile[o1 + j] = s10;
      tile[o1 + j + 1] = s11;
      tile[o1 + j + 2] = s12;
      tile[o1 + j + 3] = s13;
    }
    for (; j < cEnd; j++) {
      tile[o0 + j] = dot(m, a0, j * d, d);
      tile[o1 + j] = dot(m, a1, j * d, d);
    }
  }
  if (i < rEnd) {
    const o0 = (i - r0) * TILE - c0;
    for (let j = diagonal ? i : c0; j < cEnd; j++) tile[o0 + j] = dot(m, i * d, j * d, d);
  }
}

/** A seeded uniform generator in [0, 1) (splitmix32). */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** In-place unnormalised Walsh-Hadamard transform of v[0..n), n a power of two. */
function walshHadamard(v: Float64Array, n: number): void {
  let h = 1;
  for (; h * 4 <= n; h *= 4) {
    const h2 = 2 * h;
    const h3 = 3 * h;
    for (let i = 0; i < n; i += 4 * h) {
      for (let j = i; j < i + h; j++) {
        const a = v[j]!;
        const b = v[j + h]!;
        const c = v[j + h2]!;
        const e = v[j + h3]!;
        const s = a + b;
        const t = a - b;
        const u = c + e;
        const w = c - e;
        v[j] = s + u;
        v[j + h] = t + w;
        v[j + h2] = s - u;
        v[j + h3] = t - w;
      }
    }
  }
  for (; h < n; h *= 2) {
    for (let i = 0; i < n; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const a = v[j]!;
        const b = v[j + h]!;
        v[j] = a + b;
        v[j + h] = a - b;
      }
    }
  }
}

/**
 * Probability that LSH misses one pair of cosine `cosine`: bands of b bits drawn without
 * replacement from a pool of B sign bits, L bands. Given h pool bits where the pair differs, a band
 * collides with probability C(B-h, b) / C(B, b), and h ~ Binomial(B, theta / pi) for independent
 * random hyperplanes, theta being the angle of the pair after centring, at most
 * arccos(1 - (1 - cosine) / m2) where m2 is the smallest squared length of a centred vector.
 */
function missProbability(cosine: number, m2: number, B: number, b: number, L: number): number {
  if (cosine >= 1) return 0;
  const centred = m2 > 0 ? 1 - (1 - cosine) / m2 : -1;
  const p = Math.acos(Math.max(-1, Math.min(1, centred))) / Math.PI;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logPmf = B * logQ;
  let miss = 0;
  for (let h = 0; h <= B; h++) {
    const pmf = Math.exp(logPmf);
    if (pmf > 0) {
      let collide = 0;
      if (B - h >= b) {
        collide = 1;
        for (let t = 0; t < b; t++) collide *= (B - h - t) / (B - t);
      }
      miss += pmf * (1 - collide) ** L;
    }
    logPmf += Math.log(B - h) - Math.log(h + 1) + logP - logQ;
  }
  return Math.min(1, miss);
}

/**
 * Candidate search by random-hyperplane LSH over the mean-centred unit vectors. Each distinct
 * vector gets a pool of sign bits from randomized Hadamard rotations (random signs, transform,
 * random signs, transform: about as good as Gaussian hyperplanes at O(d log d) per 1024 bits);
 * each band is b bits drawn from the pool, and vectors whose band bits agree become candidate
 * pairs, scored exactly. Identical vectors are grouped first and hashed once.
 */
function lshTopPairs(
  rows: Float32Array,
  n: number,
  d: number,
  lengths2: Float64Array,
  scale: Float64Array,
  sum: Float64Array,
  heap: PairHeap,
  options: LshOptions,
  exactBudget: number,
): TopPairsMethod {
  const random = seededUniform(options.seed ?? 1);
  const recallCosine = options.recallCosine ?? 0.9;
  const recallTarget = options.recallTarget ?? 0.99;
  const maxCandidates = options.maxCandidates ?? Math.floor(exactBudget / Math.max(1, d));
  const cosine = (a: number, b: number) => clampCosine(dot(rows, a * d, b * d, d) / Math.sqrt(lengths2[a]! * lengths2[b]!));

  // Identical vectors: one representative each; their own pairs are scored here, exactly.
  const { reps, members } = groupIdentical(rows, n, d);
  for (const group of members.values()) {
    const c = cosine(group[0]!, group[1]!);
    pairs: for (let x = 0; x < group.length; x++) {
      for (let y = x + 1; y < group.length; y++) if (!heap.offer(c, group[x]!, group[y]!)) break pairs;
    }
  }
  const M = reps.length;

  // Centre on the mean unit vector: it removes the direction all embeddings share, which would
  // otherwise put most pairs into the same buckets.
  const mean = new Float64Array(d);
  for (let k = 0; k < d; k++) mean[k] = sum[k]! / n;
  let m2 = Infinity;
  for (let t = 0; t < M; t++) {
    const base = reps[t]! * d;
    const inv = scale[reps[t]!]!;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const w = rows[base + k]! * inv - mean[k]!;
      s += w * w;
    }
    if (s < m2) m2 = s;
  }

  // The pool of sign bits.
  let size = 64;
  while (size < d) size *= 2;
  const rotations = Math.ceil(MIN_POOL_BITS / size);
  const poolBits = rotations * size;
  const words = poolBits / 32;
  const signs = Array.from({ length: rotations * 2 }, () => Float64Array.from({ length: size }, () => (random() < 0.5 ? -1 : 1)));
  const bits = new Int32Array(M * words);
  const buffer = new Float64Array(size);
  const halves = new Int32Array(buffer.buffer);
  for (let t = 0; t < M; t++) {
    const base = reps[t]! * d;
    const inv = scale[reps[t]!]!;
    for (let r = 0; r < rotations; r++) {
      const first = signs[2 * r]!;
      const second = signs[2 * r + 1]!;
      for (let k = 0; k < d; k++) buffer[k] = (rows[base + k]! * inv - mean[k]!) * first[k]!;
      buffer.fill(0, d);
      walshHadamard(buffer, size);
      for (let k = 0; k < size; k++) buffer[k] = buffer[k]! * second[k]!;
      walshHadamard(buffer, size);
      // Bit set where the projection is >= 0: the complement of the float's sign bit, without branches.
      const out = t * words + (r * size) / 32;
      for (let w = 0; w < size / 32; w++) {
        let word = 0;
        const at = 2 * w * 32 + HIGH_WORD;
        for (let q = 0; q < 32; q++) word |= (~halves[at + 2 * q]! >>> 31) << q;
        bits[out + w] = word;
      }
    }
  }

  const bitsPerBand = Math.min(30, poolBits, options.bitsPerBand ?? Math.max(8, Math.min(30, Math.ceil(Math.log2(Math.max(2, M))) + 5)));
  let bands = options.bands;
  if (bands === undefined) {
    const maxBands = options.maxBands ?? 256;
    bands = 1;
    while (bands < maxBands && missProbability(recallCosine, m2, poolBits, bitsPerBand, bands) > 1 - recallTarget) bands++;
  }

  let candidates = 0;
  let complete = true;
  if (M >= 2) {
    const positions = Int32Array.from({ length: poolBits }, (_, q) => q);
    const wordOf = new Int32Array(bitsPerBand);
    const shiftOf = new Int32Array(bitsPerBand);
    // Buckets of one band: a hash table of chains, cleared per band; `crowded` lists the slots
    // holding two or more vectors, the only ones that can give candidates.
    const tableBits = Math.ceil(Math.log2(M)) + 1;
    const head = new Int32Array(1 << tableBits);
    const next = new Int32Array(M);
    const keys = new Int32Array(M);
    const crowded = new Int32Array(M);
    bandLoop: for (let band = 0; band < bands; band++) {
      // b distinct pool bits: a partial Fisher-Yates shuffle.
      for (let t = 0; t < bitsPerBand; t++) {
        const pick = t + Math.floor(random() * (poolBits - t));
        const chosen = positions[pick]!;
        positions[pick] = positions[t]!;
        positions[t] = chosen;
        wordOf[t] = chosen >>> 5;
        shiftOf[t] = chosen & 31;
      }
      head.fill(-1);
      let crowdedCount = 0;
      for (let t = 0; t < M; t++) {
        const base = t * words;
        let key = 0;
        for (let q = 0; q < bitsPerBand; q++) key = (key << 1) | ((bits[base + wordOf[q]!]! >>> shiftOf[q]!) & 1);
        keys[t] = key;
        const slot = Math.imul(key, 0x9e3779b1) >>> (32 - tableBits);
        const previous = head[slot]!;
        next[t] = previous;
        head[slot] = t;
        if (previous >= 0 && next[previous] === -1) crowded[crowdedCount++] = slot;
      }
      for (let s = 0; s < crowdedCount; s++) {
        for (let x = head[crowded[s]!]!; x >= 0; x = next[x]!) {
          const key = keys[x]!;
          for (let y = next[x]!; y >= 0; y = next[y]!) {
            if (keys[y] !== key) continue;
            if (++candidates > maxCandidates) {
              candidates--;
              complete = false;
              break bandLoop;
            }
            // Chains run from later to earlier rows, so reps[y] < reps[x].
            const a = reps[y]!;
            const b = reps[x]!;
            const c = cosine(a, b);
            if (c < heap.floor) continue;
            offerExpanded(heap, c, a, b, members);
          }
        }
      }
    }
  }

  // A true top-k pair has a cosine >= the k-th found, so it is missed with probability at most
  // missProbability(k-th found); the union bound over the k of them bounds any difference.
  const missProbabilityAtK =
    M < 2 ? 0 : !complete || !heap.full ? 1 : Math.min(1, heap.capacity * missProbability(heap.floor, m2, poolBits, bitsPerBand, bands));
  return {
    kind: "lsh",
    exact: false,
    bands,
    bitsPerBand,
    poolBits,
    candidates,
    duplicateGroups: members.size,
    complete,
    recallCosine,
    recallAtCosine: 1 - missProbability(recallCosine, m2, poolBits, bitsPerBand, bands),
    missProbability: missProbabilityAtK,
  };
}

/**
 * Offer the pair of representatives a < b, standing for every pair of their groups' members (all
 * with this cosine). Only each group's first k members can be among the k smallest (i, j).
 */
function offerExpanded(heap: PairHeap, c: number, a: number, b: number, members: Map<number, number[]>): void {
  const left = members.get(a);
  const right = members.get(b);
  if (!left && !right) {
    heap.offer(c, a, b);
    return;
  }
  const k = heap.capacity;
  for (const x of left?.slice(0, k) ?? [a]) {
    for (const y of right?.slice(0, k) ?? [b]) heap.offer(c, Math.min(x, y), Math.max(x, y));
  }
}

/** Representatives of identical rows (ascending) and, for groups of two or more, their members. */
function groupIdentical(rows: Float32Array, n: number, d: number): { reps: Int32Array; members: Map<number, number[]> } {
  const words = new Int32Array(rows.buffer, rows.byteOffset, n * d);
  const byHash = new Map<number, number[]>();
  const members = new Map<number, number[]>();
  const reps: number[] = [];
  for (let r = 0; r < n; r++) {
    let h1 = 0x811c9dc5;
    let h2 = 0x2545f491;
    const base = r * d;
    for (let k = 0; k < d; k++) {
      const w = words[base + k]!;
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h2 = Math.imul(h2 ^ w, 0x5bd1e995) ^ (h2 >>> 15);
    }
    const hash = (h1 >>> 0) * 2097152 + (h2 >>> 11);
    const candidates = byHash.get(hash);
    const same = candidates?.find((other) => {
      const o = other * d;
      for (let k = 0; k < d; k++) if (words[base + k] !== words[o + k]) return false;
      return true;
    });
    if (same === undefined) {
      reps.push(r);
      if (candidates) candidates.push(r);
      else byHash.set(hash, [r]);
    } else {
      const group = members.get(same);
      if (group) group.push(r);
      else members.set(same, [same, r]);
    }
  }
  return { reps: Int32Array.from(reps), members };
}
