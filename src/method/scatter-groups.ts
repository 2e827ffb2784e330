import type { Random } from "../random.js";

/** How many single, pair and triple keyword groups make `n` scatter instructions. */
export interface GroupSizes {
  singles: number;
  pairs: number;
  triples: number;
}

/** a = floor(n / 2.5) singles, b = floor(n / 2.25) pairs, c = n - a - b triples. */
export function groupSizes(n: number): GroupSizes {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`scatter budget must be a positive integer, got ${n}`);
  const singles = Math.floor(n / 2.5);
  const pairs = Math.floor(n / 2.25);
  return { singles, pairs, triples: n - singles - pairs };
}

/** K = a + 2b + 3c: the distinct keywords to extract for `n` scatter instructions. */
export function keywordCount(n: number): number {
  const { singles, pairs, triples } = groupSizes(n);
  return singles + 2 * pairs + 3 * triples;
}

/** The largest budget whose keyword count fits in `available` keywords (0 when none does). */
export function largestBudgetFor(available: number, n: number): number {
  for (let m = n; m >= 1; m--) if (keywordCount(m) <= available) return m;
  return 0;
}

/**
 * The pool groups are drawn from: every keyword once, the important ones (core, then major) once
 * more, and the first core keyword a third time, so that central concepts are likelier to be drawn.
 */
export function keywordPool(keywords: readonly string[], core: readonly string[] = [], major: readonly string[] = []): string[] {
  const pool = [...keywords, ...core, ...major];
  if (core[0] !== undefined) pool.push(core[0]);
  return pool;
}

/**
 * Shuffle the pool and cut it into groups of the given sizes (singles first, then pairs, then
 * triples). A group never holds the same keyword twice: a drawn duplicate is put back for a later
 * group, and when only duplicates are left, the group is completed with random distinct keywords.
 */
export function drawGroups(pool: readonly string[], sizes: GroupSizes, random: Random): string[][] {
  const distinct = [...new Set(pool)];
  const remaining = random.shuffle(pool);
  const shape = [
    ...Array<number>(sizes.singles).fill(1),
    ...Array<number>(sizes.pairs).fill(2),
    ...Array<number>(sizes.triples).fill(3),
  ];
  if (distinct.length < Math.max(0, ...shape)) {
    throw new RangeError(`cannot form groups of ${Math.max(...shape)} distinct keywords from ${distinct.length}`);
  }
  return shape.map((size) => {
    const group: string[] = [];
    for (let i = 0; i < remaining.length && group.length < size; ) {
      if (group.includes(remaining[i]!)) i++;
      else group.push(remaining.splice(i, 1)[0]!);
    }
    if (group.length < size) {
      const unused = random.shuffle(distinct.filter((k) => !group.includes(k)));
      group.push(...unused.slice(0, size - group.length));
    }
    return group;
  });
}
