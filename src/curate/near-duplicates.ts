/**
 * Exact and near-duplicate texts in a dataset (issue 15's `--dedup`): MinHash signatures over word
 * shingles, banded for locality-sensitive hashing, so that only texts likely to be alike are
 * compared, and every candidate pair is then measured exactly (Jaccard over the shingle sets). The
 * copy kept is the first; each later copy is reported with the kept text it duplicates.
 */

export interface NearDuplicateOptions {
  /** Jaccard similarity of word shingles at which two texts are duplicates. Default 0.8. */
  threshold?: number;
  /** Words per shingle. Default 3 (texts shorter than that are one shingle). */
  shingleWords?: number;
}

export interface Duplicate {
  /** The index of the text removed. */
  index: number;
  /** The index of the earlier text it duplicates (always one that is kept). */
  of: number;
  /**
   * "exact": the same text once case, accents' forms, punctuation and spacing are set aside;
   * "near": alike in words (shingles); "embedding": alike in meaning (embedding cosine).
   */
  kind: "exact" | "near" | "embedding";
  /** Jaccard similarity of their shingles (1 for exact), or the cosine of their embeddings. */
  similarity: number;
}

/** Hash functions per signature: bands x rows. */
const BANDS = 20;
const ROWS = 5;

/**
 * The duplicates among `texts`, in index order. A text is a duplicate when an earlier kept text is
 * the same once normalised (exact), or shares at least `threshold` of their word shingles (near).
 * With 20 bands of 5 rows, a pair becomes a candidate with probability 1 - (1 - J^5)^20: 0.9996 at
 * Jaccard 0.8, 0.47 at 0.5, 0.05 at 0.3, so duplicates are found and unlike texts rarely compared.
 */
export function findDuplicates(texts: readonly string[], options: NearDuplicateOptions = {}): Duplicate[] {
  const threshold = options.threshold ?? 0.8;
  const width = options.shingleWords ?? 3;
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`threshold must be in (0, 1], got ${threshold}`);
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`shingleWords must be an integer >= 1, got ${width}`);

  const duplicates: Duplicate[] = [];
  /** Each normalised text seen, and the kept text it is (itself), or its twin and their similarity. */
  const seenText = new Map<string, { of: number; similarity: number }>();
  /** Per band, the kept texts whose band hashed to a key. */
  const buckets = Array.from({ length: BANDS }, () => new Map<number, number[]>());
  const shingles: Array<Uint32Array | undefined> = [];

  texts.forEach((text, index) => {
    const normal = normalise(text);
    const twin = seenText.get(normal);
    if (twin !== undefined) {
      duplicates.push({ index, of: twin.of, kind: twin.similarity === 1 ? "exact" : "near", similarity: twin.similarity });
      return;
    }
    const set = shingleSet(normal, width);
    const signature = minHash(set);
    let best: { of: number; similarity: number } | undefined;
    const seen = new Set<number>();
    const keys: number[] = [];
    for (let band = 0; band < BANDS; band++) {
      const key = bandKey(signature, band);
      keys.push(key);
      for (const candidate of buckets[band]!.get(key) ?? []) {
        if (seen.has(candidate)) continue;
        seen.add(candidate);
        const similarity = jaccard(set, shingles[candidate]!);
        if (similarity >= threshold && (best === undefined || similarity > best.similarity || (similarity === best.similarity && candidate < best.of))) {
          best = { of: candidate, similarity };
        }
      }
    }
    // A later copy of this text is a copy of the text kept for it.
    seenText.set(normal, best ?? { of: index, similarity: 1 });
    if (best) {
      duplicates.push({ index, of: best.of, kind: "near", similarity: best.similarity });
      return;
    }
    // Only kept texts go into the buckets: a duplicate's twin is always a text that stays.
    shingles[index] = set;
    keys.forEach((key, band) => {
      const bucket = buckets[band]!;
      const list = bucket.get(key);
      if (list) list.push(index);
      else bucket.set(key, [index]);
    });
  });
  return duplicates;
}

/** Lower case, compatibility forms folded, punctuation out, spaces single: what "the same text" means here. */
export function normalise(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The distinct word shingles of a normalised text, hashed, sorted (for a linear Jaccard). */
function shingleSet(normal: string, width: number): Uint32Array {
  const words = normal === "" ? [] : normal.split(" ");
  const hashes = new Set<number>();
  if (words.length <= width) hashes.add(hash32(words.join(" ")));
  else for (let i = 0; i + width <= words.length; i++) hashes.add(hash32(words.slice(i, i + width).join(" ")));
  return Uint32Array.from(hashes).sort();
}

/** Jaccard similarity of two sorted sets of hashes. */
function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  const union = a.length + b.length - shared;
  return union === 0 ? 1 : shared / union;
}

/** Seeds of the hash functions: fixed, so that a dataset's duplicates do not change from run to run. */
const SEEDS = Uint32Array.from({ length: BANDS * ROWS }, (_, i) => mix32(0x9e3779b9 ^ Math.imul(i + 1, 0x85ebca6b)));

/** For each hash function, the least hash of the set's elements under it. */
function minHash(set: Uint32Array): Uint32Array {
  const signature = new Uint32Array(SEEDS.length).fill(0xffffffff);
  for (const element of set) {
    for (let f = 0; f < SEEDS.length; f++) {
      const h = mix32(element ^ SEEDS[f]!);
      if (h < signature[f]!) signature[f] = h;
    }
  }
  return signature;
}

/** One band's rows of the signature, hashed into a bucket key. */
function bandKey(signature: Uint32Array, band: number): number {
  let h = 0x811c9dc5 ^ band;
  for (let r = band * ROWS; r < (band + 1) * ROWS; r++) h = mix32(h ^ signature[r]!);
  return h;
}

/** FNV-1a over UTF-16 code units, finished by a mixer: a shingle's 32-bit hash. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** MurmurHash3's finaliser: a good 32-bit mixer, so each seed gives an independent-looking permutation. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
