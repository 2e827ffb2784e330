import { seededRandom } from "../../random.js";
import { clampCosine, dot } from "./cosine.js";
import { groupIdentical } from "./group-identical.js";
import { missProbability } from "./miss-probability.js";
import type { NormalisedRows } from "./normalise-rows.js";
import type { PairSink } from "./pair-sink.js";
import type { TopPairsMethod } from "./top-pairs-method.js";
import { walshHadamard } from "./walsh-hadamard.js";

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

const MIN_POOL_BITS = 1024;
/** Index of a float64's high 32 bits (sign, exponent) in an Int32Array view of it. */
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * Candidate search by random-hyperplane LSH over the mean-centred unit vectors. Each distinct
 * vector gets a pool of sign bits from randomized Hadamard rotations (random signs, transform,
 * random signs, transform: about as good as Gaussian hyperplanes at O(d log d) per 1024 bits);
 * each band is b bits drawn from the pool, and vectors whose band bits agree become candidate
 * pairs, scored exactly. Identical vectors are grouped first and hashed once.
 */
export function lshTopPairs(
  { rows, n, d, lengths2, scale, sum }: NormalisedRows,
  heap: PairSink,
  options: LshOptions,
  exactBudget: number,
): Extract<TopPairsMethod, { kind: "lsh" }> {
  const random = seededRandom("embedding-diversity lsh", options.seed ?? 1);
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
  const signs = Array.from({ length: rotations * 2 }, () => Float64Array.from({ length: size }, () => (random.int(0, 1) === 0 ? -1 : 1)));
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
        const pick = random.int(t, poolBits - 1);
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
function offerExpanded(heap: PairSink, c: number, a: number, b: number, members: Map<number, number[]>): void {
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
