import { costOf, priceFor } from "../cost/prices.js";
import { ConfigError } from "../errors.js";
import { convertRecord, EXPORT_FORMATS, isExportFormat } from "../export/export-formats.js";
import { JsonlWriter } from "../export/jsonl-writer.js";
import type { SynthRecord } from "../method/record.js";
import type { LevelOutcome } from "../method/run-level.js";
import { countOutcomes, isThin, type ItemCounts } from "../pipeline/run-stats.js";
import { RunStore, type StoreStatus } from "../store/run-store.js";
import { checkExportOutput } from "./check-run-paths.js";
import type { CurationSummary } from "./curate-store.js";

/**
 * Writes the dataset held in a run store, in one of the export formats, also while its run is
 * going. To a file it is written whole or not at all. Returns the number of records.
 */
export async function exportStore(storePath: string, output: string | NodeJS.WritableStream, format: string = "jsonl"): Promise<number> {
  if (!isExportFormat(format)) throw new ConfigError(`--format must be one of ${EXPORT_FORMATS.join(", ")}, got "${format}"`);
  if (typeof output === "string") await checkExportOutput(output, storePath);
  const store = RunStore.open(storePath, { readonly: true });
  try {
    const writer = await JsonlWriter.open(output);
    let count = 0;
    try {
      for (const record of store.records<SynthRecord>({ curated: true })) {
        await writer.write(convertRecord(format, record));
        count++;
      }
      await writer.commit();
    } catch (error) {
      await writer.abandon();
      throw error;
    }
    return count;
  } finally {
    store.close();
  }
}

/** Where a run stands, with its cost when its model has a built-in price. */
export interface RunStatus extends StoreStatus {
  costUsd?: number;
  /** The item counts of the finished documents, summed as a run sums them, levels in the method's order. */
  counts: ItemCounts;
  /** Whether less than half of the instructions asked for (by the finished documents) were kept. */
  thin: boolean;
  /** The last curation, and the items it removed by reason; absent when the store was never curated. */
  curation?: { summary: CurationSummary; removed: Record<string, number> };
}

const LEVEL_ORDER = ["micro", "scatter", "macro", "self-qa"];

/** The counts with their levels in the method's order, whatever order the documents finished them in. */
function inLevelOrder(counts: ItemCounts): ItemCounts {
  const rank = (level: string) => (LEVEL_ORDER.includes(level) ? LEVEL_ORDER.indexOf(level) : LEVEL_ORDER.length);
  const levels = Object.entries(counts.levels).sort(([a], [b]) => rank(a) - rank(b));
  return { levels: Object.fromEntries(levels), droppedReasons: counts.droppedReasons };
}

export function runStatus(storePath: string): RunStatus {
  const store = RunStore.open(storePath, { readonly: true });
  try {
    const status = store.status();
    const price = typeof status.config?.model === "string" ? priceFor(status.config.model) : undefined;
    const counts = inLevelOrder(countOutcomes(store.finishedLevelOutcomes<LevelOutcome>()));
    const summary = store.curationSummary<CurationSummary>();
    return {
      ...status,
      ...(price ? { costUsd: costOf(status, price) } : {}),
      counts,
      thin: isThin(counts),
      ...(summary ? { curation: { summary, removed: store.removedCounts() } } : {}),
    };
  } finally {
    store.close();
  }
}
