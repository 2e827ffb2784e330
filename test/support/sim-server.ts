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
  for (const key of ["models", "embeddingModels"] as const) {
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

export async function startSimServer(options: Partial<SimOptions> = {}): Promise<SimServer> {
  let opts = resolveOptions(DEFAULT_SIM_OPTIONS, options);
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

  /** The request body as text, at most MAX_BODY_BYTES. */
  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new HttpProblem(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
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

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const raw = await readBody(req);
    const body = parseJson(raw);
    stats.chatRequests++;
    const read = readChatRequest(body);
    if ("status" in read) {
      const p = read as RequestProblem;
      throw new HttpProblem(p.status, p.message, "invalid_request_error", null, p.param ?? null);
    }
    const request = read;
    count(stats.byStep, request.step);
    if (request.isReask) stats.content.reask++;
    checkModel(request.model, opts.models);
    if (opts.rejectResponseFormat && request.hasResponseFormat) {
      throw new HttpProblem(400, "response_format is not supported", "invalid_request_error", null, "response_format");
    }
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
    const body = parseJson(raw) as Record<string, unknown> | null;
    stats.embeddingRequests++;
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

    const bodyHash = hashOf(raw);
    const seen = sighting(bodyHash);
    const build = () => {
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
    };
    const reply = build();
    await sleep(Math.max(0, latencyFor(bodyHash, seen) - (performance.now() - arrived)));
    if (res.destroyed) return;
    if (injectTransportFault(req, res, bodyHash, seen, () => reply)) return;
    stats.promptTokens += reply.usage.prompt_tokens;
    send(res, 200, reply);
  }

  function models(res: ServerResponse): void {
    const ids = [...new Set([...opts.models, ...opts.embeddingModels])];
    send(res, 200, { object: "list", data: ids.map((id) => ({ id, object: "model", created: 0, owned_by: "foveate-simulator" })) });
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
