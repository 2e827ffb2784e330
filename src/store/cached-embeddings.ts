import { createHash } from "node:crypto";
import type { EmbeddingModel } from "../llm/port.js";
import type { RunStore } from "./run-store.js";

/** The content address of a text: the base64url sha256 of its UTF-8 bytes. */
export function textHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64url");
}

/**
 * The cache's name for a model: what changes its vectors and nothing else (the model name and a
 * requested vector length); not the server address, the key, batch size or concurrency.
 */
export function embeddingCacheKey(model: EmbeddingModel): string {
  return model.dimensions === undefined ? model.modelId : `${model.modelId}#dimensions=${model.dimensions}`;
}

export interface CachedEmbeddingStats {
  /** Distinct texts answered from the store. */
  hits: number;
  /** Distinct texts sent to the model (a text repeated within a call is embedded once). */
  misses: number;
}

/**
 * An embedding model that answers from the run store for every text it has embedded before, and
 * sends only the other distinct texts to `model`, committing their vectors before handing them on.
 * Embedding the same texts again makes no request. Each position gets its own Float32Array.
 */
export function cachedEmbeddings(model: EmbeddingModel, store: RunStore): EmbeddingModel & { readonly stats: CachedEmbeddingStats } {
  const stats: CachedEmbeddingStats = { hits: 0, misses: 0 };
  const cacheKey = embeddingCacheKey(model);
  return {
    modelId: model.modelId,
    description: model.description,
    ...(model.dimensions === undefined ? {} : { dimensions: model.dimensions }),
    stats,
    async embed(texts, signal) {
      const hashes = texts.map(textHash);
      const distinct = [...new Set(hashes)];
      const vectors = store.getEmbeddings(cacheKey, distinct);
      stats.hits += vectors.size;

      const missing: string[] = [];
      const missingTexts: string[] = [];
      const seen = new Set<string>();
      hashes.forEach((hash, i) => {
        if (vectors.has(hash) || seen.has(hash)) return;
        seen.add(hash);
        missing.push(hash);
        missingTexts.push(texts[i]!);
      });
      if (missingTexts.length > 0) {
        const fresh = await model.embed(missingTexts, signal);
        if (fresh.length !== missingTexts.length) {
          throw new Error(`${model.description} returned ${fresh.length} vectors for ${missingTexts.length} texts`);
        }
        const entries = missing.map((hash, i): [string, Float32Array] => [hash, fresh[i]!]);
        store.putEmbeddings(cacheKey, entries);
        for (const [hash, vector] of entries) vectors.set(hash, vector);
        stats.misses += missingTexts.length;
      }

      const handedOut = new Set<string>();
      return hashes.map((hash) => {
        const vector = vectors.get(hash)!;
        if (!handedOut.has(hash)) {
          handedOut.add(hash);
          return vector;
        }
        return vector.slice();
      });
    },
  };
}
