import { mkdtemp, readdir, readFile, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { inside, resolved, statOrUndefined } from "../file-paths.js";
import { CARD_MARKER } from "./dataset-card.js";

/** What a dataset folder must not overwrite or be read back as: the run store, and the corpus it was made from. */
export interface GuardedPaths {
  store: string;
  corpus?: string;
}

/**
 * Refuses, with one line, a folder an hf export cannot write or must not replace: an empty name, a
 * file, in a folder that is not there, inside the corpus folder (read back as documents by the next
 * run) or holding the store or the corpus, or a folder with anything in it but an earlier foveate
 * hf export (which is replaced whole). Returns whether the folder is there (to be replaced).
 */
export async function checkDatasetFolder(dir: string, guarded: GuardedPaths): Promise<boolean> {
  const label = `-o ${JSON.stringify(dir)}`;
  if (dir.trim() === "") throw new ConfigError(`${label} is empty: name the folder to write the dataset to`);
  const info = await statOrUndefined(dir);
  if (info && !info.isDirectory()) throw new ConfigError(`${label} is a file; --format hf writes a folder: name a new or empty folder`);
  const parent = dirname(resolve(dir));
  if (!info && !(await statOrUndefined(parent))?.isDirectory()) {
    throw new ConfigError(`${label}: the folder ${JSON.stringify(dirname(dir))} does not exist; create it first`);
  }
  const where = await resolved(dir);
  for (const [path, what] of [[guarded.store, "the run store"], [guarded.corpus, "the corpus"]] as const) {
    if (path === undefined) continue;
    const real = await realpath(path).catch(() => undefined);
    if (real === undefined) continue;
    if (where === real || inside(real, where)) throw new ConfigError(`${label} holds ${what} ${JSON.stringify(path)}, which an export must not replace; write it elsewhere`);
    if (what === "the corpus" && (await stat(real)).isDirectory() && inside(where, real)) {
      throw new ConfigError(`${label} lies inside the corpus folder ${JSON.stringify(path)}, which is read for documents; write it elsewhere`);
    }
  }
  if (!info) return false;
  const entries = await readdir(dir);
  if (entries.length === 0 || (await isEarlierExport(dir, entries))) return true;
  throw new ConfigError(`${label} exists and holds other files than an earlier foveate hf export; name a new or empty folder`);
}

/** Only README.md with foveate's mark and data/ holding only Parquet files: what writeHfDataset writes. */
async function isEarlierExport(dir: string, entries: string[]): Promise<boolean> {
  if (!entries.every((e) => e === "README.md" || e === "data") || !entries.includes("README.md")) return false;
  const card = await readFile(join(dir, "README.md"), "utf8").catch(() => "");
  if (!card.includes(CARD_MARKER)) return false;
  if (!entries.includes("data")) return true;
  const data = await readdir(join(dir, "data")).catch(() => undefined);
  return data !== undefined && data.every((f) => f.endsWith(".parquet"));
}

/** A new empty folder beside `dir` (same file system, so that it can be renamed into place). */
export function siblingFolder(dir: string): Promise<string> {
  const full = resolve(dir);
  return mkdtemp(join(dirname(full), `.${basename(full)}.partial-`));
}

/**
 * Puts the folder `written` at `dir`, replacing what is there (checked by checkDatasetFolder): the
 * old folder is moved aside, the new one renamed in, the old one removed. When the rename fails the
 * old folder is moved back, so `dir` is the old whole or the new whole, never a mix.
 */
export async function replaceFolder(written: string, dir: string): Promise<void> {
  const exists = (await statOrUndefined(dir)) !== undefined;
  if (!exists) {
    await rename(written, dir);
    return;
  }
  const aside = `${written}.old`;
  await rename(dir, aside);
  try {
    await rename(written, dir);
  } catch (error) {
    await rename(aside, dir);
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
}
