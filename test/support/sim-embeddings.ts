/**
 * Deterministic embeddings for the simulated server: signed feature hashing of a text's words and
 * character trigrams (characters and character pairs for Chinese), L2-normalised, so texts that
 * share words have a higher cosine similarity. Pure functions.
 */
import { fnv1a } from "./sim-hash.js";

/** The features of a text with their weights: words weigh 1, trigrams and Han pieces less. */
function features(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (f: string, w: number) => out.set(f, (out.get(f) ?? 0) + w);
  for (const m of text.toLowerCase().matchAll(/\p{Script=Han}+|[\p{L}\p{M}\p{N}]+/gu)) {
    const word = m[0];
    if (/\p{Script=Han}/u.test(word)) {
      for (const ch of word) add(`c:${ch}`, 0.5);
      const chars = [...word];
      for (let i = 0; i + 1 < chars.length; i++) add(`w:${chars[i]}${chars[i + 1]}`, 1);
      continue;
    }
    add(`w:${word}`, 1);
    const padded = `<${word}>`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.35);
  }
  return out;
}

/** A unit vector of `dim` numbers for the text. */
export function embed(text: string, dim: number): number[] {
  const v = new Array<number>(dim).fill(0);
  const feats = features(text);
  if (feats.size === 0) feats.set(`empty:${text.length}`, 1);
  for (const [f, w] of feats) {
    const h = fnv1a(f);
    const sign = fnv1a(f, 0x9e3779b9) & 1 ? 1 : -1;
    v[h % dim]! += sign * w;
    // A second bucket spreads each feature, so that collisions matter less at small sizes.
    const h2 = fnv1a(f, 0x85ebca6b);
    v[h2 % dim]! += (h2 & 1 ? 1 : -1) * w * 0.5;
  }
  let norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  if (norm === 0) {
    v[fnv1a(text) % dim] = 1;
    norm = 1;
  }
  return v.map((x) => x / norm);
}

/** The vector as the base64 of its little-endian float32 bytes (`encoding_format: "base64"`). */
export function toBase64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes.toString("base64");
}
