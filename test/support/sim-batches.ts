/**
 * The simulated Batch API's decisions, as pure functions: which input lines a batch refuses (as
 * OpenAI validates them), the state a batch is in a given time after its creation, the order its
 * output comes in, and how much of it is done. The HTTP plumbing and the files live in sim-server.
 *
 * Test fixture only: never used by the product.
 */
import { hashOf, randomFrom } from "./sim-hash.js";

export const BATCH_ENDPOINTS = ["/v1/chat/completions", "/v1/embeddings"] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINTS)[number];

/** A line of an input file that passed validation. */
export interface SimInputLine {
  custom_id: string;
  body: Record<string, unknown>;
}

/** Why a batch failed validation: OpenAI's `errors.data` entries. */
export interface SimBatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

/**
 * The lines of an input file, or every line that makes the batch fail: one JSON object per line
 * with a unique custom_id, method POST, the batch's endpoint as url and a body naming a model.
 */
export function validateBatchInput(text: string, endpoint: string): { lines: SimInputLine[] } | { errors: SimBatchError[] } {
  const lines: SimInputLine[] = [];
  const errors: SimBatchError[] = [];
  const seen = new Set<string>();
  const fail = (line: number, code: string, message: string, param: string | null = null) => errors.push({ code, message, param, line });
  const rows = text.split("\n");
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim();
    if (row === "") continue;
    const n = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(row) as unknown;
    } catch {
      fail(n, "invalid_json_line", "This line is not parseable as valid JSON.");
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      fail(n, "invalid_json_line", "This line is not a JSON object.");
      continue;
    }
    const v = value as Record<string, unknown>;
    if (typeof v.custom_id !== "string" || v.custom_id === "") {
      fail(n, "missing_required_parameter", "Missing required parameter: 'custom_id'.", "custom_id");
      continue;
    }
    if (seen.has(v.custom_id)) {
      fail(n, "duplicate_custom_id", `The custom_id '${v.custom_id}' for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.`, "custom_id");
      continue;
    }
    seen.add(v.custom_id);
    if (v.method !== "POST") {
      fail(n, "invalid_method", `Invalid method '${String(v.method)}'; only POST is supported.`, "method");
      continue;
    }
    if (v.url !== endpoint) {
      fail(n, "mismatched_endpoint", `The url '${String(v.url)}' of this request does not match the batch's endpoint '${endpoint}'.`, "url");
      continue;
    }
    const body = v.body;
    if (typeof body !== "object" || body === null || Array.isArray(body) || typeof (body as { model?: unknown }).model !== "string") {
      fail(n, "missing_required_parameter", "Missing required parameter: 'body.model'.", "body.model");
      continue;
    }
    lines.push({ custom_id: v.custom_id, body: body as Record<string, unknown> });
  }
  if (errors.length === 0 && lines.length === 0) errors.push({ code: "empty_file", message: "The batch input file is empty.", param: null, line: null });
  return errors.length > 0 ? { errors } : { lines };
}

export type SimBatchState = "validating" | "in_progress" | "finalizing" | "ended";

/** Shares of the turnaround: validating until 10%, in progress until 80%, finalizing until the end. */
const VALIDATED = 0.1;
const PROCESSED = 0.8;

/** Where a batch stands `elapsedMs` after its creation, for a turnaround of `turnaroundMs`. */
export function batchState(elapsedMs: number, turnaroundMs: number): SimBatchState {
  if (elapsedMs >= turnaroundMs) return "ended";
  if (elapsedMs < turnaroundMs * VALIDATED) return "validating";
  return elapsedMs < turnaroundMs * PROCESSED ? "in_progress" : "finalizing";
}

/** Whether validation is over (a batch that fails validation fails then). */
export function isValidated(elapsedMs: number, turnaroundMs: number): boolean {
  return elapsedMs >= turnaroundMs * VALIDATED;
}

/** How many of `total` lines are done `elapsedMs` after creation: none while validating, all once processed. */
export function linesDone(total: number, elapsedMs: number, turnaroundMs: number): number {
  if (elapsedMs >= turnaroundMs * PROCESSED) return total;
  const start = turnaroundMs * VALIDATED;
  const share = (elapsedMs - start) / (turnaroundMs * PROCESSED - start);
  return Math.floor(total * Math.min(1, Math.max(0, share)));
}

/** The order a batch's results are processed and written in: a shuffle seeded by the batch. */
export function shuffledOrder(count: number, seed: string): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  const random = randomFrom("batch-order", hashOf(seed));
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.below(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
