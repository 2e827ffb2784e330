import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError, InputError } from "../../errors.js";
import type { BatchApi, BatchInfo, BatchInputLine, BatchOutputLine } from "./batch-api.js";

/**
 * Batches for a server without a batch endpoint (vLLM, llama.cpp, a local OpenAI-compatible
 * server): each batch is a file in a folder, run by `vllm run-batch -i IN -o OUT`, whose output
 * file is read back once it is whole.
 *
 * Formats matched (vLLM's vllm/entrypoints/openai/run_batch.py, BatchRequestInput and
 * BatchRequestOutput, and its docs' "Offline Inference with the OpenAI Batch file format"):
 * - input: one JSON object a line, {custom_id, method: "POST", url: "/v1/chat/completions" or
 *   "/v1/embeddings", body}, OpenAI's batch input format; blank lines are skipped by vLLM.
 * - output: one JSON object a line, {id, custom_id, response: {status_code, request_id, body},
 *   error}; a failed request has status_code 400 (or the engine's error code), body null, and an
 *   error that is a string or an ErrorResponse ({error: {message, type, code}}, older vLLM
 *   {message, type, code}). There is no separate error file.
 * vLLM writes the output file in place, line by line in input order, as requests finish: a file
 * there is whole only when every line is terminated and parses and every request of the input has
 * its line. Until then the batch is in progress.
 */

export interface FolderBatchOptions {
  /** How often a caller should look at a batch's output (ms); default 5,000. */
  pollMs?: number;
  /** Told, for each input file written, of the command that runs it. */
  onInputFile?: (note: { inputPath: string; outputPath: string; command: string }) => void;
}

export interface FolderBatchApi extends BatchApi {
  readonly dir: string;
  /** How often to call get() while a batch runs. */
  readonly pollMs: number;
}

const INPUT_SUFFIX = ".jsonl";
const OUTPUT_SUFFIX = ".output.jsonl";
/** Names the folder's files are made of: no separator, nothing a shell or a file system reads apart. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The folder API's batch id names its files: `<id>.jsonl` in, `<id>.output.jsonl` out. */
export function createFolderBatchApi(dir: string, options: FolderBatchOptions = {}): FolderBatchApi {
  const pollMs = options.pollMs ?? 5_000;
  const cancelled = new Set<string>();
  const inputPath = (id: string) => join(dir, `${id}${INPUT_SUFFIX}`);
  const outputPath = (id: string) => join(dir, `${id}${OUTPUT_SUFFIX}`);

  const idOfInputFile = (fileId: string): string => {
    const id = fileId.endsWith(INPUT_SUFFIX) ? fileId.slice(0, -INPUT_SUFFIX.length) : fileId;
    checkName(id);
    return id;
  };

  async function readInputIds(id: string): Promise<string[]> {
    const path = inputPath(id);
    const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") throw new ConfigError(`--batch-files ${dir}: ${path}, the input of batch ${id}, is gone; the batch cannot be collected`);
      throw new ConfigError(`--batch-files ${dir}: cannot read ${path}: ${error.message}`);
    });
    return parseInputIds(text, path);
  }

  async function info(id: string): Promise<BatchInfo> {
    const ids = await readInputIds(id);
    const createdAt = Math.floor((await stat(inputPath(id))).mtimeMs / 1000);
    const base = { id, input_file_id: `${id}${INPUT_SUFFIX}`, created_at: createdAt };
    const output = await readOutput(outputPath(id), ids);
    const counts = {
      total: ids.length,
      completed: output.lines.filter((l) => succeeded(l)).length,
      failed: output.lines.filter((l) => !succeeded(l)).length,
    };
    if (cancelled.has(id)) return { ...base, status: "cancelled", output_file_id: output.complete ? `${id}${OUTPUT_SUFFIX}` : null, error_file_id: null, request_counts: counts };
    if (!output.complete) return { ...base, status: "in_progress", output_file_id: null, error_file_id: null, request_counts: counts };
    return { ...base, status: "completed", output_file_id: `${id}${OUTPUT_SUFFIX}`, error_file_id: null, request_counts: counts };
  }

  return {
    description: `the folder ${dir} (vllm run-batch)`,
    dir,
    pollMs,

    async upload(name, lines) {
      checkName(name);
      if (name.endsWith(".output")) throw new Error(`batch file name ${JSON.stringify(name)} would read as an output file`);
      const text = lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
      const input = inputPath(name);
      const output = outputPath(name);
      try {
        await mkdir(dir, { recursive: true });
      } catch (error) {
        throw new ConfigError(`--batch-files ${dir}: cannot make the folder: ${(error as Error).message}`);
      }
      // An output beside a different input would be read as this input's answers (or never be whole).
      const outputThere = await stat(output).then(() => true, () => false);
      if (outputThere && (await readFile(input, "utf8").catch(() => undefined)) !== text) {
        throw new ConfigError(`--batch-files ${dir}: ${output} answers another input than the one this run writes as ${input}; move it away`);
      }
      const temp = join(dir, `.${name}${INPUT_SUFFIX}.${process.pid}.tmp`);
      try {
        await writeFile(temp, text);
        await rename(temp, input);
      } catch (error) {
        await rm(temp, { force: true });
        throw new ConfigError(`--batch-files ${dir}: cannot write ${input}: ${(error as Error).message}`);
      }
      const model = typeof lines[0]?.body.model === "string" ? lines[0].body.model : "MODEL";
      options.onInputFile?.({ inputPath: input, outputPath: output, command: `vllm run-batch -i ${shellWord(input)} -o ${shellWord(output)} --model ${shellWord(model)}` });
      return `${name}${INPUT_SUFFIX}`;
    },

    async create(inputFileId) {
      const id = idOfInputFile(inputFileId);
      cancelled.delete(id);
      return info(id);
    },

    async get(batchId) {
      checkName(batchId);
      return info(batchId);
    },

    async download(fileId) {
      if (!fileId.endsWith(OUTPUT_SUFFIX)) throw new Error(`not an output file of the folder: ${fileId}`);
      const id = fileId.slice(0, -OUTPUT_SUFFIX.length);
      checkName(id);
      return (await readOutput(outputPath(id), await readInputIds(id))).lines;
    },

    async cancel(batchId) {
      checkName(batchId);
      // Nothing is removed: a vllm run-batch still running may finish, and its output stays for a later run.
      cancelled.add(batchId);
      return info(batchId);
    },
  };
}

function checkName(name: string): void {
  if (!SAFE_NAME.test(name)) throw new Error(`batch file name ${JSON.stringify(name)} is not a plain file name`);
}

const succeeded = (line: BatchOutputLine) => line.response?.status_code === 200 && (line.error === null || line.error === undefined);

/** The custom_ids of an input file, in order (blank lines skipped, as vLLM skips them). */
export function parseInputIds(text: string, path: string): string[] {
  const ids: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const parsed = parseJson(line);
    if (!isObject(parsed) || typeof parsed.custom_id !== "string") throw new InputError(path, i + 1, "not a batch input line (a JSON object with a custom_id)");
    ids.push(parsed.custom_id);
  });
  return ids;
}

/**
 * The lines of a vllm run-batch output file, and whether it is whole: every line terminated and
 * parsed, and every custom_id of `expected` answered. A last line not yet terminated is being
 * written, and is left for later. A terminated line that is not an output line of this input is an
 * error naming the file and line: the file is not what the batch wrote.
 */
export function parseOutput(text: string, path: string, expected: readonly string[]): { lines: BatchOutputLine[]; complete: boolean } {
  const segments = text.split("\n");
  const unfinished = segments.pop()!;
  const wanted = new Set(expected);
  const seen = new Set<string>();
  const lines: BatchOutputLine[] = [];
  segments.forEach((raw, i) => {
    if (raw.trim() === "") return;
    const at = i + 1;
    const parsed = parseJson(raw);
    if (parsed === undefined) throw new InputError(path, at, "not JSON: not a line vllm run-batch writes");
    if (!isObject(parsed) || typeof parsed.custom_id !== "string") throw new InputError(path, at, "not a batch output line (a JSON object with a custom_id)");
    if (!wanted.has(parsed.custom_id)) throw new InputError(path, at, `custom_id ${JSON.stringify(parsed.custom_id)} is not a request of this batch's input`);
    const response = parsed.response;
    if (response !== null && response !== undefined && (!isObject(response) || typeof response.status_code !== "number")) {
      throw new InputError(path, at, "its response has no status_code");
    }
    if (seen.has(parsed.custom_id)) return;
    seen.add(parsed.custom_id);
    lines.push({
      ...(typeof parsed.id === "string" ? { id: parsed.id } : {}),
      custom_id: parsed.custom_id,
      response: isObject(response)
        ? { status_code: response.status_code as number, ...(typeof response.request_id === "string" ? { request_id: response.request_id } : {}), body: response.body ?? null }
        : null,
      error: outputError(parsed.error),
    });
  });
  return { lines, complete: unfinished.trim() === "" && expected.every((id) => seen.has(id)) };
}

/** vLLM's error (a string, an ErrorResponse, or an older flat one) as the Batch API's {code, message}. */
function outputError(error: unknown): BatchOutputLine["error"] {
  if (error === null || error === undefined) return null;
  if (typeof error === "string") return { message: error };
  if (isObject(error)) {
    const inner = isObject(error.error) ? error.error : error;
    return {
      ...(inner.code !== undefined && inner.code !== null ? { code: String(inner.code) } : {}),
      message: typeof inner.message === "string" ? inner.message : JSON.stringify(error),
    };
  }
  return { message: String(error) };
}

async function readOutput(path: string, expected: readonly string[]): Promise<{ lines: BatchOutputLine[]; complete: boolean }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { lines: [], complete: false };
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseOutput(text, path, expected);
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A word as a POSIX shell reads it back unchanged. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
