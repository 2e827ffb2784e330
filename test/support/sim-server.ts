/**
 * A simulated OpenAI-compatible HTTP server for tests and benchmarks: no network, no key. It
 * answers every step of the method with deterministic replies worded from the document, and
 * injects latency, rate limits, errors and malformed replies on demand, and replies that break the
 * method's rules as a weak model's do (recording each text it spoiled). What it says is decided by
 * the pure modules beside it (sim-request, sim-content, sim-spoil, sim-format, sim-faults,
 * sim-embeddings); this file is the HTTP plumbing and the little state a server keeps.
 *
 * Test fixture only: never used by the product.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { replyContent, type ContentEvent, type ContentOptions } from "./sim-content.js";
import { embed, toBase64 } from "./sim-embeddings.js";
import {
  CONTENT_FAULTS,
  TRANSPORT_FAULTS,
  contentFaults,
  transportFault,
  type ContentFault,
  type FaultRates,
  type TransportFault,
} from "./sim-faults.js";
import { chooseWrapping, invalidValue, render, truncateText } from "./sim-format.js";
import { hashOf, randomFrom, unitOf } from "./sim-hash.js";
import { admit, charge, hasRateLimits, rateLimitHeaders, windowAt, type RateLimits, type RateWindow } from "./sim-limits.js";
import { readChatRequest, type ChatRequest, type RequestProblem } from "./sim-request.js";
import {
  BATCH_ENDPOINTS,
  batchState,
  isValidated,
  linesDone,
  shuffledOrder,
  validateBatchInput,
  type SimBatchError,
  type SimInputLine,
} from "./sim-batches.js";
import { NO_SPOILS, SPOIL_KINDS, SPOIL_RATE_OPTIONS, emptySpoiledTexts, recordSpoil, type Spoil, type SpoiledTexts } from "./sim-spoil.js";

export interface SimOptions extends FaultRates, ContentOptions, RateLimits {
  /** Port to listen on (127.0.0.1); 0 picks a free one. Only read at start. Default 0. */
  port: number;
  /** Chat models served; others get 404 model_not_found. Default ["sim-model"]. */
  models: string[];
  /** Further models accepted by /v1/embeddings (chat models are accepted too). Default ["sim-embedding"]. */
  embeddingModels: string[];
  /** When set, requests need `Authorization: Bearer <apiKey>` or get 401. Default unset. */
  apiKey: string | undefined;
  /** Milliseconds to wait before answering a request. Default 0. */
  latencyMs: number;
  /** Up to this many further milliseconds, drawn per request from its hash. Default 0. */
  latencyJitterMs: number;
  /** Seconds sent in Retry-After with a 429 (a rate429 fault, or a refusal at maxConcurrent). Default 0. */
  retryAfterSeconds: number;
  /**
   * Chat requests served at once; one that arrives while this many are being served is answered
   * 429 at once, as a gateway in front of a GPU server does. 0: no cap. Default 0.
   */
  maxConcurrent: number;
  /** Behave like a server without JSON mode: never reply bare JSON. Default false. */
  ignoreResponseFormat: boolean;
  /** Answer 400 "response_format is not supported" to any request that has one. Default false. */
  rejectResponseFormat: boolean;
  /** Length of embedding vectors when the request gives no `dimensions`. Default 64. */
  embeddingDim: number;
  /** Serve /v1/files and /v1/batches; false answers them 404, as vLLM's server does. Default true. */
  batchApi: boolean;
  /**
   * Milliseconds from a batch's creation to its end: validating for the first tenth, in progress
   * until eight tenths, then finalizing; fixed for a batch when it is created. Read when a batch is
   * looked at, so polls see each state. A cancel's reply says "cancelling", the next look "cancelled". Default 20.
   */
  batchTurnaroundMs: number;
  /** Batches (1-based, in the order they were created) that end expired, half their lines done. Default []. */
  expireBatches: number[];
  /** Batches that end cancelled (as if cancelled elsewhere), half their lines done. Default []. */
  cancelBatches: number[];
  /** Batches that end failed, with a reason and no output. Default []. */
  failBatches: number[];
  /** custom_ids of batch lines that go to the error file with a code and message. Default []. */
  errorLines: string[];
  /** custom_ids of batch lines answered with status_code 500 in the output file. Default []. */
  status500Lines: string[];
  /** Share of batch lines sent to the error file, drawn per request body and sighting (a resent line may pass). Default 0. */
  rateBatchLineError: number;
  /** Share of batch lines answered 500 in the output file, drawn the same way. Default 0. */
  rateBatchLine500: number;
  /** The first this many batch creations make their batch, then drop the connection before replying. Default 0. */
  dropBatchCreates: number;
}

export const DEFAULT_SIM_OPTIONS: Readonly<SimOptions> = Object.freeze({
  port: 0,
  models: ["sim-model"],
  embeddingModels: ["sim-embedding"],
  apiKey: undefined,
  latencyMs: 0,
  latencyJitterMs: 0,
  retryAfterSeconds: 0,
  maxConcurrent: 0,
  limitRequests: 0,
  limitTokens: 0,
  limitWindowMs: 60_000,
  ignoreResponseFormat: false,
  rejectResponseFormat: false,
  embeddingDim: 64,
  batchApi: true,
  batchTurnaroundMs: 20,
  expireBatches: [],
  cancelBatches: [],
  failBatches: [],
  errorLines: [],
  status500Lines: [],
  rateBatchLineError: 0,
  rateBatchLine500: 0,
  dropBatchCreates: 0,
  rate429: 0,
  rate500: 0,
  rateDrop: 0,
  rateTruncatedBody: 0,
  rateTruncatedContent: 0,
  rateInvalidReply: 0,
  rateCodeFence: 0,
  rateProse: 0,
  rateQuoteVariation: 0.3,
  rateFabricatedSentence: 0,
  rateMissingKeyword: 0,
  unanswerableRate: 0,
  resynthUnanswerableRate: 0,
  ...NO_SPOILS,
});

const RATE_OPTIONS = [
  "rate429",
  "rate500",
  "rateDrop",
  "rateTruncatedBody",
  "rateTruncatedContent",
  "rateInvalidReply",
  "rateCodeFence",
  "rateProse",
  "rateQuoteVariation",
  "rateFabricatedSentence",
  "rateMissingKeyword",
  "unanswerableRate",
  "resynthUnanswerableRate",
  "rateBatchLineError",
  "rateBatchLine500",
  ...SPOIL_RATE_OPTIONS,
] as const satisfies ReadonlyArray<keyof SimOptions>;

const COUNT_OPTIONS = [
  "port",
  "latencyMs",
  "latencyJitterMs",
  "retryAfterSeconds",
  "embeddingDim",
  "maxConcurrent",
  "limitRequests",
  "limitTokens",
  "limitWindowMs",
  "batchTurnaroundMs",
  "dropBatchCreates",
] as const satisfies ReadonlyArray<
  keyof SimOptions
>;

/** Merge and check options; a bad value throws a RangeError that shows it. */
export function resolveOptions(base: Readonly<SimOptions>, partial: Partial<SimOptions>): SimOptions {
  const merged: SimOptions = { ...base };
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined && key !== "apiKey") continue;
    if (!(key in DEFAULT_SIM_OPTIONS)) throw new RangeError(`unknown simulator option "${key}"`);
    (merged as unknown as Record<string, unknown>)[key] = value;
  }
  for (const key of RATE_OPTIONS) {
    const v = merged[key];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new RangeError(`simulator option ${key} must be a rate in [0, 1], got ${String(v)}`);
  }
  for (const key of COUNT_OPTIONS) {
    const v = merged[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new RangeError(`simulator option ${key} must be a number >= 0, got ${String(v)}`);
  }
  if (merged.embeddingDim < 1) throw new RangeError(`simulator option embeddingDim must be at least 1, got ${merged.embeddingDim}`);
  if (merged.limitWindowMs < 1) throw new RangeError(`simulator option limitWindowMs must be at least 1, got ${merged.limitWindowMs}`);
  for (const key of ["expireBatches", "cancelBatches", "failBatches"] as const) {
    // Flags (sim-main) give the ordinals as strings.
    const v = (merged[key] as unknown[]).map((x) => (typeof x === "string" ? Number(x) : x));
    if (!Array.isArray(merged[key]) || v.some((n) => typeof n !== "number" || !Number.isInteger(n) || n < 1)) {
      throw new RangeError(`simulator option ${key} must be a list of batch ordinals (1, 2, ...), got ${JSON.stringify(merged[key])}`);
    }
    merged[key] = v as number[];
  }
  for (const key of ["models", "embeddingModels", "errorLines", "status500Lines"] as const) {
    const v = merged[key];
    if (!Array.isArray(v) || v.some((m) => typeof m !== "string")) throw new RangeError(`simulator option ${key} must be a list of names, got ${JSON.stringify(v)}`);
  }
  return merged;
}

/** Counters of what the server did; a live object, updated as requests come and go. */
export interface SimStats {
  /** Every HTTP request received. */
  requests: number;
  chatRequests: number;
  embeddingRequests: number;
  /** Texts embedded (an array input counts each). */
  embeddingInputs: number;
  /** Chat requests by step of the method ("unknown" when it could not be told). */
  byStep: Record<string, number>;
  /** Replies sent, by HTTP status (dropped connections are not replies). */
  byStatus: Record<string, number>;
  /** Faults and quirks injected, by kind. */
  faults: Record<TransportFault | ContentFault, number>;
  /** Chat requests answered 429 by a limit (not by a rate429 fault): at maxConcurrent, or over the window's requests or tokens. */
  limited: { concurrency: number; requests: number; tokens: number };
  /** Content the simulated model produced on purpose, and re-asks it received. */
  content: Record<ContentEvent | "reask" | "resynthesized", number>;
  /** Requests being served now (those refused at maxConcurrent never are). */
  inFlight: number;
  /** The most requests served at once. */
  maxInFlight: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** The Batch API: files uploaded, batches created, the lines of each (in creation order), polls of a batch, lines answered by step. */
  batch: {
    filesUploaded: number;
    batchesCreated: number;
    linesPerBatch: number[];
    polls: number;
    /** Lines answered 200 in an output file. */
    linesAnswered: number;
    /** Lines in an error file or answered with another status. */
    linesFailed: number;
    byStep: Record<string, number>;
  };
}

function emptyStats(inFlight = 0): SimStats {
  return {
    requests: 0,
    chatRequests: 0,
    embeddingRequests: 0,
    embeddingInputs: 0,
    byStep: {},
    byStatus: {},
    faults: Object.fromEntries([...TRANSPORT_FAULTS, ...CONTENT_FAULTS].map((k) => [k, 0])) as SimStats["faults"],
    limited: { concurrency: 0, requests: 0, tokens: 0 },
    content: {
      quoteVariation: 0,
      fabricatedSentence: 0,
      unanswerable: 0,
      ...(Object.fromEntries(SPOIL_KINDS.map((k) => [k, 0])) as Record<(typeof SPOIL_KINDS)[number], number>),
      reask: 0,
      resynthesized: 0,
    },
    inFlight,
    maxInFlight: inFlight,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    batch: { filesUploaded: 0, batchesCreated: 0, linesPerBatch: [], polls: 0, linesAnswered: 0, linesFailed: 0, byStep: {} },
  };
}

export interface SimServer {
  /** e.g. "http://127.0.0.1:PORT/v1", for the `openai` client's baseURL. */
  readonly baseURL: string;
  readonly port: number;
  /** Live counters. */
  readonly stats: SimStats;
  /**
   * Every text the server wrote to break a rule of the method (see sim-spoil), live, kept across
   * resetStats: `spoilsOf(record, server.spoiled)` tells which kept records carry one.
   */
  readonly spoiled: SpoiledTexts;
  /** The options in force. */
  readonly options: Readonly<SimOptions>;
  /** Change options from now on (the port excepted). */
  setOptions(partial: Partial<SimOptions>): void;
  /** Zero the counters (requests in flight stay counted). */
  resetStats(): void;
  /** Call `listener` with every rule-breaking text as the server writes it (replies later cut off included). */
  onSpoiled(listener: (spoil: Spoil) => void): void;
  /** Call `listener` with the raw request body of every chat request answered 200 with a whole reply. */
  onDelivered(listener: (requestBody: string) => void): void;
  /**
   * From now on, hold every request before answering it, until the returned function is called
   * or, given `untilInFlight`, until that many requests are in flight at once: a test can then act
   * while calls are surely in flight, or see a burst served concurrently, without racing the clock.
   */
  hold(untilInFlight?: number): () => void;
  /**
   * Holds every request (as hold() does) from the moment `count` replies have been delivered;
   * resolves then with the function that releases them. A run is then surely unfinished, with
   * calls in flight, however fast it went.
   */
  holdAfterDelivered(count: number): Promise<() => void>;
  /** Stop listening, drop open connections and pending replies. */
  close(): Promise<void>;
}

/** ceil(characters / 4): the simulator's token count. */
export const tokenCount = (text: string) => Math.ceil([...text].length / 4);

/** A chat request's prompt tokens: the simulator's count of all its messages' text. */
const promptTokensOf = (request: ChatRequest) => tokenCount(request.messages.map((m) => m.content).join(""));

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** A file of the simulated /v1/files. */
interface SimFile {
  id: string;
  filename: string;
  purpose: string;
  content: string;
  createdAt: number;
}

/** How a batch ended, fixed the first time it is seen ended. */
interface SimBatchEnd {
  status: "completed" | "expired" | "cancelled" | "failed";
  at: number;
  outputFileId: string | null;
  errorFileId: string | null;
  counts: { total: number; completed: number; failed: number };
  errors: SimBatchError[] | null;
}

/** A batch of the simulated /v1/batches. */
interface SimBatch {
  id: string;
  /** 1-based, in creation order: what expireBatches, cancelBatches and failBatches name. */
  ordinal: number;
  endpoint: string;
  inputFileId: string;
  createdAt: number;
  /** batchTurnaroundMs when it was created: later changes of the option leave it be. */
  turnaroundMs: number;
  input: { lines: SimInputLine[] } | { errors: SimBatchError[] };
  fate: SimBatchEnd["status"];
  /** When the client asked to cancel it. */
  cancelAskedAt?: number;
  /** Whether the cancel's reply (which says "cancelling") was sent: any later look finds the batch cancelled. */
  cancelAnswered?: boolean;
  end?: SimBatchEnd;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = "invalid_request_error",
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** What a test may put in place of the real world. */
export interface SimHooks {
  /** The clock batches age by (epoch milliseconds). Default Date.now; a test can step it to see each state. */
  now?: () => number;
}

export async function startSimServer(options: Partial<SimOptions> = {}, hooks: SimHooks = {}): Promise<SimServer> {
  let opts = resolveOptions(DEFAULT_SIM_OPTIONS, options);
  const clock = hooks.now ?? Date.now;
  const deliveryListeners = new Set<(requestBody: string) => void>();
  const spoilListeners = new Set<(spoil: Spoil) => void>();
  const spoiled = emptySpoiledTexts();
  const stats = emptyStats();
  /** While set, every request waits for it before it is answered (see hold). */
  let held: Promise<void> | undefined;
  let releaseHeld = () => {};
  /** The number of requests in flight that releases the hold, if any. */
  let releaseAt: number | undefined;
  /** How many times each request body was seen: drives faults that go away on retry. */
  const seenBodies = new Map<string, number>();
  /** Prompt prefixes (system + document) already processed, per model: the simulated prefix cache. */
  const cachedPrefixes = new Set<string>();
  /** Instructions this server wrote in re-synthesis replies. */
  const resynthesized = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  /** The rate-limit window in force (see sim-limits), once a request has opened one. */
  let window: RateWindow | undefined;
  /** Chat requests being served now: what maxConcurrent caps. */
  let chatServing = 0;

  const sleep = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, ms);
          timers.add(t);
        });

  const count = (record: Record<string, number>, key: string, by = 1) => {
    record[key] = (record[key] ?? 0) + by;
  };

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.headersSent) return;
    const text = JSON.stringify(body);
    count(stats.byStatus, String(status));
    res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  }

  function sendProblem(res: ServerResponse, p: HttpProblem): void {
    send(res, p.status, { error: { message: p.message, type: p.type, param: p.param, code: p.code } });
  }

  /** The request body, at most MAX_BODY_BYTES. */
  async function readBytes(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new HttpProblem(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  /** The request body as text, at most MAX_BODY_BYTES. */
  async function readBody(req: IncomingMessage): Promise<string> {
    return (await readBytes(req)).toString("utf8");
  }

  function parseJson(text: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HttpProblem(400, "the request body is not valid JSON");
    }
  }

  function checkAuth(req: IncomingMessage): void {
    if (opts.apiKey === undefined) return;
    const header = req.headers.authorization ?? "";
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (token === undefined) {
      throw new HttpProblem(401, "You didn't provide an API key. Send it as an Authorization: Bearer header.", "invalid_request_error", "missing_api_key");
    }
    if (token !== opts.apiKey) {
      const shown = token.length > 8 ? `${token.slice(0, 3)}...${token.slice(-4)}` : "***";
      throw new HttpProblem(401, `Incorrect API key provided: ${shown}.`, "invalid_request_error", "invalid_api_key");
    }
  }

  function checkModel(model: string, accepted: readonly string[]): void {
    if (!accepted.includes(model)) {
      throw new HttpProblem(404, `The model \`${model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found", "model");
    }
  }

  /** Count this sighting of a body; returns how many times it was seen before. */
  function sighting(bodyHash: string): number {
    const key = bodyHash.slice(0, 32);
    const seen = seenBodies.get(key) ?? 0;
    seenBodies.set(key, seen + 1);
    return seen;
  }

  const latencyFor = (bodyHash: string, seen: number) =>
    opts.latencyMs + (opts.latencyJitterMs > 0 ? opts.latencyJitterMs * unitOf("latency", bodyHash, seen) : 0);

  /** Retry-After, in whole seconds as the header wants them and to the millisecond as OpenAI adds. */
  const retryAfter = (ms: number) => ({ "retry-after": String(Math.ceil(ms / 1000)), "retry-after-ms": String(Math.round(ms)) });

  /** The x-ratelimit headers of a chat reply sent now; none when no limit is set. */
  function limitHeadersNow(): Record<string, string> {
    if (!hasRateLimits(opts)) return {};
    const now = Date.now();
    window = windowAt(window, opts, now);
    return rateLimitHeaders(window, opts, now);
  }

  /**
   * Refuse a request over the window's requests or tokens with 429, or count it in; true when refused.
   * Its tokens are those the simulator bills: the prompt here, the completion once written.
   */
  function refusedByWindow(res: ServerResponse, promptTokens: number): boolean {
    if (!hasRateLimits(opts)) return false;
    const now = Date.now();
    window = windowAt(window, opts, now);
    const verdict = admit(window, opts, promptTokens, now);
    if (verdict.admitted) {
      window = charge(window, 1, promptTokens);
      return false;
    }
    stats.limited[verdict.limit]++;
    const limit = verdict.limit === "requests" ? opts.limitRequests : opts.limitTokens;
    send(
      res,
      429,
      {
        error: {
          message: `Rate limit reached for ${verdict.limit} (simulated): limit ${limit} per ${opts.limitWindowMs} ms. Please try again in ${verdict.retryAfterMs} ms.`,
          type: verdict.limit,
          param: null,
          code: "rate_limit_exceeded",
        },
      },
      { ...retryAfter(verdict.retryAfterMs), ...rateLimitHeaders(window, opts, now) },
    );
    return true;
  }

  /** Answer with a transport fault; true when one was injected. A 429 carries `limitHeaders`. */
  function injectTransportFault(
    req: IncomingMessage,
    res: ServerResponse,
    bodyHash: string,
    seen: number,
    fullBody: () => unknown,
    limitHeaders: Record<string, string> = {},
  ): boolean {
    const fault = transportFault(opts, bodyHash, seen);
    if (fault === undefined) return false;
    stats.faults[fault]++;
    switch (fault) {
      case "status429": {
        // A busy provider's refusal of one call: it asks that call to wait, and tells no exhausted
        // limit (the x-ratelimit headers are the real window's, when limits are set).
        send(
          res,
          429,
          { error: { message: "Rate limit reached for requests (simulated). Please try again later.", type: "requests", param: null, code: "rate_limit_exceeded" } },
          { ...retryAfter(opts.retryAfterSeconds * 1000), ...limitHeaders },
        );
        break;
      }
      case "status500":
        send(res, 500, { error: { message: "The server had an error while processing your request (simulated).", type: "server_error", param: null, code: null } });
        break;
      case "drop":
        req.socket.destroy();
        break;
      case "truncatedBody": {
        const text = Buffer.from(JSON.stringify(fullBody()));
        const cut = text.subarray(0, Math.max(1, Math.floor(text.length * (0.2 + 0.6 * unitOf("cut", bodyHash, seen)))));
        count(stats.byStatus, "200");
        if (unitOf("cut-mode", bodyHash, seen) < 0.5) {
          // The connection closes before the announced length arrives.
          res.writeHead(200, { "content-type": "application/json", "content-length": String(text.length) });
          res.write(cut, () => req.socket.destroy());
        } else {
          // A complete HTTP reply whose JSON body is cut short.
          res.writeHead(200, { "content-type": "application/json", "content-length": String(cut.length) });
          res.end(cut);
        }
        break;
      }
    }
    return true;
  }

  /** Build the chat.completion for a request, recording what it did in the counters and state. */
  function completionFor(request: ChatRequest, bodyHash: string, seen: number): Record<string, unknown> {
    const reply = replyContent(request, { options: opts, isResynthesized: (i) => resynthesized.has(i.trim()) });
    for (const event of reply.events) stats.content[event]++;
    for (const s of reply.spoiled ?? []) {
      recordSpoil(spoiled, s);
      for (const listener of spoilListeners) listener(s);
    }
    if (reply.resynthesized !== undefined) {
      resynthesized.add(reply.resynthesized.trim());
      stats.content.resynthesized++;
    }
    const faults = contentFaults(opts, bodyHash, seen, request.isReask);
    for (const f of faults) stats.faults[f]++;
    const random = randomFrom("format", request.model, JSON.stringify(request.messages));
    const written =
      faults.has("invalidReply") && reply.value !== undefined
        ? { ...reply, value: invalidValue(request, reply.value, random), plain: undefined }
        : reply;
    const wrapping = chooseWrapping(
      request,
      written,
      { codeFence: faults.has("codeFence"), prose: faults.has("prose"), ignoreResponseFormat: opts.ignoreResponseFormat },
      random,
    );
    let content = render(request, written, wrapping, random);
    let finish = "stop";
    if (faults.has("truncatedContent")) {
      content = truncateText(content, random);
      finish = "length";
    }

    const promptTokens = promptTokensOf(request);
    let cached = 0;
    if (request.cachePrefix.length > 0) {
      const key = hashOf(request.model, request.cachePrefix).slice(0, 32);
      if (cachedPrefixes.has(key)) cached = Math.min(promptTokens, tokenCount(request.cachePrefix));
      else cachedPrefixes.add(key);
    }
    const completionTokens = tokenCount(content);
    stats.promptTokens += promptTokens;
    stats.completionTokens += completionTokens;
    stats.cachedTokens += cached;
    return {
      id: `chatcmpl-sim-${bodyHash.slice(0, 20)}${seen}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: finish }],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: cached },
      },
    };
  }

  /** The chat request in a body, checked as the endpoint checks it (HttpProblem when it is refused), counted by step in `byStep`. */
  function acceptChat(body: unknown, byStep: Record<string, number>): ChatRequest {
    const read = readChatRequest(body);
    if ("status" in read) {
      const p = read as RequestProblem;
      throw new HttpProblem(p.status, p.message, "invalid_request_error", null, p.param ?? null);
    }
    count(byStep, read.step);
    if (read.isReask) stats.content.reask++;
    checkModel(read.model, opts.models);
    if (opts.rejectResponseFormat && read.hasResponseFormat) {
      throw new HttpProblem(400, "response_format is not supported", "invalid_request_error", null, "response_format");
    }
    return read;
  }

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const raw = await readBody(req);
    const body = parseJson(raw);
    stats.chatRequests++;
    const request = acceptChat(body, stats.byStep);
    const promptTokens = promptTokensOf(request);
    if (refusedByWindow(res, promptTokens)) return;
    const bodyHash = hashOf(raw);
    const seen = sighting(bodyHash);
    // Latency is the time from request to reply, the server's own work included: the reply is
    // built while the client waits, not after. (Otherwise a burst of replies due at the same
    // moment would be built one after another and arrive late.)
    const fault = transportFault(opts, bodyHash, seen);
    const completion = fault === undefined || fault === "truncatedBody" ? completionFor(request, bodyHash, seen) : undefined;
    if (completion !== undefined && window !== undefined) window = charge(window, 0, (completion.usage as { completion_tokens: number }).completion_tokens);
    // As a provider does, the headers tell the window as it was when the request was taken in.
    const limitHeaders = limitHeadersNow();
    await sleep(Math.max(0, latencyFor(bodyHash, seen) - (performance.now() - arrived)));
    if (res.destroyed) return;
    if (injectTransportFault(req, res, bodyHash, seen, () => completion, limitHeaders)) return;
    send(res, 200, completion, limitHeaders);
    for (const listener of deliveryListeners) listener(raw);
  }

  async function embeddings(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const raw = await readBody(req);
    const body = parseJson(raw);
    stats.embeddingRequests++;
    const reply = embeddingReply(body);
    const bodyHash = hashOf(raw);
    const seen = sighting(bodyHash);
    await sleep(Math.max(0, latencyFor(bodyHash, seen) - (performance.now() - arrived)));
    if (res.destroyed) return;
    if (injectTransportFault(req, res, bodyHash, seen, () => reply)) return;
    stats.promptTokens += reply.usage.prompt_tokens;
    send(res, 200, reply);
  }

  /** The reply of /v1/embeddings to a body (HttpProblem when it is refused); counts the texts. */
  function embeddingReply(requestBody: unknown) {
    const body = requestBody as Record<string, unknown> | null;
    if (!body || typeof body !== "object") throw new HttpProblem(400, "the request body must be a JSON object");
    if (typeof body.model !== "string") throw new HttpProblem(400, "you must provide a model parameter", "invalid_request_error", null, "model");
    checkModel(body.model, [...opts.models, ...opts.embeddingModels]);
    const input = body.input;
    const texts = typeof input === "string" ? [input] : Array.isArray(input) && input.every((x) => typeof x === "string") ? (input as string[]) : undefined;
    if (texts === undefined || texts.length === 0) {
      throw new HttpProblem(400, "input must be a string or a non-empty array of strings", "invalid_request_error", null, "input");
    }
    const dim = body.dimensions === undefined ? opts.embeddingDim : Number(body.dimensions);
    if (!Number.isInteger(dim) || dim < 1) throw new HttpProblem(400, `dimensions must be a positive integer, got ${String(body.dimensions)}`, "invalid_request_error", null, "dimensions");
    const base64 = body.encoding_format === "base64";
    stats.embeddingInputs += texts.length;
    const tokens = texts.reduce((sum, t) => sum + tokenCount(t), 0);
    return {
      object: "list",
      data: texts.map((t, index) => {
        const v = embed(t, dim);
        return { object: "embedding", index, embedding: base64 ? toBase64(v) : v };
      }),
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  }

  function models(res: ServerResponse): void {
    const ids = [...new Set([...opts.models, ...opts.embeddingModels])];
    send(res, 200, { object: "list", data: ids.map((id) => ({ id, object: "model", created: 0, owned_by: "foveate-simulator" })) });
  }

  // The Batch API: files and batches kept in memory; a batch's state is read from the clock when it is looked at.
  const files = new Map<string, SimFile>();
  const batches = new Map<string, SimBatch>();
  let filesMade = 0;
  let batchesMade = 0;
  let createsDropped = 0;

  function sendText(res: ServerResponse, text: string): void {
    if (res.destroyed || res.headersSent) return;
    count(stats.byStatus, "200");
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(Buffer.byteLength(text)) });
    res.end(text);
  }

  function storeFile(filename: string, purpose: string, content: string): SimFile {
    const file = { id: `file-sim${++filesMade}${hashOf(filename, content).slice(0, 16)}`, filename, purpose, content, createdAt: clock() };
    files.set(file.id, file);
    return file;
  }

  const fileObject = (f: SimFile) => ({
    id: f.id,
    object: "file",
    bytes: Buffer.byteLength(f.content),
    created_at: Math.floor(f.createdAt / 1000),
    filename: f.filename,
    purpose: f.purpose,
  });

  async function uploadFile(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bytes = await readBytes(req);
    const type = req.headers["content-type"] ?? "";
    if (!/^multipart\/form-data/i.test(type)) throw new HttpProblem(400, "the upload must be multipart/form-data");
    let form: FormData;
    try {
      form = await new Request("http://sim/v1/files", { method: "POST", headers: { "content-type": type }, body: new Uint8Array(bytes) }).formData();
    } catch {
      throw new HttpProblem(400, "the multipart body cannot be read");
    }
    const purpose = form.get("purpose");
    const file = form.get("file");
    if (typeof purpose !== "string" || purpose === "") throw new HttpProblem(400, "Missing required parameter: 'purpose'.", "invalid_request_error", null, "purpose");
    if (purpose !== "batch") throw new HttpProblem(400, `the simulator keeps files of purpose "batch" only, not "${purpose}"`, "invalid_request_error", null, "purpose");
    if (file === null || typeof file === "string") throw new HttpProblem(400, "Missing required parameter: 'file'.", "invalid_request_error", null, "file");
    const stored = storeFile(file.name, purpose, await file.text());
    stats.batch.filesUploaded++;
    send(res, 200, fileObject(stored));
  }

  function fileOf(id: string): SimFile {
    const file = files.get(id);
    if (!file) throw new HttpProblem(404, `No such File object: ${id}`, "invalid_request_error", null, "file_id");
    return file;
  }

  function batchOf(id: string): SimBatch {
    const batch = batches.get(id);
    if (!batch) throw new HttpProblem(404, `No batch found with id '${id}'.`, "invalid_request_error", null, "batch_id");
    return batch;
  }

  async function createBatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseJson(await readBody(req)) as Record<string, unknown> | null;
    if (!body || typeof body !== "object" || Array.isArray(body)) throw new HttpProblem(400, "the request body must be a JSON object");
    if (typeof body.input_file_id !== "string") throw new HttpProblem(400, "Missing required parameter: 'input_file_id'.", "invalid_request_error", null, "input_file_id");
    const file = fileOf(body.input_file_id);
    if (file.purpose !== "batch") throw new HttpProblem(400, `file ${file.id} has purpose "${file.purpose}", not "batch"`, "invalid_request_error", null, "input_file_id");
    const endpoint = body.endpoint;
    if (typeof endpoint !== "string" || !(BATCH_ENDPOINTS as readonly string[]).includes(endpoint)) {
      throw new HttpProblem(400, `Invalid endpoint ${JSON.stringify(endpoint)}: one of ${BATCH_ENDPOINTS.join(", ")}.`, "invalid_request_error", null, "endpoint");
    }
    if (body.completion_window !== "24h") {
      throw new HttpProblem(400, `Invalid completion_window ${JSON.stringify(body.completion_window)}: only "24h" is supported.`, "invalid_request_error", null, "completion_window");
    }
    const ordinal = ++batchesMade;
    const fate = opts.failBatches.includes(ordinal)
      ? "failed"
      : opts.expireBatches.includes(ordinal)
        ? "expired"
        : opts.cancelBatches.includes(ordinal)
          ? "cancelled"
          : "completed";
    const batch: SimBatch = {
      id: `batch_sim${ordinal}_${hashOf(file.id).slice(0, 16)}`,
      ordinal,
      endpoint,
      inputFileId: file.id,
      createdAt: clock(),
      turnaroundMs: opts.batchTurnaroundMs,
      input: validateBatchInput(file.content, endpoint),
      fate,
    };
    batches.set(batch.id, batch);
    stats.batch.batchesCreated++;
    stats.batch.linesPerBatch.push(file.content.split("\n").filter((l) => l.trim() !== "").length);
    if (createsDropped < opts.dropBatchCreates) {
      createsDropped++;
      req.socket.destroy();
      return;
    }
    send(res, 200, batchObject(batch, clock()));
  }

  /** One line of a batch answered as the live endpoint answers its body, or failed as the options say. */
  function answerLine(batch: SimBatch, line: SimInputLine): { output: Record<string, unknown> } | { error: Record<string, unknown> } {
    const raw = JSON.stringify(line.body);
    const bodyHash = hashOf(raw);
    const seen = sighting(bodyHash);
    const id = `batch_req_${hashOf(batch.id, line.custom_id).slice(0, 24)}`;
    const request_id = `req_${bodyHash.slice(0, 24)}${seen}`;
    if (opts.errorLines.includes(line.custom_id) || unitOf("batch-line-error", bodyHash, seen) < opts.rateBatchLineError) {
      return { error: { id, custom_id: line.custom_id, response: null, error: { code: "server_error", message: "The request could not be processed (simulated)." } } };
    }
    let response: { status_code: number; request_id: string; body: unknown };
    if (opts.status500Lines.includes(line.custom_id) || unitOf("batch-line-500", bodyHash, seen) < opts.rateBatchLine500) {
      response = { status_code: 500, request_id, body: { error: { message: "The server had an error while processing your request (simulated).", type: "server_error", param: null, code: null } } };
    } else {
      try {
        if (batch.endpoint === "/v1/embeddings") {
          const reply = embeddingReply(line.body);
          stats.promptTokens += reply.usage.prompt_tokens;
          response = { status_code: 200, request_id, body: reply };
        } else {
          response = { status_code: 200, request_id, body: completionFor(acceptChat(line.body, stats.batch.byStep), bodyHash, seen) };
        }
      } catch (error) {
        if (!(error instanceof HttpProblem)) throw error;
        response = { status_code: error.status, request_id, body: { error: { message: error.message, type: error.type, param: error.param, code: error.code } } };
      }
    }
    return { output: { id, custom_id: line.custom_id, response, error: null } };
  }

  /** End a batch with its first `done` lines (in its shuffled order) answered and output and error files written. */
  function endBatch(batch: SimBatch, status: SimBatchEnd["status"], done: number, at: number, errors: SimBatchError[] | null = null): SimBatchEnd {
    const lines = "lines" in batch.input ? batch.input.lines : [];
    const order = status === "failed" ? [] : shuffledOrder(lines.length, batch.id);
    const output: string[] = [];
    const failed: string[] = [];
    let completed = 0;
    order.forEach((index, position) => {
      const line = lines[index]!;
      if (position >= done) {
        // As OpenAI does, the lines a batch did not reach go to the error file.
        const code = status === "expired" ? "batch_expired" : "batch_cancelled";
        const message = status === "expired" ? "This request could not be executed before the completion window expired." : "This request was not executed because the batch was cancelled.";
        failed.push(JSON.stringify({ id: `batch_req_${hashOf(batch.id, line.custom_id).slice(0, 24)}`, custom_id: line.custom_id, response: null, error: { code, message } }));
        return;
      }
      const answer = answerLine(batch, line);
      if ("error" in answer) failed.push(JSON.stringify(answer.error));
      else {
        output.push(JSON.stringify(answer.output));
        if ((answer.output.response as { status_code: number }).status_code === 200) completed++;
      }
    });
    stats.batch.linesAnswered += completed;
    stats.batch.linesFailed += order.length - completed;
    const fileOfLines = (kind: string, rows: string[]) => (rows.length === 0 ? null : storeFile(`${batch.id}_${kind}.jsonl`, `batch_${kind}`, rows.map((r) => `${r}\n`).join("")).id);
    const end: SimBatchEnd = {
      status,
      at,
      outputFileId: fileOfLines("output", output),
      errorFileId: fileOfLines("error", failed),
      counts: { total: lines.length, completed, failed: order.length - completed },
      errors,
    };
    batch.end = end;
    return end;
  }

  /** The batch's status at `now`, ending it when its time has come. */
  function statusAt(batch: SimBatch, now: number): string {
    if (batch.end) return batch.end.status;
    const turnaround = batch.turnaroundMs;
    const elapsed = now - batch.createdAt;
    if (isValidated(elapsed, turnaround)) {
      if ("errors" in batch.input) return endBatch(batch, "failed", 0, now, batch.input.errors).status;
      if (batch.fate === "failed") {
        const reason = { code: "token_limit_exceeded", message: `Enqueued token limit reached for ${opts.models[0] ?? "the model"} (simulated). Please try again once some in_progress batches have been completed.`, param: null, line: null };
        return endBatch(batch, "failed", 0, now, [reason]).status;
      }
    }
    const total = "lines" in batch.input ? batch.input.lines.length : 0;
    if (batch.cancelAskedAt !== undefined) {
      if (!batch.cancelAnswered) return "cancelling";
      return endBatch(batch, "cancelled", linesDone(total, batch.cancelAskedAt - batch.createdAt, turnaround), now).status;
    }
    const state = batchState(elapsed, turnaround);
    if (state !== "ended") return state;
    return endBatch(batch, batch.fate, batch.fate === "completed" ? total : Math.floor(total / 2), now).status;
  }

  function batchObject(batch: SimBatch, now: number): Record<string, unknown> {
    const status = statusAt(batch, now);
    const seconds = (ms: number) => Math.floor(ms / 1000);
    const end = batch.end;
    const total = "lines" in batch.input ? batch.input.lines.length : 0;
    const running = status === "in_progress" || status === "finalizing" || status === "cancelling";
    return {
      id: batch.id,
      object: "batch",
      endpoint: batch.endpoint,
      errors: end?.errors ? { object: "list", data: end.errors } : null,
      input_file_id: batch.inputFileId,
      completion_window: "24h",
      status,
      output_file_id: end?.outputFileId ?? null,
      error_file_id: end?.errorFileId ?? null,
      created_at: seconds(batch.createdAt),
      expires_at: seconds(batch.createdAt) + 24 * 3600,
      ...(end ? { [`${end.status}_at`]: seconds(end.at) } : {}),
      ...(batch.cancelAskedAt !== undefined ? { cancelling_at: seconds(batch.cancelAskedAt) } : {}),
      request_counts: end?.counts ?? {
        total,
        completed: running ? linesDone(total, (batch.cancelAskedAt ?? now) - batch.createdAt, batch.turnaroundMs) : 0,
        failed: 0,
      },
      metadata: null,
    };
  }

  async function batchRoute(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? "GET";
    if (method === "POST" && path === "/v1/files") return await uploadFile(req, res);
    let m = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path);
    if (m && method === "GET") {
      const file = fileOf(decodeURIComponent(m[1]!));
      return m[2] ? sendText(res, file.content) : send(res, 200, fileObject(file));
    }
    if (method === "POST" && path === "/v1/batches") return await createBatch(req, res);
    if (method === "GET" && path === "/v1/batches") {
      const limit = Math.max(1, Math.min(100, Number(new URL(req.url ?? "/", "http://sim").searchParams.get("limit") ?? 20) || 20));
      const now = clock();
      const newest = [...batches.values()].reverse();
      return send(res, 200, { object: "list", data: newest.slice(0, limit).map((b) => batchObject(b, now)), has_more: newest.length > limit });
    }
    m = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
    if (m && method === "GET" && !m[2]) {
      stats.batch.polls++;
      return send(res, 200, batchObject(batchOf(decodeURIComponent(m[1]!)), clock()));
    }
    if (m && method === "POST" && m[2]) {
      const batch = batchOf(decodeURIComponent(m[1]!));
      const now = clock();
      const status = statusAt(batch, now);
      if (batch.end) throw new HttpProblem(400, `Cannot cancel a batch with status '${status}'.`, "invalid_request_error", null, null);
      batch.cancelAskedAt ??= now;
      const reply = batchObject(batch, now);
      batch.cancelAnswered = true;
      return send(res, 200, reply);
    }
    throw new HttpProblem(404, `Unknown request URL: ${method} ${path}.`, "invalid_request_error", "unknown_url");
  }

  /** Answer a chat request that arrived with maxConcurrent already being served: 429 at once, unread. */
  function refuseBusy(req: IncomingMessage, res: ServerResponse): void {
    stats.chatRequests++;
    stats.limited.concurrency++;
    req.resume();
    send(
      res,
      429,
      { error: { message: `Too many requests in flight (simulated): at most ${opts.maxConcurrent} are served at once.`, type: "requests", param: null, code: "rate_limit_exceeded" } },
      { ...(opts.retryAfterSeconds > 0 ? retryAfter(opts.retryAfterSeconds * 1000) : {}), ...limitHeadersNow() },
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    const path = new URL(req.url ?? "/", "http://sim").pathname.replace(/\/+$/, "");
    const isChat = req.method === "POST" && path === "/v1/chat/completions";
    if (isChat && opts.maxConcurrent > 0 && chatServing >= opts.maxConcurrent) return refuseBusy(req, res);
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    if (isChat) chatServing++;
    if (releaseAt !== undefined && stats.inFlight >= releaseAt) releaseHeld();
    res.on("close", () => {
      stats.inFlight--;
      if (isChat) chatServing--;
    });
    await held;
    try {
      checkAuth(req);
      if (isChat) return await chat(req, res);
      if (req.method === "POST" && path === "/v1/embeddings") return await embeddings(req, res);
      if (req.method === "GET" && path === "/v1/models") return models(res);
      if (/^\/v1\/(files|batches)(\/|$)/.test(path)) {
        // A server without a Batch API (vLLM's) answers FastAPI's bare 404.
        if (!opts.batchApi) return send(res, 404, { detail: "Not Found" });
        return await batchRoute(req, res, path);
      }
      throw new HttpProblem(404, `Unknown request URL: ${req.method} ${path}.`, "invalid_request_error", "unknown_url");
    } catch (error) {
      if (error instanceof HttpProblem) sendProblem(res, error);
      else if (!res.destroyed) sendProblem(res, new HttpProblem(500, `simulator failure: ${error instanceof Error ? error.message : String(error)}`, "server_error"));
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: opts.port, host: "127.0.0.1", backlog: 4096 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const sim: SimServer = {
    baseURL: `http://127.0.0.1:${port}/v1`,
    port,
    stats,
    spoiled,
    get options() {
      return opts;
    },
    setOptions(partial) {
      const { port: _ignored, ...rest } = partial;
      opts = resolveOptions(opts, rest);
    },
    onSpoiled(listener) {
      spoilListeners.add(listener);
    },
    onDelivered(listener) {
      deliveryListeners.add(listener);
    },
    hold(untilInFlight) {
      let resolveHeld!: () => void;
      held = new Promise<void>((resolve) => (resolveHeld = resolve));
      releaseAt = untilInFlight;
      const release = () => {
        held = undefined;
        releaseAt = undefined;
        resolveHeld();
      };
      releaseHeld = release;
      return release;
    },
    holdAfterDelivered(count) {
      return new Promise((resolve) => {
        let delivered = 0;
        const listener = () => {
          if (++delivered !== count) return;
          deliveryListeners.delete(listener);
          resolve(sim.hold());
        };
        deliveryListeners.add(listener);
      });
    },
    resetStats() {
      // In place, so that references to the live object stay valid; requests in flight stay counted.
      Object.assign(stats, emptyStats(stats.inFlight));
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sim;
}
