import { createHash } from "node:crypto";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** A seeded source of random choices. */
export interface Random {
  /** Uniform integer in [from, to], both included. */
  int(from: number, to: number): number;
  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** Up to k distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[];
}

/**
 * A generator keyed by the run seed and the place it is used, e.g. (seed, document, level, round),
 * so that every choice is reproducible whatever order concurrent work finishes in.
 */
export function seededRandom(...key: Array<string | number>): Random {
  const digest = createHash("sha256").update(JSON.stringify(key)).digest();
  const rng = xoroshiro128plus(digest.readInt32LE(0));
  const int = (from: number, to: number) => uniformInt(rng, from, to);
  const shuffle = <T>(items: readonly T[]): T[] => {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  return { int, shuffle, sample: (items, k) => shuffle(items).slice(0, Math.max(0, k)) };
}
