/**
 * The files of a batch as pure functions: the input lines of requests, their JSONL, the cutting of
 * a wave into batches a provider takes, and the reading of output files and batch objects.
 */
import { BATCH_MAX_BYTES, BATCH_MAX_LINES, type BatchInfo, type BatchInputLine, type BatchOutputLine, type BatchStatus } from "./batch-api.js";
import { ConfigError } from "../../errors.js";

/** The input line of one request: its key is the custom_id its result comes back under. */
export function batchInputLine(key: string, body: Record<string, unknown>, url: BatchInputLine["url"]): BatchInputLine {
  return { custom_id: key, method: "POST", url, body };
}

/** An input file's text: one JSON line per request, each ended by a newline. */
export function batchJsonl(lines: readonly BatchInputLine[]): string {
  return lines.map((line) => `${JSON.stringify(line)}\n`).join("");
}

export interface BatchLimits {
  maxLines: number;
  maxBytes: number;
}

/**
 * Cuts a wave's lines, in order, into batches of at most `maxLines` lines and `maxBytes` bytes of
 * JSONL each (as batchJsonl writes them). A single line larger than a whole batch is refused.
 */
export function splitIntoBatches(
  lines: readonly BatchInputLine[],
  limits: BatchLimits = { maxLines: BATCH_MAX_LINES, maxBytes: BATCH_MAX_BYTES },
): BatchInputLine[][] {
  const batches: BatchInputLine[][] = [];
  let current: BatchInputLine[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(JSON.stringify(line)) + 1;
    if (size > limits.maxBytes) {
      throw new ConfigError(`request ${line.custom_id} is ${size} bytes as a batch line, more than a batch may hold (${limits.maxBytes} bytes); run it without --batch`);
    }
    if (current.length > 0 && (current.length >= limits.maxLines || bytes + size > limits.maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** What is wrong with a line of an output or error file, and which line (1-based). */
export interface BadLine {
  line: number;
  problem: string;
}

/** The lines of an output or error file (blank lines skipped), or the first that is not a result line. */
export function readBatchOutput(text: string): BatchOutputLine[] | BadLine {
  const lines: BatchOutputLine[] = [];
  const rows = text.split("\n");
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim();
    if (row === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(row) as unknown;
    } catch {
      return { line: i + 1, problem: "is not valid JSON (a truncated file?)" };
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { line: i + 1, problem: "is not a JSON object" };
    const record = value as Record<string, unknown>;
    if (typeof record.custom_id !== "string") return { line: i + 1, problem: "has no custom_id" };
    const response = record.response;
    if (response !== undefined && response !== null && (typeof response !== "object" || typeof (response as { status_code?: unknown }).status_code !== "number")) {
      return { line: i + 1, problem: "has a response without a status_code" };
    }
    if ((response === undefined || response === null) && (record.error === undefined || record.error === null)) {
      return { line: i + 1, problem: "has neither a response nor an error" };
    }
    lines.push(record as unknown as BatchOutputLine);
  }
  return lines;
}

const STATUSES: ReadonlySet<string> = new Set<BatchStatus>(["validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled"]);

/** A batch object as the provider sent it, or what is wrong with it. */
export function readBatchInfo(body: unknown): BatchInfo | { problem: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { problem: "a reply that is not a batch object" };
  const b = body as Record<string, unknown>;
  if (typeof b.id !== "string" || b.id === "") return { problem: "a batch object without an id" };
  if (typeof b.status !== "string" || !STATUSES.has(b.status)) return { problem: `batch ${b.id} with an unknown status ${JSON.stringify(b.status)}` };
  if (typeof b.input_file_id !== "string") return { problem: `batch ${b.id} without an input_file_id` };
  return b as unknown as BatchInfo;
}

/** The provider's reasons a batch failed, on one line ("" when it gave none). */
export function batchFailureReason(info: BatchInfo): string {
  const data = info.errors?.data ?? [];
  return data
    .map((e) => `${e.line !== undefined && e.line !== null ? `line ${e.line}: ` : ""}${e.message ?? e.code ?? "unknown error"}`)
    .join("; ")
    .replace(/\s+/g, " ")
    .trim();
}
