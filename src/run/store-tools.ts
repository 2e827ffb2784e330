import { costOf, priceFor } from "../cost/prices.js";
import { ConfigError } from "../errors.js";
import { convertRecord, EXPORT_FORMATS, isExportFormat } from "../export/export-formats.js";
import { JsonlWriter } from "../export/jsonl-writer.js";
import type { SynthRecord } from "../method/record.js";
import { RunStore, type StoreStatus } from "../store/run-store.js";

/**
 * Writes the dataset held in a run store, in one of the export formats, also while its run is
 * going. To a file it is written whole or not at all. Returns the number of records.
 */
export async function exportStore(storePath: string, output: string | NodeJS.WritableStream, format: string = "jsonl"): Promise<number> {
  if (!isExportFormat(format)) throw new ConfigError(`--format must be one of ${EXPORT_FORMATS.join(", ")}, got "${format}"`);
  const store = RunStore.open(storePath, { readonly: true });
  try {
    const writer = await JsonlWriter.open(output);
    let count = 0;
    try {
      for (const record of store.records<SynthRecord>()) {
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
}

export function runStatus(storePath: string): RunStatus {
  const store = RunStore.open(storePath, { readonly: true });
  try {
    const status = store.status();
    const price = typeof status.config?.model === "string" ? priceFor(status.config.model) : undefined;
    return { ...status, ...(price ? { costUsd: costOf(status, price) } : {}) };
  } finally {
    store.close();
  }
}
