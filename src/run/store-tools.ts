import { lstat, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { batchPriceFor, costOfRun, priceFor, type RunCost } from "../cost/prices.js";
import { ConfigError } from "../errors.js";
import { checkSystemPrompt, convertRecord, EXPORT_FORMATS, isExportFormat } from "../export/export-formats.js";
import { JsonlWriter } from "../export/jsonl-writer.js";
import {
  DATASET_INFO_FILE,
  datasetName,
  isLlamaFactoryFormat,
  llamaFactoryEntry,
  mergeDatasetInfo,
  readDatasetInfo,
  writeDatasetInfo,
  type LlamaFactoryEntry,
  type LlamaFactoryFormat,
} from "../export/llama-factory-info.js";
import type { SynthRecord } from "../method/record.js";
import type { LevelOutcome } from "../method/run-level.js";
import { countOutcomes, isThin, type ItemCounts } from "../pipeline/run-stats.js";
import { RunStore, type BatchRecord, type StoreStatus } from "../store/run-store.js";
import { checkExportOutput } from "./check-run-paths.js";
import type { CurationSummary } from "./curate-store.js";

/** LLaMA-Factory's dataset_info.json entry for an export: where it went, or, for standard output, what to add. */
export interface DatasetInfoNote {
  /** The name `dataset:` gives in a LLaMA-Factory config. */
  name: string;
  entry: LlamaFactoryEntry;
  /** The dataset_info.json written; undefined when the records went to standard output, a device or a FIFO. */
  path?: string;
  /** Whether an entry of that name was there and was replaced. */
  replaced?: boolean;
}

export interface ExportOptions {
  /** A system message for every record, in the formats that have one; refused by the others. */
  system?: string;
  /** Told of the LLaMA-Factory entry, for the llama-factory formats. */
  onDatasetInfo?: (note: DatasetInfoNote) => void;
}

/** The file name assumed in the entry printed for an export to standard output. */
const STDOUT_FILE_NAME = "data.jsonl";

/**
 * Writes the dataset held in a run store, without what its last curation removed, in one of the
 * export formats, also while its run is going. To a file it is written whole or not at all; for
 * the llama-factory formats the dataset_info.json beside it gets the file's entry, checked before
 * any record is written. Returns the number of records.
 */
export async function exportStore(
  storePath: string,
  output: string | NodeJS.WritableStream,
  format: string = "jsonl",
  options: ExportOptions = {},
): Promise<number> {
  if (!isExportFormat(format)) throw new ConfigError(`--format must be one of ${EXPORT_FORMATS.join(", ")}, got "${format}"`);
  checkSystemPrompt(format, options.system);
  if (typeof output === "string") await checkExportOutput(output, storePath);
  const info = isLlamaFactoryFormat(format) ? await prepareDatasetInfo(format, output, options.system !== undefined) : undefined;
  const store = RunStore.open(storePath, { readonly: true });
  let count = 0;
  try {
    const writer = await JsonlWriter.open(output);
    try {
      for (const record of store.records<SynthRecord>({ curated: true })) {
        await writer.write(convertRecord(format, record, options.system));
        count++;
      }
      await writer.commit();
    } catch (error) {
      await writer.abandon();
      throw error;
    }
  } finally {
    store.close();
  }
  if (info) {
    if (info.path !== undefined) await writeDatasetInfo(info.path, info.text!);
    options.onDatasetInfo?.(info.note);
  }
  return count;
}

/**
 * The dataset_info.json to write beside a file output, merged with the one there; for standard
 * output, a device or a FIFO, only the entry to tell. Refuses a dataset_info.json it cannot merge
 * into, and an output that is that file.
 */
async function prepareDatasetInfo(
  format: LlamaFactoryFormat,
  output: string | NodeJS.WritableStream,
  withSystem: boolean,
): Promise<{ note: DatasetInfoNote; path?: string; text?: string }> {
  const file = typeof output === "string" && (await isFileOrNew(output)) ? output : undefined;
  const fileName = file === undefined ? STDOUT_FILE_NAME : basename(file);
  const name = datasetName(fileName);
  const entry = llamaFactoryEntry(format, fileName, withSystem);
  if (file === undefined) return { note: { name, entry } };
  if (basename(file) === DATASET_INFO_FILE) {
    throw new ConfigError(`-o ${JSON.stringify(file)} is LLaMA-Factory's ${DATASET_INFO_FILE}, which this export writes beside the dataset: name the dataset another file`);
  }
  const path = join(dirname(file), DATASET_INFO_FILE);
  const { text, replaced } = mergeDatasetInfo(await readDatasetInfo(path), path, name, entry);
  return { note: { name, entry, path, replaced }, path, text };
}

/** Whether the path is a regular file (or a link to one) or not there yet: what the JSONL writer renames into place. */
async function isFileOrNew(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return (await lstat(path).catch(() => undefined)) === undefined;
  return info.isFile();
}

/**
 * Of `exported` records, how many the last curation did not see (documents unfinished when it ran,
 * or finished since): 0 when the store was never curated, since nothing then was meant to be.
 */
export function uncuratedRecords(storePath: string, exported: number): number {
  const store = RunStore.open(storePath, { readonly: true });
  try {
    const summary = store.curationSummary<CurationSummary>();
    return summary === undefined ? 0 : Math.max(0, exported - summary.kept);
  } finally {
    store.close();
  }
}

/** Where a run stands, with its cost when its model has a built-in price. */
export interface RunStatus extends StoreStatus {
  /** Live replies at the list price plus batched ones at the batch price. */
  costUsd?: number;
  /** The same cost, live and batched apart. */
  cost?: RunCost;
  /** The item counts of the finished documents, summed as a run sums them, levels in the method's order. */
  counts: ItemCounts;
  /** Whether less than half of the instructions asked for (by the finished documents) were kept. */
  thin: boolean;
  /** The last curation, and the items it removed by reason; absent when the store was never curated. */
  curation?: { summary: CurationSummary; removed: Record<string, number> };
  /** Every batch the run submitted, by wave; empty for a run that never batched. */
  batches: BatchRecord[];
  /** Batches whose create was sent and whose reply was not recorded (a run stopped meanwhile): the next run finds or makes them. */
  pendingBatches: number;
}

/** Prices that replace the table's (USD per million tokens), as --price-in/--price-out and their batch counterparts give them. */
export interface StatusPrices {
  list?: { input?: number; output?: number };
  batch?: { input?: number; output?: number };
}

const LEVEL_ORDER = ["micro", "scatter", "macro", "self-qa"];

/** The counts with their levels in the method's order, whatever order the documents finished them in. */
function inLevelOrder(counts: ItemCounts): ItemCounts {
  const rank = (level: string) => (LEVEL_ORDER.includes(level) ? LEVEL_ORDER.indexOf(level) : LEVEL_ORDER.length);
  const levels = Object.entries(counts.levels).sort(([a], [b]) => rank(a) - rank(b));
  return { levels: Object.fromEntries(levels), droppedReasons: counts.droppedReasons };
}

/**
 * What a run in the store has cost so far, live and batched apart; undefined when its model's
 * price is not known. What the spending limit of a
 * resumed run starts from.
 */
export function storedRunCost(status: StoreStatus, model: string, prices: StatusPrices = {}): RunCost | undefined {
  const price = priceFor(model, prices.list);
  // Known whenever the list price is: it is derived from it.
  const batchPrice = batchPriceFor(model, prices.batch, prices.list);
  return price && batchPrice ? costOfRun(status, price, batchPrice) : undefined;
}

export function runStatus(storePath: string, prices: StatusPrices = {}): RunStatus {
  const store = RunStore.open(storePath, { readonly: true });
  try {
    const status = store.status();
    const cost = typeof status.config?.model === "string" ? storedRunCost(status, status.config.model, prices) : undefined;
    const counts = inLevelOrder(countOutcomes(store.finishedLevelOutcomes<LevelOutcome>()));
    const summary = store.curationSummary<CurationSummary>();
    return {
      ...status,
      ...(cost ? { costUsd: cost.totalUsd, cost } : {}),
      counts,
      thin: isThin(counts),
      ...(summary ? { curation: { summary, removed: store.removedCounts() } } : {}),
      batches: store.batches(),
      pendingBatches: store.pendingBatches().length,
    };
  } finally {
    store.close();
  }
}
