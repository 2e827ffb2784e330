import { realpath } from "node:fs/promises";
import { dirname } from "node:path";
import { ConfigError } from "../errors.js";
import { inside, resolved, sameFile, statOrUndefined } from "../file-paths.js";

/** The paths a synthesis run reads and writes; output undefined is standard output. */
export interface RunPaths {
  corpus: string;
  output: string | undefined;
  store: string;
}

/**
 * Refuses, with one line, paths a run could only fail on or do harm with, before anything is
 * read, paid for or created: an output or store that is empty, a directory, in a folder that does
 * not exist, the corpus itself or inside the corpus folder (read back as a document next time),
 * or a store that is the output.
 */
export async function checkRunPaths({ corpus, output, store }: RunPaths): Promise<void> {
  const outputLabel = output === undefined ? undefined : `-o ${JSON.stringify(output)}`;
  if (output !== undefined) await checkWritablePath(output, outputLabel!, "name the file to write the dataset to");
  const storeLabel = `the run store ${JSON.stringify(store)}`;
  await checkWritablePath(store, storeLabel, "name a file for the run store with --store");

  const corpusInfo = await statOrUndefined(corpus);
  if (corpusInfo === undefined) return; // the corpus reader names a corpus it cannot read
  const written: Array<[string, string]> = [[store, storeLabel]];
  if (output !== undefined) written.unshift([output, outputLabel!]);
  for (const [path, label] of written) {
    const info = await statOrUndefined(path);
    if (info && sameFile(info, corpusInfo)) throw new ConfigError(`${label} is the corpus: writing it would destroy what is being read; name another file`);
    if (corpusInfo.isDirectory() && inside(await resolved(path), await realpath(corpus))) {
      throw new ConfigError(`${label} lies inside the corpus folder ${JSON.stringify(corpus)}, which is read for documents; write it elsewhere`);
    }
  }
  if (output !== undefined) {
    const [outputInfo, storeInfo] = await Promise.all([statOrUndefined(output), statOrUndefined(store)]);
    const same = outputInfo && storeInfo ? sameFile(outputInfo, storeInfo) : (await resolved(output)) === (await resolved(store));
    if (same) throw new ConfigError(`${storeLabel} is the output ${outputLabel}: give the store another name`);
  }
}

/**
 * Refuses an output path that cannot be written: empty, a directory, or in a folder that is not
 * there. A device, a FIFO or a link to one is fine (it is written through).
 */
export async function checkOutputPath(path: string, label = `-o ${JSON.stringify(path)}`): Promise<void> {
  await checkWritablePath(path, label, "name the file to write the dataset to");
}

/** Refuses an export's output that cannot be written, or that is the store being exported. */
export async function checkExportOutput(output: string, store: string): Promise<void> {
  const label = `-o ${JSON.stringify(output)}`;
  await checkOutputPath(output, label);
  const [outputInfo, storeInfo] = await Promise.all([statOrUndefined(output), statOrUndefined(store)]);
  if (outputInfo && storeInfo && sameFile(outputInfo, storeInfo)) throw new ConfigError(`${label} is the run store being exported: name another file`);
}

async function checkWritablePath(path: string, label: string, remedy: string): Promise<void> {
  if (path.trim() === "") throw new ConfigError(`${label} is empty: ${remedy}`);
  const info = await statOrUndefined(path);
  if (info?.isDirectory()) throw new ConfigError(`${label} is a directory: ${remedy}`);
  if (info) return;
  const parent = dirname(path);
  const folder = await statOrUndefined(parent);
  if (folder === undefined) throw new ConfigError(`${label}: the folder ${JSON.stringify(parent)} does not exist; create it first`);
  if (!folder.isDirectory()) throw new ConfigError(`${label}: ${JSON.stringify(parent)} is not a folder`);
}
