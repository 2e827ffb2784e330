/**
 * Self-BLEU, as the Self-Foveate paper measures the diversity of a set of instructions: every
 * instruction is scored with sentence-level BLEU against all the *other* instructions as its
 * references, for several maximum n-gram orders, and diversity is one minus the mean score.
 *
 * Each score is exactly what NLTK's `sentence_bleu(others, hypothesis, weights=(1/n,)*n,
 * smoothing_function=SmoothingFunction(epsilon=0.1).method1)` returns:
 * - modified precision p_k for k = 1..n: each hypothesis k-gram's count is clipped to its largest
 *   count in any single reference; the denominator is the number of hypothesis k-grams, at least 1;
 * - the score is 0 when no unigram matches at all (this covers the empty hypothesis);
 * - method1 smoothing: a precision whose numerator is 0 becomes 0.1 over its denominator;
 * - brevity penalty from the reference length closest to the hypothesis length (a tie goes to
 *   the shorter reference): 1 when the hypothesis is longer, otherwise exp(1 - r / c);
 * - score = BP * exp(sum over k of (1/n) * log p_k).
 *
 * Done naively that is quadratic in the number of instructions. Here it is linear in the total
 * number of n-grams: the largest count of an n-gram among all references *but one sentence* is
 * the corpus-wide largest count unless that sentence holds it, in which case it is the second
 * largest (counted with multiplicity, so a maximum shared by two sentences is also the second
 * largest). So the corpus is read once to intern every n-gram as an integer id (a k-gram is the
 * pair of its (k-1)-gram prefix id and its last token id, kept in an open-addressing hash table)
 * and to record the two largest per-sentence counts of each id; a second pass scores every
 * sentence. The closest reference length comes from a binary search over the sorted lengths with
 * one occurrence of the sentence's own length left out.
 *
 * Fewer than two instructions: no instruction has a reference (NLTK itself raises an error
 * there). Each score is then defined as 0: a lone instruction overlaps with nothing. With no
 * instruction at all, the means and the diversity are NaN: there is nothing to average.
 */

export interface SelfBleuResult {
  /** Per maximum order n, each instruction's score, in input order. */
  scores: Record<number, Float64Array>;
  /** Per maximum order n, the mean of the scores. */
  mean: Record<number, number>;
  /** 1 - the mean over every (instruction, n) score. */
  diversity: number;
}

const EPSILON = 0.1;

/** Layout of the per-n-gram record in `stats`: scratch tally, largest and second largest count. */
const STRIDE = 4;
const TALLY = 0;
const MAX1 = 1;
const MAX2 = 2;

/**
 * Self-BLEU of already tokenized instructions (see `tokenizeWords`) for each maximum n-gram
 * order in `maxN` (distinct positive integers), each with uniform weights 1/n over orders 1..n.
 */
export function selfBleu(
  tokenized: readonly (readonly string[])[],
  maxN: readonly number[] = [2, 3, 4, 5],
): SelfBleuResult {
  if (maxN.length === 0) throw new RangeError("selfBleu needs at least one maximum n-gram order");
  for (const n of maxN) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`maximum n-gram order must be a positive integer, got ${n}`);
  }
  if (new Set(maxN).size !== maxN.length) throw new RangeError(`maximum n-gram orders must be distinct, got ${maxN.join(", ")}`);

  const count = tokenized.length;
  const scores: Record<number, Float64Array> = {};
  for (const n of maxN) scores[n] = new Float64Array(count);
  if (count >= 2) scoreAll(tokenized, maxN, scores);

  const mean: Record<number, number> = {};
  let total = 0;
  for (const n of maxN) {
    let sum = 0;
    for (const s of scores[n]!) sum += s;
    mean[n] = sum / count;
    total += sum;
  }
  return { scores, mean, diversity: 1 - total / (count * maxN.length) };
}

/** Fills `scores` for a corpus of at least two sentences. */
function scoreAll(tokenized: readonly (readonly string[])[], maxN: readonly number[], scores: Record<number, Float64Array>): void {
  const count = tokenized.length;
  const maxOrder = Math.max(...maxN);

  // Token ids; per sentence, where its n-gram ids start in `grams`. Sentence i's block holds its
  // unigram ids (its tokens), then its bigram ids, and so on up to maxOrder.
  const vocabulary = new Map<string, number>();
  const lengths = new Int32Array(count);
  const blockStart = new Float64Array(count + 1);
  let longest = 0;
  for (let i = 0; i < count; i++) {
    const length = tokenized[i]!.length;
    lengths[i] = length;
    if (length > longest) longest = length;
    blockStart[i + 1] = blockStart[i]! + gramsInSentence(length, maxOrder);
  }
  const totalGrams = blockStart[count]!;
  if (totalGrams > 2 ** 31 - 1) throw new RangeError("corpus too large for Self-BLEU");
  const grams = new Int32Array(totalGrams);
  for (let i = 0; i < count; i++) {
    const tokens = tokenized[i]!;
    let at = blockStart[i]!;
    for (const token of tokens) {
      let id = vocabulary.get(token);
      if (id === undefined) {
        id = vocabulary.size;
        vocabulary.set(token, id);
      }
      grams[at++] = id;
    }
  }

  // Intern the higher orders. Ids continue after the token ids, so a prefix id says its order.
  const table = new PairTable(vocabulary.size, Math.max(16, (totalGrams - sumOf(lengths)) * 0.75));
  for (let i = 0; i < count; i++) {
    const length = lengths[i]!;
    const tokensAt = blockStart[i]!;
    let prefixAt = tokensAt; // start of the (k-1)-gram ids
    for (let k = 2; k <= maxOrder && k <= length; k++) {
      const prefixCount = length - k + 2;
      const at = prefixAt + prefixCount;
      for (let p = 0; p < prefixCount - 1; p++) grams[at + p] = table.intern(grams[prefixAt + p]!, grams[tokensAt + p + k - 1]!);
      prefixAt = at;
    }
  }
  const ids = table.nextId;

  // Pass 1: the largest and second largest per-sentence count of every n-gram. `stats` keeps,
  // per id, a scratch tally and those two counts side by side (one cache line per random access).
  const stats = new Int32Array(ids * STRIDE);
  const distinct = new Int32Array(Math.max(1, longest));
  for (let i = 0; i < count; i++) {
    const length = lengths[i]!;
    let at = blockStart[i]!;
    for (let k = 1; k <= maxOrder && k <= length; k++) {
      const size = length - k + 1;
      const found = countSegment(grams, at, size, stats, distinct);
      for (let d = 0; d < found; d++) {
        const s = distinct[d]! * STRIDE;
        const c = stats[s + TALLY]!;
        stats[s + TALLY] = 0;
        const largest = stats[s + MAX1]!;
        if (c > largest) {
          stats[s + MAX2] = largest;
          stats[s + MAX1] = c;
        } else if (c > stats[s + MAX2]!) {
          stats[s + MAX2] = c;
        }
      }
      at += size;
    }
  }

  // Reference lengths, sorted, for the brevity penalty.
  const sortedLengths = lengths.slice().sort();

  // Pass 2: clipped matches per order, then each score.
  const matches = new Float64Array(maxOrder + 1);
  const ngrams = new Float64Array(maxOrder + 1);
  for (let i = 0; i < count; i++) {
    const length = lengths[i]!;
    let at = blockStart[i]!;
    for (let k = 1; k <= maxOrder; k++) {
      const size = length >= k ? length - k + 1 : 0;
      let matched = 0;
      if (size > 0) {
        const found = countSegment(grams, at, size, stats, distinct);
        for (let d = 0; d < found; d++) {
          const s = distinct[d]! * STRIDE;
          const c = stats[s + TALLY]!;
          stats[s + TALLY] = 0;
          // The largest count among the other sentences.
          const largest = stats[s + MAX1]!;
          const other = c === largest ? stats[s + MAX2]! : largest;
          matched += c < other ? c : other;
        }
      }
      matches[k] = matched;
      ngrams[k] = size;
      at += size;
    }

    if (matches[1] === 0) continue; // no unigram in common: score 0 (leaves the 0 in place)
    const penalty = brevityPenalty(closestOtherLength(sortedLengths, length), length);
    for (const n of maxN) {
      const weight = 1 / n;
      // Compensated (Neumaier) summation, close to the exactly rounded math.fsum NLTK uses.
      let sum = 0;
      let compensation = 0;
      for (let k = 1; k <= n; k++) {
        const denominator = Math.max(1, ngrams[k]!);
        const precision = matches[k]! === 0 ? EPSILON / denominator : matches[k]! / denominator;
        const term = weight * Math.log(precision);
        const t = sum + term;
        compensation += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
        sum = t;
      }
      scores[n]![i] = penalty * Math.exp(sum + compensation);
    }
  }
}

/** The number of n-grams of orders 1..maxOrder in a sentence of `length` tokens. */
function gramsInSentence(length: number, maxOrder: number): number {
  let total = 0;
  for (let k = 1; k <= maxOrder && k <= length; k++) total += length - k + 1;
  return total;
}

function sumOf(values: Int32Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/**
 * Tallies `size` ids of `grams` from `at` into the TALLY fields of `stats` (all zero on entry) and
 * lists each distinct id once in `distinct`; returns how many. The caller zeroes the tallies.
 */
function countSegment(grams: Int32Array, at: number, size: number, stats: Int32Array, distinct: Int32Array): number {
  let found = 0;
  for (let p = at, end = at + size; p < end; p++) {
    const id = grams[p]!;
    const s = id * STRIDE + TALLY;
    const seen = stats[s]!;
    stats[s] = seen + 1;
    if (seen === 0) distinct[found++] = id;
  }
  return found;
}

/**
 * The reference length closest to `length` among all sentence lengths with one occurrence of
 * `length` itself (the hypothesis) left out; a tie goes to the shorter. `sorted` has at least two
 * entries and contains `length`.
 */
function closestOtherLength(sorted: Int32Array, length: number): number {
  const lower = firstAtLeast(sorted, length);
  const upper = firstAtLeast(sorted, length + 1);
  if (upper - lower > 1) return length; // another sentence has the same length
  const below = lower > 0 ? sorted[lower - 1]! : -1;
  const above = upper < sorted.length ? sorted[upper]! : -1;
  if (below < 0) return above;
  if (above < 0) return below;
  return length - below <= above - length ? below : above;
}

function firstAtLeast(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function brevityPenalty(referenceLength: number, hypothesisLength: number): number {
  if (hypothesisLength > referenceLength) return 1;
  if (hypothesisLength === 0) return 0;
  return Math.exp(1 - referenceLength / hypothesisLength);
}

/**
 * Interns pairs of non-negative 32-bit integers as consecutive ids starting at `firstId`:
 * open addressing with linear probing over typed arrays, doubled when more than 70% full.
 */
class PairTable {
  nextId: number;
  private mask: number;
  private firstKeys: Int32Array;
  private secondKeys: Int32Array;
  private values: Int32Array; // id + 1; 0 marks an empty slot
  private size = 0;

  constructor(firstId: number, expected: number) {
    this.nextId = firstId;
    let capacity = 16;
    while (capacity * 0.7 < expected) capacity *= 2;
    this.mask = capacity - 1;
    this.firstKeys = new Int32Array(capacity);
    this.secondKeys = new Int32Array(capacity);
    this.values = new Int32Array(capacity);
  }

  intern(a: number, b: number): number {
    const { firstKeys, secondKeys, values, mask } = this;
    let slot = hashPair(a, b) & mask;
    for (;;) {
      const value = values[slot]!;
      if (value === 0) break;
      if (firstKeys[slot] === a && secondKeys[slot] === b) return value - 1;
      slot = (slot + 1) & mask;
    }
    const id = this.nextId++;
    firstKeys[slot] = a;
    secondKeys[slot] = b;
    values[slot] = id + 1;
    if (++this.size > (mask + 1) * 0.7) this.grow();
    return id;
  }

  private grow(): void {
    const { firstKeys, secondKeys, values } = this;
    const capacity = (this.mask + 1) * 2;
    const mask = capacity - 1;
    const newFirst = new Int32Array(capacity);
    const newSecond = new Int32Array(capacity);
    const newValues = new Int32Array(capacity);
    for (let s = 0; s < values.length; s++) {
      const value = values[s]!;
      if (value === 0) continue;
      const a = firstKeys[s]!;
      const b = secondKeys[s]!;
      let slot = hashPair(a, b) & mask;
      while (newValues[slot] !== 0) slot = (slot + 1) & mask;
      newFirst[slot] = a;
      newSecond[slot] = b;
      newValues[slot] = value;
    }
    this.mask = mask;
    this.firstKeys = newFirst;
    this.secondKeys = newSecond;
    this.values = newValues;
  }
}

function hashPair(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ (b >>> 15), 0x85ebca77);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae3d);
  return h ^ (h >>> 16);
}
