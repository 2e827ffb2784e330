import { findEmbeddingDuplicates } from "../curate/embedding-duplicates.js";
import { findDuplicates, type Duplicate } from "../curate/near-duplicates.js";
import { ConfigError, InputError } from "../errors.js";
import { DEFAULT_API_EMBED_MODEL, openEmbeddingModel, type LocalEngineSettings, type LocalIo } from "../llm/engine-choice.js";
import type { SynthRecord } from "../method/record.js";
import { cachedEmbeddings } from "../store/cached-embeddings.js";
import { RunStore, type CurationDecision, type KeptItem } from "../store/run-store.js";

/** Why curation removed an item. */
export type RemovalReason = "exact-duplicate" | "near-duplicate" | "embedding-duplicate" | "low-score";

export interface CurateOptions extends LocalEngineSettings {
  /** Remove exact and near-duplicate instructions (MinHash over word shingles). */
  dedup?: boolean;
  /** Jaccard similarity of word shingles at which two instructions are duplicates. Default 0.8. */
  dedupThreshold?: number;
  /** Remove instructions alike in meaning: cosine of their embeddings. */
  dedupEmbeddings?: boolean;
  /** Cosine at which two instructions' embeddings make them duplicates. Default 0.95. */
  dedupCosine?: number;
  /** Default text-embedding-3-small. */
  embedModel?: string;
  embedBaseUrl?: string;
  embedApiKey?: string;
  env?: NodeJS.ProcessEnv;
  download?: LocalIo["download"];
  signal?: AbortSignal;
}

/** What a curation records of itself in the store (meta "curation"), and reports. */
export interface CurationSummary {
  /** When it was made, ISO 8601. */
  at: string;
  settings: {
    dedup?: { threshold: number };
    dedupEmbeddings?: { model: string; cosine: number };
  };
  /** Finished documents curated. */
  documents: number;
  /** Documents left out: not finished (a run stopped before their end) or failed. */
  unfinishedDocuments: number;
  /** Items of the finished documents, before curation. */
  items: number;
  kept: number;
  removed: Partial<Record<RemovalReason, number>>;
}

const DUPLICATE_REASON: Record<Duplicate["kind"], RemovalReason> = {
  exact: "exact-duplicate",
  near: "near-duplicate",
  embedding: "embedding-duplicate",
};

/**
 * Curates the dataset of a finished run (or the finished documents of a stopped one): decides which
 * items to remove and records the decisions in the store, replacing the last curation's. Nothing is
 * deleted: `export` writes what curation kept, and curating again with other settings starts from
 * every item. Refused while a run is writing the store. A curation that would remove every item is
 * refused and records nothing.
 */
export async function curateStore(storePath: string, options: CurateOptions): Promise<CurationSummary> {
  if (!options.dedup && !options.dedupEmbeddings) throw new ConfigError("curate: say what to do: --dedup, --dedup-embeddings, or both");
  // Read first: a missing file, an empty one or another program's database is refused before anything is written to it.
  RunStore.open(storePath, { readonly: true }).close();
  const store = RunStore.open(storePath, { writer: "curation" });
  try {
    if (store.readConfig() === undefined) throw new InputError(storePath, undefined, "not a run's store (it holds no run's settings): curate the store a synth run wrote");
    const status = store.status();
    const items = [...store.finishedItems<SynthRecord>()];
    if (items.length === 0) {
      throw new InputError(storePath, undefined, `no items of finished documents to curate (${status.documents.running} unfinished, ${status.documents.failed} failed): finish the run first`);
    }
    const decisions = new Map<number, CurationDecision>();
    const settings: CurationSummary["settings"] = {};
    const instructions = items.map((item) => item.record.instruction);

    if (options.dedup) {
      const threshold = options.dedupThreshold ?? 0.8;
      settings.dedup = { threshold };
      for (const duplicate of findDuplicates(instructions, { threshold })) decisions.set(duplicate.index, duplicateDecision(items, duplicate));
    }
    if (options.dedupEmbeddings) {
      const cosine = options.dedupCosine ?? 0.95;
      const name = options.embedModel ?? DEFAULT_API_EMBED_MODEL;
      settings.dedupEmbeddings = { model: name, cosine };
      const vectors = await embed(instructions, name, store, options);
      const { duplicates } = findEmbeddingDuplicates(vectors, cosine, new Set(decisions.keys()));
      for (const duplicate of duplicates) decisions.set(duplicate.index, duplicateDecision(items, duplicate));
    }

    const removed: CurationSummary["removed"] = {};
    for (const decision of decisions.values()) {
      const reason = decision.removedFor as RemovalReason | undefined;
      if (reason) removed[reason] = (removed[reason] ?? 0) + 1;
    }
    const removedCount = Object.values(removed).reduce((sum, n) => sum + n, 0);
    if (removedCount === items.length) {
      throw new InputError(
        storePath,
        undefined,
        `this curation would remove every one of the ${items.length} items (${describeRemoved(removed)}); nothing was recorded: loosen its thresholds`,
      );
    }
    const summary: CurationSummary = {
      at: new Date().toISOString(),
      settings,
      documents: status.documents.done,
      unfinishedDocuments: status.documents.running + status.documents.failed,
      items: items.length,
      kept: items.length - removedCount,
      removed,
    };
    store.saveCuration([...decisions.entries()].sort(([a], [b]) => a - b).map(([, decision]) => decision), summary);
    return summary;
  } finally {
    store.close();
  }
}

/** "12 exact-duplicate, 3 low-score". */
export function describeRemoved(removed: CurationSummary["removed"]): string {
  const parts = Object.entries(removed).map(([reason, n]) => `${n.toLocaleString("en-US")} ${reason}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

/** The removal of a duplicate, naming the kept twin it repeats. */
function duplicateDecision(items: readonly KeptItem<SynthRecord>[], duplicate: Duplicate): CurationDecision {
  const twin = items[duplicate.of]!;
  return {
    id: items[duplicate.index]!.id,
    removedFor: DUPLICATE_REASON[duplicate.kind],
    detail: {
      similarity: duplicate.similarity,
      twin: { ...twin.id, instruction: twin.record.instruction, source_id: twin.record.source_id, level: twin.record.level },
    },
  };
}

/** The instructions' embeddings, cached in the store: curating again embeds nothing. */
async function embed(texts: string[], name: string, store: RunStore, options: CurateOptions): Promise<Float32Array[]> {
  const env = options.env ?? process.env;
  const model = await openEmbeddingModel(
    { model: name, baseUrl: options.embedBaseUrl, apiKey: options.embedApiKey },
    { name: "embeddings", flagPrefix: "embed-" },
    options,
    { env, ...(options.download ? { download: options.download } : {}), ...(options.signal ? { signal: options.signal } : {}) },
  );
  try {
    return await cachedEmbeddings(model, store).embed(texts, options.signal);
  } finally {
    await model.dispose();
  }
}
