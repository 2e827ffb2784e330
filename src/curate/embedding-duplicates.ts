import { pairsAbove } from "../eval/embedding-diversity/pairs-above.js";
import type { TopPairsMethod } from "../eval/embedding-diversity/top-pairs-method.js";
import type { Duplicate } from "./near-duplicates.js";

/**
 * Texts alike in meaning (`--dedup-embeddings`): a text is a duplicate when its embedding has a
 * cosine of at least `threshold` with an earlier text that is kept. The pairs come from the search
 * embedding diversity uses for its most similar pairs (exact, or LSH with each candidate scored
 * exactly); a text's twin is the kept earlier text most like it. Indices are positions in `vectors`;
 * `skip` are texts already removed (by another step), which neither stay nor count as twins.
 */
export function findEmbeddingDuplicates(
  vectors: readonly Float32Array[],
  threshold: number,
  skip: ReadonlySet<number> = new Set(),
): { duplicates: Duplicate[]; method: TopPairsMethod } {
  const { pairs, method } = pairsAbove(vectors, threshold);
  /** For each later text, its earlier alike texts and their cosines. */
  const earlier = new Map<number, Array<{ i: number; cosine: number }>>();
  for (const { i, j, cosine } of pairs) {
    if (skip.has(i) || skip.has(j)) continue;
    const list = earlier.get(j);
    if (list) list.push({ i, cosine });
    else earlier.set(j, [{ i, cosine }]);
  }
  const removed = new Set<number>();
  const duplicates: Duplicate[] = [];
  for (const j of [...earlier.keys()].sort((a, b) => a - b)) {
    let best: { i: number; cosine: number } | undefined;
    for (const candidate of earlier.get(j)!) {
      if (removed.has(candidate.i)) continue;
      if (!best || candidate.cosine > best.cosine || (candidate.cosine === best.cosine && candidate.i < best.i)) best = candidate;
    }
    if (!best) continue;
    removed.add(j);
    duplicates.push({ index: j, of: best.i, kind: "embedding", similarity: best.cosine });
  }
  return { duplicates, method };
}
