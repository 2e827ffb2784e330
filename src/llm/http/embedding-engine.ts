/**
 * The EmbeddingModel engine for any OpenAI-compatible `/embeddings` endpoint (OpenAI,
 * vLLM, Ollama, llama.cpp server, text-embeddings-inference, ...). Built like the chat engine: it
 * speaks HTTP itself over keep-alive connections, reads non-2xx replies through the same
 * classifier, and `withRetries` owns every retry.
 */
import { setMaxListeners } from "node:events";
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from "openai/resources/embeddings";
import PQueue from "p-queue";
import { AbortedError, EngineCallError } from "../../errors.js";
import { apiHeaders, malformedReply, postApi, endpointUrl } from "./api-request.js";
import type { CallContext } from "./classify-error.js";
import { DEFAULT_BASE_URL } from "./openai-engine.js";
import type { EmbeddingModel } from "../port.js";
import { withRetries, type RetryPolicy } from "./retry.js";

export interface EmbeddingEngineOptions {
  /** Endpoint root, up to and including `/v1`. Default "https://api.openai.com/v1". */
  baseURL?: string;
  /** Bearer key. Optional: local servers need none. The environment is not read here. */
  apiKey?: string;
  /** Model name sent with every request. */
  model: string;
  /** Texts per request. Default 256 (OpenAI accepts up to 2048). */
  batchSize?: number;
  /** Requests in flight at once, shared by every `embed` call on this engine. Default 4. */
  concurrency?: number;
  /** Limit for one HTTP request, reply body included, in milliseconds. Default 120000. */
  timeoutMs?: number;
  /** Transport retry settings. The signal given to `embed` takes precedence over one set here. */
  retry?: Partial<RetryPolicy>;
  /** Vector length to ask for (`dimensions`; text-embedding-3 models). Default: not sent. */
  dimensions?: number;
}

/** What an engine has done so far; a live object. */
export interface EmbeddingEngineStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Texts embedded (successful replies only). */
  inputs: number;
  /** Tokens the server reported for the texts embedded. */
  promptTokens: number;
}

export function createEmbeddingEngine(options: EmbeddingEngineOptions): EmbeddingModel & { readonly stats: EmbeddingEngineStats } {
  const baseURL = (options.baseURL ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const batchSize = positiveInteger("batchSize", options.batchSize ?? 256);
  const concurrency = positiveInteger("concurrency", options.concurrency ?? 4);
  const timeoutMs = options.timeoutMs ?? 120_000;
  if (options.dimensions !== undefined) positiveInteger("dimensions", options.dimensions);
  const ctx: CallContext = { url: baseURL, model: options.model, timeoutMs };
  const description = `embedding model "${options.model}" at ${baseURL}`;
  const endpoint = endpointUrl(baseURL, "embeddings");
  const headers = apiHeaders(options.apiKey);
  const queue = new PQueue({ concurrency });
  const stats: EmbeddingEngineStats = { requests: 0, inputs: 0, promptTokens: 0 };

  const invalid = (what: string) => malformedReply(what, ctx);

  /** One HTTP request for one batch, turned into vectors or a classified EngineCallError. */
  async function sendOnce(batch: readonly string[], signal: AbortSignal): Promise<Float32Array[]> {
    if (signal.aborted) throw new AbortedError(`request to ${description} was aborted`);
    const body: EmbeddingCreateParams = {
      model: options.model,
      input: batch as string[],
      encoding_format: "base64",
      ...(options.dimensions === undefined ? {} : { dimensions: options.dimensions }),
    };
    stats.requests++;
    const parsed = (await postApi(endpoint, body, { headers, timeoutMs, signal, ctx, description })).body as CreateEmbeddingResponse;
    const vectors = readVectors(parsed, batch.length);
    stats.inputs += batch.length;
    stats.promptTokens += typeof parsed.usage?.prompt_tokens === "number" ? parsed.usage.prompt_tokens : 0;
    return vectors;
  }

  /** The reply's vectors placed by their `index`; anything malformed is a retryable error. */
  function readVectors(reply: CreateEmbeddingResponse, expected: number): Float32Array[] {
    if (typeof reply !== "object" || reply === null || !Array.isArray(reply.data)) throw invalid("reply that is not a JSON embedding list");
    if (reply.data.length !== expected) throw invalid(`reply with ${reply.data.length} embeddings for ${expected} inputs`);
    const out = new Array<Float32Array | undefined>(expected);
    let dim: number | undefined = options.dimensions;
    for (const [position, item] of reply.data.entries()) {
      const index = typeof item?.index === "number" ? item.index : position;
      if (!Number.isInteger(index) || index < 0 || index >= expected || out[index] !== undefined) {
        throw invalid(`reply with a bad or repeated embedding index ${JSON.stringify(item?.index)}`);
      }
      const vector = decodeVector(item.embedding as unknown);
      if (vector === undefined) throw invalid(`reply whose embedding ${index} is neither base64 float32 nor a list of numbers`);
      if (dim !== undefined && vector.length !== dim) {
        throw invalid(`reply whose embedding ${index} has ${vector.length} numbers instead of ${dim}`);
      }
      dim = vector.length;
      out[index] = vector;
    }
    return out as Float32Array[];
  }

  const embedOne = (batch: readonly string[], signal: AbortSignal) =>
    withRetries(() => sendOnce(batch, signal), { ...options.retry, signal }).then(({ value }) => value);

  return {
    modelId: options.model,
    description,
    ...(options.dimensions === undefined ? {} : { dimensions: options.dimensions }),
    stats,
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      const callerSignal = signal ?? options.retry?.signal;
      if (callerSignal?.aborted) throw new AbortedError(`request to ${description} was aborted`);
      // One failed batch stops the others: queued batches never start, sent ones are dropped.
      const stop = new AbortController();
      // Each batch in flight listens to it: bounded by the concurrency, not a leak.
      setMaxListeners(0, stop.signal);
      const onAbort = () => stop.abort();
      callerSignal?.addEventListener("abort", onAbort, { once: true });
      try {
        const batches: Array<Promise<Float32Array[]>> = [];
        for (let start = 0; start < texts.length; start += batchSize) {
          const batch = texts.slice(start, start + batchSize);
          // The task checks the signal itself rather than handing it to the queue: one listener
          // per queued batch would pile up on long lists.
          batches.push(
            queue.add(() => {
              if (stop.signal.aborted) throw new AbortedError(`request to ${description} was aborted`);
              return embedOne(batch, stop.signal);
            }),
          );
        }
        let results: Float32Array[][];
        try {
          results = await Promise.all(batches);
        } catch (error) {
          stop.abort();
          if (callerSignal?.aborted && !(error instanceof AbortedError)) throw new AbortedError(`request to ${description} was aborted`, { cause: error });
          throw error;
        }
        const vectors = results.flat();
        const other = vectors.find((v) => v.length !== vectors[0]!.length);
        if (other) {
          throw new EngineCallError(`${description} returned vectors of different lengths (${vectors[0]!.length} and ${other.length})`, {
            url: baseURL,
            model: options.model,
            status: 200,
            retryable: false,
          });
        }
        return vectors;
      } finally {
        callerSignal?.removeEventListener("abort", onAbort);
      }
    },
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`embedding engine option ${name} must be an integer >= 1, got ${String(value)}`);
  return value;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A vector from `encoding_format: "base64"` (little-endian float32 bytes) or from a plain list of
 * numbers (servers that ignore the format). Undefined when it is neither.
 */
export function decodeVector(embedding: unknown): Float32Array | undefined {
  if (typeof embedding === "string") {
    const bytes = Buffer.from(embedding, "base64");
    if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
    const out = new Float32Array(bytes.length / 4);
    if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
    else for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
    return out;
  }
  if (Array.isArray(embedding) && embedding.length > 0 && embedding.every((x) => typeof x === "number" && Number.isFinite(x))) {
    return Float32Array.from(embedding as number[]);
  }
  return undefined;
}
