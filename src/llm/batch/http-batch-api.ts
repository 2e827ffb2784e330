/**
 * The Batch API of an OpenAI-compatible provider over HTTP: /v1/files to upload an input file and
 * download output and error files, /v1/batches to create, read and cancel batches. Every request
 * goes through requestApi and withRetries, so it fails, is classified and is retried exactly as a
 * live call is.
 */
import { EngineCallError } from "../../errors.js";
import { apiHeaders, endpointUrl, parseApiJson, requestApi } from "../http/api-request.js";
import type { CallContext } from "../http/classify-error.js";
import { HttpStatusError } from "../http/http-status-error.js";
import { withRetries, type RetryPolicy } from "../http/retry.js";
import type { BatchApi, BatchInfo, BatchOutputLine } from "./batch-api.js";
import { batchJsonl, readBatchInfo, readBatchOutput } from "./batch-lines.js";

export interface HttpBatchApiOptions {
  /** Endpoint root, up to and including `/v1`. */
  baseURL: string;
  /** Bearer key. Optional: local servers need none. */
  apiKey?: string;
  /** Limit for one HTTP request, an upload's or download's body included, in milliseconds. Default 600000. */
  timeoutMs?: number;
  /** Transport retry settings; the abort signal comes from each call. */
  retry?: Omit<Partial<RetryPolicy>, "signal">;
}

/** How many of the newest batches are searched for one a failed create may have made. */
const RECENT_BATCHES = 100;

export function createHttpBatchApi(options: HttpBatchApiOptions): BatchApi {
  const baseURL = options.baseURL.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 600_000;
  const headers = apiHeaders(options.apiKey);
  const ctx: CallContext = { url: baseURL, model: "", timeoutMs };
  // Refuses a base URL that is not http(s) when the API is made, not at its first use.
  endpointUrl(baseURL, "batches");

  type Send = { method: "GET" | "POST"; path: string; body?: string | Uint8Array; contentType?: string; signal?: AbortSignal | undefined };

  function once(send: Send): Promise<string> {
    return requestApi(endpointUrl(baseURL, send.path), {
      method: send.method,
      ...(send.body === undefined ? {} : { body: send.body }),
      ...(send.contentType === undefined ? {} : { contentType: send.contentType }),
      headers,
      timeoutMs,
      ...(send.signal ? { signal: send.signal } : {}),
      ctx,
      description: `${send.method} ${baseURL}/${send.path}`,
    }).then((reply) => reply.text);
  }

  async function retried<T>(attempt: (n: number) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    return (await withRetries(attempt, { ...options.retry, signal })).value;
  }

  const invalid = (what: string) => new EngineCallError(`${what} from ${baseURL}`, { url: baseURL, model: "", status: 200, retryable: true });

  function batchOf(text: string): BatchInfo {
    const info = readBatchInfo(parseApiJson(text, ctx));
    if ("problem" in info) throw invalid(info.problem);
    return info;
  }

  /** A 404 told in the words of what was asked: no Batch API at all, or no such batch or file. */
  function notFound(error: unknown, what: string | undefined): unknown {
    if (!(error instanceof EngineCallError) || error.details.status !== 404) return error;
    const said = serverMessage(error);
    const message =
      what === undefined
        ? `${baseURL} has no Batch API (404 on ${baseURL}/files or /batches): use a provider that has one, or --batch-files DIR to write the batches for vllm run-batch`
        : `${what} not found at ${baseURL}${said ? ` (${said})` : ""}`;
    return new EngineCallError(message, { ...error.details, retryable: false }, { cause: error });
  }

  return {
    description: baseURL,

    async upload(name, lines, signal) {
      const form = new FormData();
      form.append("purpose", "batch");
      form.append("file", new Blob([batchJsonl(lines)], { type: "application/jsonl" }), name.endsWith(".jsonl") ? name : `${name}.jsonl`);
      // Encoded once, by the platform: the multipart body and its boundary, sent as bytes on our own transport.
      const encoded = new Response(form);
      const contentType = encoded.headers.get("content-type") ?? "multipart/form-data";
      const body = new Uint8Array(await encoded.arrayBuffer());
      try {
        const text = await retried(() => once({ method: "POST", path: "files", body, contentType, signal }), signal);
        const file = parseApiJson(text, ctx) as { id?: unknown } | null;
        if (typeof file !== "object" || file === null || typeof file.id !== "string") throw invalid("a file upload reply without a file id");
        return file.id;
      } catch (error) {
        throw notFound(error, undefined);
      }
    },

    async create(inputFileId, endpoint, signal) {
      const body = JSON.stringify({ input_file_id: inputFileId, endpoint, completion_window: "24h" });
      let ambiguous = false;
      try {
        return await retried(async () => {
          // A create whose reply was lost may have made the batch: find it rather than make (and pay for) a second.
          if (ambiguous) {
            const made = await madeFrom(inputFileId, signal);
            if (made) return made;
          }
          try {
            return batchOf(await once({ method: "POST", path: "batches", body, contentType: "application/json", signal }));
          } catch (error) {
            // No reply, or a gateway's 5xx: the provider may have made the batch all the same.
            ambiguous = error instanceof EngineCallError && (error.details.status === undefined || error.details.status >= 500);
            throw error;
          }
        }, signal);
      } catch (error) {
        const fileMissing = error instanceof EngineCallError && serverMessage(error).includes(inputFileId);
        throw notFound(error, fileMissing ? `input file ${inputFileId}` : undefined);
      }
    },

    async get(batchId, signal) {
      try {
        return batchOf(await retried(() => once({ method: "GET", path: `batches/${encodeURIComponent(batchId)}`, signal }), signal));
      } catch (error) {
        throw notFound(error, `batch ${batchId}`);
      }
    },

    async download(fileId, signal) {
      try {
        return await retried(async () => {
          const text = await once({ method: "GET", path: `files/${encodeURIComponent(fileId)}/content`, signal });
          const lines = readBatchOutput(text);
          if (!Array.isArray(lines)) throw invalid(`line ${lines.line} of file ${fileId} ${lines.problem}`);
          return lines as BatchOutputLine[];
        }, signal);
      } catch (error) {
        throw notFound(error, `file ${fileId}`);
      }
    },

    async find(inputFileId, signal) {
      return retried(() => madeFrom(inputFileId, signal), signal);
    },

    async cancel(batchId, signal) {
      try {
        return batchOf(await retried(() => once({ method: "POST", path: `batches/${encodeURIComponent(batchId)}/cancel`, signal }), signal));
      } catch (error) {
        throw notFound(error, `batch ${batchId}`);
      }
    },
  };

  /** The newest batch made from an input file, if the provider lists one (one that cannot list batches has none to show). */
  async function madeFrom(inputFileId: string, signal: AbortSignal | undefined): Promise<BatchInfo | undefined> {
    let text: string;
    try {
      text = await once({ method: "GET", path: `batches?limit=${RECENT_BATCHES}`, signal });
    } catch (error) {
      if (error instanceof EngineCallError && (error.details.status === 404 || error.details.status === 405)) return undefined;
      throw error;
    }
    const list = parseApiJson(text, ctx) as { data?: unknown } | null;
    const data = typeof list === "object" && list !== null && Array.isArray(list.data) ? (list.data as unknown[]) : [];
    for (const item of data) {
      const info = readBatchInfo(item);
      if (!("problem" in info) && info.input_file_id === inputFileId) return info;
    }
    return undefined;
  }
}

/** The server's own words in a failed request, "" when it said nothing readable. */
function serverMessage(error: EngineCallError): string {
  const cause = error.cause;
  if (!(cause instanceof HttpStatusError)) return "";
  const said = cause.serverError;
  if (typeof said === "string") return said;
  if (typeof said === "object" && said !== null) {
    const message = (said as { message?: unknown; detail?: unknown }).message ?? (said as { detail?: unknown }).detail;
    if (typeof message === "string") return message.replace(/\s+/g, " ").trim().slice(0, 300);
  }
  return "";
}
