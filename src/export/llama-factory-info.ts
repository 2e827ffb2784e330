/**
 * LLaMA-Factory reads a dataset only through an entry in the dataset_info.json of its dataset
 * folder (data/README.md of hiyouga/LLaMA-Factory): the file's name, its format and which columns
 * hold what. These make that entry and merge it into the user's file, keeping their other entries.
 */
import { readFile, realpath, rename, rm, writeFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { InputError } from "../errors.js";

export const DATASET_INFO_FILE = "dataset_info.json";

export type LlamaFactoryFormat = "llama-factory-alpaca" | "llama-factory-sharegpt";

export function isLlamaFactoryFormat(format: string): format is LlamaFactoryFormat {
  return format === "llama-factory-alpaca" || format === "llama-factory-sharegpt";
}

/** A dataset description as dataset_info.json holds it. */
export interface LlamaFactoryEntry {
  file_name: string;
  formatting: "alpaca" | "sharegpt";
  columns: Record<string, string>;
}

/**
 * The entry for a file written in the given format. The system column is named only when the
 * records have one: LLaMA-Factory would look for a named column in every record.
 */
export function llamaFactoryEntry(format: LlamaFactoryFormat, fileName: string, withSystem: boolean): LlamaFactoryEntry {
  const system: Record<string, string> = withSystem ? { system: "system" } : {};
  if (format === "llama-factory-alpaca") {
    return { file_name: fileName, formatting: "alpaca", columns: { prompt: "instruction", query: "input", response: "output", ...system } };
  }
  return { file_name: fileName, formatting: "sharegpt", columns: { messages: "conversations", ...system } };
}

/** The dataset's name in dataset_info.json (what `dataset:` names in a training config): the file's name without its extension. */
export function datasetName(fileName: string): string {
  const name = basename(fileName);
  const stem = name.slice(0, name.length - extname(name).length);
  return stem === "" ? name : stem;
}

/**
 * dataset_info.json's text with the entry added, or put in place of one of the same name; the
 * other entries stay as they were, in their order. `existing` is the file's text, undefined when
 * there is none. A file that is not a JSON object is refused, naming `path`.
 */
export function mergeDatasetInfo(existing: string | undefined, path: string, name: string, entry: LlamaFactoryEntry): { text: string; replaced: boolean } {
  let info: unknown = {};
  if (existing !== undefined && existing.trim() !== "") {
    try {
      info = JSON.parse(existing);
    } catch (error) {
      throw new InputError(path, undefined, `not valid JSON (${(error as Error).message.replace(/\s+/g, " ")}); fix it or move it away, and export again (it was left as it was)`);
    }
  }
  if (typeof info !== "object" || info === null || Array.isArray(info)) {
    throw new InputError(path, undefined, "not a JSON object of dataset entries, as LLaMA-Factory reads it; fix it or move it away, and export again (it was left as it was)");
  }
  const replaced = Object.hasOwn(info, name);
  const merged = { ...(info as Record<string, unknown>), [name]: entry };
  return { text: `${JSON.stringify(merged, null, 2)}\n`, replaced };
}

/** The text of the dataset_info.json at `path`, undefined when there is none. */
export async function readDatasetInfo(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InputError(path, undefined, `cannot be read (${(error as Error).message})`);
  }
}

/**
 * Writes the text whole or not at all: to a file beside it, renamed over it. Through a symbolic
 * link it writes the link's target, leaving the link in place.
 */
export async function writeDatasetInfo(path: string, text: string): Promise<void> {
  const target = await realpath(path).catch(() => path);
  const partial = `${target}.partial`;
  try {
    await writeFile(partial, text, "utf8");
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
