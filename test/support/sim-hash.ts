import { createHash } from "node:crypto";

/**
 * Hashing and seeded randomness for the simulated server. Every choice the simulator makes comes
 * from a hash of what it was asked, never from the clock or the order requests arrive in.
 */

/** Hex SHA-256 of the parts (joined unambiguously). */
export function hashOf(...parts: ReadonlyArray<string | number>): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** A number in [0, 1) derived from the parts. */
export function unitOf(...parts: ReadonlyArray<string | number>): number {
  return parseInt(hashOf(...parts).slice(0, 12), 16) / 2 ** 48;
}

/** A small seeded generator (sfc32) for the choices inside one reply. */
export interface SimRandom {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
  /** True with probability `rate`. */
  chance(rate: number): boolean;
}

export function randomFrom(...parts: ReadonlyArray<string | number>): SimRandom {
  const h = hashOf(...parts);
  let a = parseInt(h.slice(0, 8), 16) | 0;
  let b = parseInt(h.slice(8, 16), 16) | 0;
  let c = parseInt(h.slice(16, 24), 16) | 0;
  let d = parseInt(h.slice(24, 32), 16) | 0;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return {
    next,
    below: (n) => Math.floor(next() * Math.max(1, n)),
    chance: (rate) => rate > 0 && next() < rate,
  };
}

/** FNV-1a, 32 bits, with a final avalanche (so every bit, the low ones too, is well mixed): a fast hash for embedding features. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
