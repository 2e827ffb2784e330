import { earlierNeighbours } from "../eval/embedding-diversity/pairs-above.js";
import type { TopPairsMethod } from "../eval/embedding-diversity/top-pairs-method.js";
import type { Duplicate } from "./near-duplicates.js";

/**
 * Texts alike in meaning (`--dedup-embeddings`): a text is a duplicate when its embedding has a
 * cosine of at least `threshold` with an earlier text that is kept. The candidates come from the
 * search embedding diversity uses for its most similar pairs (exact, or LSH with each candidate
 * scored exactly), each text's few most similar earlier texts; its twin is the kept one most like
 * it. Indices are positions in `vectors`; `skip` are texts already removed (by another step), which
 * are left out of the search and never twins.
 */
export function findEmbeddingDuplicates(
  vectors: readonly Float32Array[],
  threshold: number,
  skip: ReadonlySet<number> = new Set(),
): { duplicates: Duplicate[]; method: TopPairsMethod } {
  const searched: number[] = [];
  vectors.forEach((_, index) => {
    if (!skip.has(index)) searched.push(index);
  });
  const { neighbours, method } = earlierNeighbours(
    searched.map((index) => vectors[index]!),
    threshold,
  );
  const removed = new Set<number>();
  const duplicates: Duplicate[] = [];
  for (const j of [...neighbours.keys()].sort((a, b) => a - b)) {
    // Most similar first: the first still kept is the twin.
    const twin = neighbours.get(j)!.find((candidate) => !removed.has(candidate.of));
    if (!twin) continue;
    removed.add(j);
    duplicates.push({ index: searched[j]!, of: searched[twin.of]!, kind: "embedding", similarity: twin.cosine });
  }
  return { duplicates, method };
}
