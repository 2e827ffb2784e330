import { costOf, formatUsd, priceFor } from "../cost/prices.js";
import { ConfigError } from "../errors.js";
import { convertRecord, EXPORT_FORMATS, isExportFormat } from "../output/export-formats.js";
import { JsonlWriter } from "../output/jsonl-writer.js";
import type { SynthRecord } from "../method/record.js";
import { RunStore } from "../store/run-store.js";
import type { Console } from "./synth-command.js";

/** `foveate export STORE`: the dataset as it stands in the store, also while a run is going. */
export async function exportCommand(storePath: string, flags: { output?: string; format: string }, out: Console): Promise<number> {
  if (!isExportFormat(flags.format)) throw new ConfigError(`--format must be one of ${EXPORT_FORMATS.join(", ")}, got "${flags.format}"`);
  const format = flags.format;
  const store = RunStore.open(storePath, { readonly: true });
  const writer = await JsonlWriter.open(flags.output);
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
  } finally {
    store.close();
  }
  if (flags.output) out.error(`Exported ${count.toLocaleString("en-US")} records (${format}) to ${flags.output}`);
  return 0;
}

/** `foveate status STORE`: where a run stands. */
export function statusCommand(storePath: string, out: Console): number {
  const store = RunStore.open(storePath, { readonly: true });
  try {
    const s = store.status();
    const int = (n: number) => n.toLocaleString("en-US");
    const lines = [`Run store: ${storePath}`];
    const config = s.config;
    if (config) lines.push(`Settings: model ${String(config.model)}, method ${String(config.method)}, mu ${String(config.mu)}, levels ${(config.levels as string[]).join(",")}, seed ${String(config.seed)}`);
    lines.push(`Documents: ${int(s.documents.done)} done, ${int(s.documents.running)} unfinished, ${int(s.documents.failed)} failed`);
    const levels = Object.entries(s.levels);
    if (levels.length > 0) {
      lines.push(`  ${"level".padEnd(8)}${"documents".padStart(11)}${"kept".padStart(9)}${"dropped".padStart(9)}`);
      for (const [level, v] of levels) lines.push(`  ${level.padEnd(8)}${int(v.documents).padStart(11)}${int(v.kept).padStart(9)}${int(v.dropped).padStart(9)}`);
    }
    lines.push(`LLM replies stored: ${int(s.replies)}`);
    lines.push(`Tokens: ${int(s.promptTokens)} prompt (${int(s.cachedPromptTokens)} cached), ${int(s.completionTokens)} completion`);
    const price = typeof config?.model === "string" ? priceFor(config.model) : undefined;
    lines.push(`Cost: ${price ? formatUsd(costOf(s, price)) : "unknown (no built-in price for this model)"}`);
    out.error(lines.join("\n"));
    return 0;
  } finally {
    store.close();
  }
}
