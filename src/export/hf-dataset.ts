import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { batchPriceFor, costOfRun, priceFor } from "../cost/prices.js";
import { ConfigError } from "../errors.js";
import type { DiversityResult } from "../eval/measure.js";
import type { SynthRecord } from "../method/record.js";
import { RunStore, type ItemId } from "../store/run-store.js";
import { datasetCard, type CardSplit } from "./dataset-card.js";
import { checkDatasetFolder, replaceFolder, siblingFolder } from "./dataset-folder.js";
import { detectLanguages } from "./detect-language.js";
import { arrowBytes, HF_COLUMNS, hfRow, writeParquet, type HfRow } from "./parquet-table.js";
import { parseSplit, splitByDocument, WHOLE_TRAIN, type SplitPart } from "./split-by-document.js";

/** The export format that writes a Hugging Face dataset folder rather than records. */
export const HF_FORMAT = "hf";

/** Rows per Parquet file: the Hub's viewer and `datasets` read shards of this size comfortably. */
export const SHARD_ROWS = 200_000;

export interface HfDatasetOptions {
  /** `train=0.9,test=0.1`, or the parts; default one split, "train". */
  split?: string | readonly SplitPart[];
  /** Seed of the documents' shuffle before the split. Default 0. */
  seed?: number;
  /** An SPDX id or the Hub's license name, put in the card; none when not given. */
  license?: string;
  /** Rows per Parquet file; for tests. */
  shardRows?: number;
}

export interface HfDatasetSummary {
  rows: number;
  splits: Array<{ name: string; rows: number; documents: number; files: string[] }>;
  languages: string[];
}

const idKey = (id: ItemId) => `${id.docKey}/${id.rank}/${id.position}`;

/** The judge's scores of the last curation by item: its decisions' detail `score`, when an integer. */
function judgeScores(store: RunStore): Map<string, number> {
  const scores = new Map<string, number>();
  for (const decision of store.curationDecisions()) {
    const score = (decision.detail as { score?: unknown } | null)?.score;
    if (typeof score === "number" && Number.isInteger(score)) scores.set(idKey(decision.id), score);
  }
  return scores;
}

function metaJson<T>(store: RunStore, key: string): T | undefined {
  const text = store.meta(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The figures `foveate eval diversity` saved (meta "eval:diversity"), when they are whole. */
function diversityOf(store: RunStore): { data: string; result: DiversityResult } | undefined {
  const saved = metaJson<{ data?: unknown; result?: DiversityResult }>(store, "eval:diversity");
  if (typeof saved?.data !== "string" || typeof saved.result?.selfBleu?.diversity !== "number") return undefined;
  return { data: saved.data, result: saved.result };
}

/** The Hub's file name of shard `index` of `count`: train-00000-of-00003.parquet. */
export function shardName(split: string, index: number, count: number): string {
  const five = (n: number) => String(n).padStart(5, "0");
  return `${split}-${five(index)}-of-${five(count)}.parquet`;
}

/**
 * Writes the dataset curation kept as a Hugging Face dataset folder: `data/{split}-0000i-of-0000N.parquet`
 * and a README.md dataset card (front matter the Hub reads; how the data was made). The folder is
 * written beside `dir` and renamed into place, so `dir` is whole or as it was; an earlier foveate
 * export there is replaced whole, anything else refused.
 */
export async function writeHfDataset(storePath: string, dir: string, options: HfDatasetOptions = {}): Promise<HfDatasetSummary> {
  const parts = typeof options.split === "string" ? parseSplit(options.split) : (options.split ?? WHOLE_TRAIN);
  const seed = options.seed ?? 0;
  const shardRows = options.shardRows ?? SHARD_ROWS;
  const store = RunStore.open(storePath, { readonly: true });
  try {
    const corpus = metaJson<{ path?: unknown }>(store, "corpus")?.path;
    await checkDatasetFolder(dir, { store: storePath, ...(typeof corpus === "string" ? { corpus } : {}) });

    const scores = judgeScores(store);
    const rows: HfRow[] = [];
    const itemsPerDocument = new Map<string, number>();
    for (const { id, record } of store.curatedItems<SynthRecord>()) {
      rows.push(hfRow(record, scores.get(idKey(id))));
      itemsPerDocument.set(record.source_id, (itemsPerDocument.get(record.source_id) ?? 0) + 1);
    }
    const removed = store.removedCounts();
    if (rows.length === 0) {
      const why = Object.keys(removed).length > 0 ? ": its curation removed every one" : "";
      throw new ConfigError(`the run store ${storePath} holds no records to export${why}`);
    }
    const assigned = splitByDocument(itemsPerDocument, parts, seed);
    const bySplit = new Map(parts.map((p) => [p.name, [] as HfRow[]]));
    for (const row of rows) bySplit.get(assigned.get(row.source_id)!)!.push(row);

    const status = store.status();
    const model = status.config?.model;
    const price = typeof model === "string" ? priceFor(model) : undefined;
    const batchPrice = typeof model === "string" ? batchPriceFor(model) : undefined;
    const written = await siblingFolder(dir);
    try {
      await mkdir(join(written, "data"));
      const cardSplits: CardSplit[] = [];
      const summary: HfDatasetSummary = { rows: rows.length, splits: [], languages: [] };
      for (const part of parts) {
        const splitRows = bySplit.get(part.name)!;
        const count = Math.max(1, Math.ceil(splitRows.length / shardRows));
        const files: string[] = [];
        let fileBytes = 0;
        for (let i = 0; i < count; i++) {
          const name = shardName(part.name, i, count);
          fileBytes += await writeParquet(join(written, "data", name), splitRows.slice(i * shardRows, (i + 1) * shardRows));
          files.push(`data/${name}`);
        }
        const levels: Record<string, number> = {};
        for (const row of splitRows) levels[row.level] = (levels[row.level] ?? 0) + 1;
        const documents = new Set(splitRows.map((r) => r.source_id)).size;
        cardSplits.push({ name: part.name, examples: splitRows.length, documents, bytes: arrowBytes(splitRows), fileBytes, levels, files });
        summary.splits.push({ name: part.name, rows: splitRows.length, documents, files });
      }
      summary.languages = detectLanguages(rows.map((r) => `${r.instruction}\n${r.output}`));
      const curationSummary = store.curationSummary();
      const card = datasetCard({
        config: status.config,
        columns: HF_COLUMNS,
        splits: cardSplits,
        splitSeed: seed,
        languages: summary.languages,
        curation: curationSummary === undefined && Object.keys(removed).length === 0 ? undefined : { removed, summary: curationSummary },
        usage: status,
        // Live replies at the list price, batched ones at the batch price.
        costUsd: price ? costOfRun(status, price, batchPrice ?? price).totalUsd : undefined,
        diversity: diversityOf(store),
        ...(options.license ? { license: options.license } : {}),
      });
      await writeFile(join(written, "README.md"), card, { flag: "wx" });
      await replaceFolder(written, dir);
      return summary;
    } catch (error) {
      await rm(written, { recursive: true, force: true });
      throw error;
    }
  } finally {
    store.close();
  }
}
