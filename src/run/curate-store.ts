import { findEmbeddingDuplicates } from "../curate/embedding-duplicates.js";
import { findDuplicates, type Duplicate } from "../curate/near-duplicates.js";
import { costOf, priceFor, type Price } from "../cost/prices.js";
import { itemPassage, documentTextsOf } from "../curate/item-passage.js";
import { ITEM_JUDGE_PROMPT_VERSION } from "../curate/item-judge-prompt.js";
import { judgeItems, type ItemVerdict, type JudgeProgress } from "../curate/judge-items.js";
import { readWholeDocuments } from "../eval/difficulty/document-groups.js";
import { ConfigError, InputError } from "../errors.js";
import { DEFAULT_API_EMBED_MODEL, openChatModel, openEmbeddingModel, type LocalEngineSettings, type LocalIo } from "../llm/engine-choice.js";
import { SpendingLimit } from "../pipeline/spending-limit.js";
import { cachedModel } from "../store/cached-model.js";
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
  /** A judge rates each item kept by deduplication; items scoring under minScore are removed. */
  judgeModel?: string;
  judgeBaseUrl?: string;
  judgeApiKey?: string;
  /** Items the judge scores under this (1-10) are removed. Default 6. */
  minScore?: number;
  /** The corpus the run read, for the judge's passages. Default: the one the run recorded. */
  corpus?: string;
  /** The text field of `corpus`. Default "content"; without `corpus`, the field the run read its corpus with. */
  textField?: string;
  /** Judge calls in flight. Default 16. */
  concurrency?: number;
  /** Stop judging (cleanly, resumable) before curation's spending would cross this many dollars. */
  maxCost?: number;
  /** Prices per million tokens of the judge, replacing the built-in table. */
  priceIn?: number;
  priceOut?: number;
  env?: NodeJS.ProcessEnv;
  download?: LocalIo["download"];
  signal?: AbortSignal;
  onJudgeProgress?: (progress: JudgeProgress) => void;
  onWarning?: (message: string) => void;
}

/** What a curation records of itself in the store (meta "curation"), and reports. */
export interface CurationSummary {
  /** When it was made, ISO 8601. */
  at: string;
  settings: {
    dedup?: { threshold: number };
    dedupEmbeddings?: { model: string; cosine: number };
    judge?: { model: string; minScore: number };
  };
  /** Finished documents curated. */
  documents: number;
  /** Documents left out: not finished (a run stopped before their end) or failed. */
  unfinishedDocuments: number;
  /** Items of the finished documents, before curation. */
  items: number;
  kept: number;
  removed: Partial<Record<RemovalReason, number>>;
  judge?: JudgeSummary;
}

/** What the judge did. */
export interface JudgeSummary {
  /** Items with a score, of those deduplication kept. */
  judged: number;
  /** Items whose replies stayed unusable: kept. */
  failed: number;
  /** Items not judged because --max-cost was reached: kept, judged by the next curation. */
  unjudged: number;
  /** Mean score of the items judged. */
  meanScore?: number;
  /** Judge calls made by this curation (replies not in the store before) and their tokens. */
  calls: number;
  /** What every curation of this store has spent on the judge, when its price is known. */
  costUsd?: number;
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
  if (!options.dedup && !options.dedupEmbeddings && !options.judgeModel) {
    throw new ConfigError("curate: say what to do: --dedup, --dedup-embeddings, --judge-model, or several of them");
  }
  const price = options.judgeModel ? priceFor(options.judgeModel, { input: options.priceIn, output: options.priceOut }) : undefined;
  if (options.maxCost !== undefined && options.judgeModel && !price) {
    throw new ConfigError(`--max-cost: no built-in price for the judge ${options.judgeModel}; give --price-in and --price-out`);
  }
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
    /** Each duplicate's kept twin, by index. */
    const twins = new Map<number, Duplicate>();
    const settings: CurationSummary["settings"] = {};
    const instructions = items.map((item) => item.record.instruction);

    if (options.dedup) {
      const threshold = options.dedupThreshold ?? 0.8;
      settings.dedup = { threshold };
      for (const duplicate of findDuplicates(instructions, { threshold })) {
        decisions.set(duplicate.index, duplicateDecision(items, duplicate));
        twins.set(duplicate.index, duplicate);
      }
    }
    if (options.dedupEmbeddings) {
      const cosine = options.dedupCosine ?? 0.95;
      const name = options.embedModel ?? DEFAULT_API_EMBED_MODEL;
      settings.dedupEmbeddings = { model: name, cosine };
      const vectors = await embed(instructions, name, store, options);
      const { duplicates } = findEmbeddingDuplicates(vectors, cosine, new Set(decisions.keys()));
      for (const duplicate of duplicates) {
        decisions.set(duplicate.index, duplicateDecision(items, duplicate));
        twins.set(duplicate.index, duplicate);
      }
    }

    let judge: JudgeSummary | undefined;
    if (options.judgeModel) {
      const minScore = options.minScore ?? 6;
      settings.judge = { model: options.judgeModel, minScore };
      const judging = await openJudge(store, storePath, options, price);
      try {
        const judgeEach = async (indices: number[]) => {
          const verdicts = await judging.rate(indices.map((index) => items[index]!.record));
          return indices.map((index, k) => ({ index, verdict: verdicts[k]! }));
        };
        const first = items.map((_, index) => index).filter((index) => !decisions.has(index));
        for (const { index, verdict } of await judgeEach(first)) {
          if ("score" in verdict) decisions.set(index, { id: items[index]!.id, ...(verdict.score < minScore ? { removedFor: "low-score" } : {}), detail: verdict });
        }
        // A duplicate whose twin the judge removed is judged in its place: of each twin's copies, in
        // document order, the first that passes stays, and the others are its duplicates.
        const orphans = [...twins.values()].filter((d) => decisions.get(d.of)?.removedFor === "low-score").sort((a, b) => a.index - b.index);
        const promoted = new Map<number, number>();
        for (const { index, verdict } of await judgeEach(orphans.map((d) => d.index))) {
          const duplicate = twins.get(index)!;
          const stayed = promoted.get(duplicate.of);
          if (!("score" in verdict)) {
            // Unjudged (a failed reply, the cost cap): it stays a duplicate of the removed twin for now.
            continue;
          }
          if (verdict.score < minScore) decisions.set(index, { id: items[index]!.id, removedFor: "low-score", detail: verdict });
          else if (stayed === undefined) {
            promoted.set(duplicate.of, index);
            decisions.set(index, { id: items[index]!.id, detail: verdict });
          } else decisions.set(index, duplicateDecision(items, { ...duplicate, of: stayed }));
        }
        judge = judging.summary();
      } finally {
        await judging.dispose();
      }
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
        `this curation would remove every one of the ${items.length} items (${Object.entries(removed).map(([reason, n]) => `${n} ${reason}`).join(", ")}); nothing was recorded: loosen its thresholds`,
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
      ...(judge ? { judge } : {}),
    };
    store.saveCuration([...decisions.entries()].sort(([a], [b]) => a - b).map(([, decision]) => decision), summary);
    return summary;
  } finally {
    store.close();
  }
}

/** Where curation's spending on judges is kept, in dollars, each call priced with its own judge: it outlives a curation refused. */
const SPENT_KEY = "curation_spent_usd";

/** The judge, its replies cached in the store and its spending capped over every curation of the store. */
async function openJudge(store: RunStore, storePath: string, options: CurateOptions, price: Price | undefined) {
  const corpus = corpusOf(store, options);
  const documents = await readWholeDocuments(corpus.path, corpus.textField).catch((error: unknown) => {
    if ((error as { code?: string }).code !== "ENOENT" || options.corpus !== undefined) throw error;
    throw new ConfigError(`the corpus the run read, ${corpus.path}, is not there any more: give the judge its passages with --corpus`);
  });
  const env = options.env ?? process.env;
  const model = await openChatModel(
    { model: options.judgeModel!, baseUrl: options.judgeBaseUrl, apiKey: options.judgeApiKey },
    { name: "the judge", flagPrefix: "judge-" },
    options,
    { env, ...(options.download ? { download: options.download } : {}), ...(options.onWarning ? { onWarning: options.onWarning } : {}) },
  );
  let spent = Number(store.meta(SPENT_KEY) ?? 0);
  const spending = options.maxCost !== undefined && price ? new SpendingLimit(options.maxCost, price, spent) : undefined;
  const verdicts: ItemVerdict[] = [];
  let calls = 0;
  return {
    async rate(records: SynthRecord[]): Promise<ItemVerdict[]> {
      if (records.length === 0) return [];
      const texts = documentTextsOf(storePath, records, documents, options.onWarning);
      const items = records.map((record, i) => ({ instruction: record.instruction, output: record.output, passage: itemPassage(record, texts[i]!) }));
      let last: JudgeProgress | undefined;
      try {
        const rated = await judgeItems(items, {
          judge: model,
          concurrency: options.concurrency ?? 16,
          cache: (m) => cachedModel(m, store, { promptVersion: ITEM_JUDGE_PROMPT_VERSION }),
          ...(spending ? { spending } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (progress) => {
            last = progress;
            options.onJudgeProgress?.(progress);
          },
        });
        verdicts.push(...rated);
        return rated;
      } finally {
        // What was paid is kept whatever happens next (an interrupt, a curation refused).
        if (last) {
          calls += last.calls;
          if (price) {
            spent += costOf(last.usage, price);
            store.setMeta(SPENT_KEY, String(spent));
          }
        }
      }
    },
    summary(): JudgeSummary {
      const scores = verdicts.flatMap((v) => ("score" in v ? [v.score] : []));
      return {
        judged: scores.length,
        failed: verdicts.filter((v) => "failed" in v).length,
        unjudged: verdicts.filter((v) => "unjudged" in v).length,
        ...(scores.length > 0 ? { meanScore: scores.reduce((x, y) => x + y, 0) / scores.length } : {}),
        calls,
        ...(price ? { costUsd: spent } : {}),
      };
    },
    dispose: () => model.dispose(),
  };
}

/** Where the run's documents are: --corpus, else what synth recorded in the store. */
function corpusOf(store: RunStore, options: CurateOptions): { path: string; textField: string } {
  const recorded = store.meta("corpus");
  const fromRun = recorded === undefined ? undefined : (JSON.parse(recorded) as { path: string; textField: string });
  // --text-field goes with --corpus: the corpus the run recorded is read with the field the run read it with.
  if (options.corpus !== undefined) return { path: options.corpus, textField: options.textField ?? "content" };
  if (fromRun === undefined) {
    throw new ConfigError(`the run store ${store.path} does not say where its corpus is (a run of an earlier foveate): give the judge its passages with --corpus`);
  }
  return fromRun;
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
