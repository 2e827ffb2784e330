import { batchFailureReason, splitIntoBatches } from "../llm/batch/batch-lines.js";
import { BATCH_MAX_BYTES, BATCH_MAX_LINES, type BatchApi, type BatchInputLine } from "../llm/batch/batch-api.js";
import { decodeVector } from "../llm/http/embedding-engine.js";
import { sleepWithSignal } from "../llm/http/retry.js";
import type { EmbeddingModel } from "../llm/port.js";
import { embeddingCacheKey, textHash } from "../store/cached-embeddings.js";
import type { RunStore } from "../store/run-store.js";
import { adoptBatch, submitBatch } from "./batch-submission.js";
import { BatchesPendingError, BatchFailedError, EMBEDDING_KEY_PREFIX, type BatchEvent } from "./batch-waves.js";

/** The label of embedding batches in the store, followed by their model's cache key. */
export const EMBEDDINGS_LABEL = "embeddings";
/** custom_id of a text's line: its hash, under a prefix of its own. */
const keyOf = (hash: string) => `${EMBEDDING_KEY_PREFIX}${hash}`;

export interface BatchEmbeddingsOptions {
  api: BatchApi;
  store: RunStore;
  /** The embedding model the vectors are for: its name, requested dimensions and cache key. */
  model: EmbeddingModel;
  pollMs: number;
  /** Submit and stop (BatchesPendingError); a later run collects. */
  noWait?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: BatchEvent) => void;
}

/**
 * Puts the embeddings of `texts` into the store's cache through batches (adaptive budgets under
 * --batch): the texts the cache lacks go as one wave, one text a line, recorded in the store before
 * anything waits on them; batches an earlier run left open are collected, never submitted again.
 * The budgets are then planned from the cache as always; a text a batch could not answer is
 * embedded live then.
 */
export async function embedInBatches(texts: readonly string[], options: BatchEmbeddingsOptions): Promise<void> {
  const { api, store, model, signal } = options;
  const cacheKey = embeddingCacheKey(model);
  // Batches are the model's own (its vectors go under its cache key): another model's are left alone.
  const label = `${EMBEDDINGS_LABEL} ${cacheKey}`;
  const mine = (batch: { service: string; label: string }) => batch.service === api.description && batch.label === label;
  const open = new Map<string, { wave: number; keys: readonly string[] }>();
  for (const b of store.openBatches()) if (mine(b)) open.set(b.id, b);

  for (const pending of store.pendingBatches()) {
    if (!mine(pending)) continue;
    // Refused for good (its file gone): its texts are missing still, and go in this run's batch.
    const adopted = await adoptBatch(api, store, pending, "/v1/embeddings", signal);
    if ("id" in adopted) open.set(adopted.id, pending);
  }

  const waiting = new Set([...open.values()].flatMap((b) => b.keys));
  const distinct = [...new Map(texts.map((text) => [textHash(text), text])).entries()];
  const cached = store.getEmbeddings(cacheKey, distinct.map(([hash]) => hash));
  const missing = distinct.filter(([hash]) => !cached.has(hash) && !waiting.has(keyOf(hash)));
  if (missing.length > 0) {
    const wave = store.lastWave() + 1;
    const lines = missing.map(
      ([hash, text]): BatchInputLine => ({
        custom_id: keyOf(hash),
        method: "POST",
        url: "/v1/embeddings",
        body: { model: model.modelId, input: text, encoding_format: "base64", ...(model.dimensions === undefined ? {} : { dimensions: model.dimensions }) },
      }),
    );
    const parts = splitIntoBatches(lines, { maxLines: BATCH_MAX_LINES, maxBytes: BATCH_MAX_BYTES });
    const stamp = Date.now().toString(36);
    const ids: string[] = [];
    for (const [k, part] of parts.entries()) {
      const name = `foveate-${stamp}-embeddings-${wave}${parts.length > 1 ? `-${k + 1}` : ""}`;
      const id = await submitBatch(api, store, { name, url: "/v1/embeddings", lines: part, wave, label }, signal);
      open.set(id, { wave, keys: part.map((line) => line.custom_id) });
      ids.push(id);
    }
    options.onEvent?.({ type: "wave-submitted", wave, label, batches: ids, lines: lines.length });
  }
  if (open.size === 0) return;
  if (options.noWait) {
    throw new BatchesPendingError(`${open.size} embedding batch${open.size === 1 ? " is" : "es are"} running (recorded in the run store); run the same command later to collect and go on`);
  }

  while (open.size > 0) {
    for (const [id, batch] of [...open]) {
      const info = await api.get(id, signal);
      store.updateBatch(id, { status: info.status, ...(info.request_counts ? { counts: info.request_counts } : {}) });
      if (info.status === "failed") {
        const reason = batchFailureReason(info) || "no reason given";
        store.updateBatch(id, { status: info.status, error: reason });
        store.finishBatch(id);
        throw new BatchFailedError(`batch ${id} (embeddings) failed at ${api.description}: ${reason}`);
      }
      if (info.status !== "completed" && info.status !== "expired" && info.status !== "cancelled") continue;
      const output = info.output_file_id ? await api.download(info.output_file_id, signal) : [];
      const vectors: Array<[string, Float32Array]> = [];
      for (const line of output) {
        const body = line.response?.status_code === 200 ? (line.response.body as { data?: Array<{ embedding?: unknown }> }) : undefined;
        const vector = decodeVector(body?.data?.[0]?.embedding);
        if (vector && line.custom_id.startsWith(EMBEDDING_KEY_PREFIX)) vectors.push([line.custom_id.slice(EMBEDDING_KEY_PREFIX.length), vector]);
      }
      // What a batch did not answer (failed lines, an expired batch) is embedded live by the budgets' planning.
      store.putEmbeddings(cacheKey, vectors);
      store.finishBatch(id);
      open.delete(id);
      options.onEvent?.({ type: "batch-collected", id, wave: batch.wave, answered: vectors.length, retried: 0, live: batch.keys.length - vectors.length });
    }
    if (open.size > 0) await sleepWithSignal(options.pollMs, signal);
  }
}
