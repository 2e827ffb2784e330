/**
 * The two model ports. Everything above them (method, pipeline, evaluation) talks to a model only
 * through `LanguageModel` and `EmbeddingModel`; the engines implement them: an OpenAI-compatible
 * HTTP server (llm/http) or a GGUF model run in this process by node-llama-cpp (llm/local).
 */
import type { PublishedLimits } from "../rate-limit-state.js";
import type { TokenUsage } from "../token-usage.js";

export type { PublishedLimits, TokenUsage };

export type Role = "system" | "user" | "assistant";

export interface ChatMessage {
  role: Role;
  content: string;
}

/** Sampling parameters. Absent fields are left to the server's defaults. */
export interface Sampling {
  temperature?: number;
  topP?: number;
  frequencyPenalty?: number;
  /**
   * Multiplicative penalty on tokens already in the context (1: none), as vLLM, SGLang and
   * llama.cpp apply it. OpenAI's own API rejects the field, so the OpenAI engine does not send it
   * there (and warns once).
   */
  repetitionPenalty?: number;
  maxTokens?: number;
  seed?: number;
}

/** A JSON schema the reply must match, sent as `response_format` json_schema. */
export interface ResponseSchema {
  /** Schema name: [a-zA-Z0-9_-], at most 64 characters. */
  name: string;
  /** A JSON Schema object (produced from a zod schema). */
  schema: Record<string, unknown>;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  sampling: Sampling;
  responseSchema?: ResponseSchema;
  signal?: AbortSignal;
  /**
   * Scheduling only, never sent: when calls wait for a place, higher goes first. Default 0. A
   * function is asked again whenever the scheduler reorders its line (what goes first can change as
   * a run learns).
   */
  priority?: number | (() => number);
  /**
   * Scheduling only, never sent: the re-synthesis round the call belongs to (0 or absent: a first
   * pass). A batched run sends later rounds live.
   */
  round?: number;
}


export interface Completion {
  text: string;
  usage: TokenUsage;
  /** e.g. "stop", "length"; undefined when the server does not say. */
  finishReason: string | undefined;
  /** Transport attempts this completion took (1 when the first try succeeded). */
  attempts: number;
  /** The rate limits the server published with this reply. */
  limits?: PublishedLimits;
  /** The batch that answered the request, when it went in one (priced at the batch price). */
  batchId?: string;
}

export interface LanguageModel {
  /** Human-readable identity for messages: model name and where it is served. */
  readonly description: string;
  /** The model name, part of every cache key. */
  readonly modelId: string;
  complete(request: CompletionRequest): Promise<Completion>;
}

/** Turns texts into vectors. Everything above this port is engine-agnostic. */
export interface EmbeddingModel {
  /** Model name, e.g. "text-embedding-3-small"; part of every cache key. */
  readonly modelId: string;
  /** For messages: the model and where it is served. */
  readonly description: string;
  /**
   * Vector length requested from the server, when one was set (it changes every vector, so a
   * cache keys on it too). Undefined: the model's own length.
   */
  readonly dimensions?: number;
  /** One vector per text, in order. Implementations batch as they need. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}
