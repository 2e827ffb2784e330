import type { Random } from "../../random.js";

/**
 * `size` of `items` drawn at random within strata, so that each stratum keeps its share: a stratum
 * of n of the N items gets floor(size x n / N) places, and the places left over go one each to the
 * strata with the largest remainders (equal remainders drawn at random, so no stratum is favoured
 * by its name or position). The sample keeps the items' order. All of them when size >= N.
 */
export function stratifiedSample<T>(items: readonly T[], size: number, stratumOf: (item: T) => string, random: Random): T[] {
  const total = items.length;
  if (size >= total) return items.slice();
  if (size <= 0) return [];
  const strata = new Map<string, number[]>();
  items.forEach((item, i) => {
    const key = stratumOf(item);
    const list = strata.get(key);
    if (list) list.push(i);
    else strata.set(key, [i]);
  });
  // Remainders as integers (size x n mod N) compare exactly.
  const shares = [...strata.values()].map((indices) => ({
    indices,
    quota: Math.floor((size * indices.length) / total),
    remainder: (size * indices.length) % total,
  }));
  let left = size - shares.reduce((n, s) => n + s.quota, 0);
  for (const share of random.shuffle(shares).sort((x, y) => y.remainder - x.remainder)) {
    if (left === 0) break;
    share.quota++;
    left--;
  }
  const chosen = shares.flatMap((share) => random.sample(share.indices, share.quota));
  return chosen.sort((x, y) => x - y).map((i) => items[i]!);
}
