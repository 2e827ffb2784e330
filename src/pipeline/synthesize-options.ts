import type { SourceDocument } from "../corpus/source-document.js";
import type { LanguageModel, Sampling } from "../llm/port.js";
import type { StepKind } from "../method/context.js";
import type { Level } from "../method/levels.js";
import type { LevelOutcome } from "../method/run-level.js";
import type { RunStore } from "../store/run-store.js";
import type { BatchWavesOptions } from "./batch-waves.js";
import type { CallSchedulerOptions } from "./call-scheduler.js";
import type { SpendingLimit } from "./spending-limit.js";

export type Method = "foveate" | "self-qa";

/** One place a run's calls can go, with limits of its own: an endpoint, a key, a region. */
export interface ModelEndpoint {
  model: LanguageModel;
  /** Requests per minute allowed here; default unlimited (or what the server publishes). */
  rpm?: number;
  /** Tokens (prompt + completion) per minute allowed here. */
  tpm?: number;
  /** The most calls in flight here. Default the run's concurrency. */
  concurrency?: number;
}

export interface SynthesizeOptions {
  /**
   * The model, or several endpoints serving the same model: each call goes to the endpoint with the
   * most room, and one that fails is taken out until it recovers. The first endpoint's modelId
   * names the model in the store.
   */
  model: LanguageModel | readonly ModelEndpoint[];
  /** Requests and tokens per minute allowed for `model` when it is one model. */
  rpm?: number;
  tpm?: number;
  /**
   * Retries of a call that failed in a way worth retrying (429, 5xx, lost connection), waiting its
   * own backoff without holding a place, then going to any endpoint. Default none: give
   * engines made without retries of their own (the OpenAI engine's retry.maxRetries 0) and set
   * this, or let the engines retry.
   */
  retry?: CallSchedulerOptions["retry"];
  /** Told of every call that will be tried again, and after how long. */
  onRetry?: CallSchedulerOptions["onRetry"];
  /** "foveate" (default) or the "self-qa" baseline. */
  method?: Method;
  /** Instructions per document and level. Default 8. */
  mu?: number;
  /** Levels to run. Default all three. */
  levels?: readonly Level[];
  /** CORE and MAJOR keyword counts for the scatter importance step. Default: step off. */
  important?: { core: number; major: number };
  /** Re-synthesis rounds for failed items. Default 5. */
  maxRounds?: number;
  /** Successful examples per re-synthesis prompt. Default 3. */
  shots?: number;
  /** Temperature for every step. Default 1.0 (foveate) or 0.7 (self-qa). */
  temperature?: number;
  /** Frequency penalty for every step. Default 0.5 (foveate) or 0 (self-qa). */
  frequencyPenalty?: number;
  /** Per-step sampling on top of the above, e.g. { answer: { temperature: 0.2 } }. */
  sampling?: Partial<Record<StepKind, Sampling>>;
  /** Calls in flight at once on each endpoint, over all documents, levels and steps. Default 32. */
  concurrency?: number;
  /** Seed of every random choice. Default 0. */
  seed?: number;
  /** Times an unusable reply is asked for again before the item fails. Default 3. */
  maxReasks?: number;
  /** Extra requests for features when a document yields fewer than asked. Default 2. */
  extraExtractionAsks?: number;
  /** Stop request: no new call is sent; calls in flight may finish for graceMs. */
  signal?: AbortSignal;
  /** How long calls in flight may finish after a stop request, in ms. Default 10000. */
  graceMs?: number;
  /** The run store: replies are cached and committed there, finished levels saved, and a run resumes. */
  store?: RunStore;
  /** Start a store made with other settings over (its replies are kept). */
  forceNew?: boolean;
  /** Stop cleanly before spending crosses this limit. */
  spending?: SpendingLimit;
  /**
   * Adaptive budgets: instructions per level for each document (default: mu for all), and the
   * settings they were made with, which become part of the run's identity in the store.
   */
  budgets?: { of: (document: SourceDocument) => number; settings: Record<string, unknown> };
  /** Told about each document as it finishes or fails. */
  onDocument?: (event: DocumentEvent) => void;
  /**
   * Send the calls as waves of batches (a provider's Batch API, or files for vllm run-batch)
   * instead of one by one; needs a store, where each batch is recorded before it is waited on.
   * Every document is then in progress at once, so that each step of the whole corpus is one wave.
   */
  batch?: BatchSettings;
}

/** How a batched run sends its waves: everything BatchWaves needs but the store and the live model. */
export type BatchSettings = Omit<BatchWavesOptions, "ledger" | "keyOf" | "live" | "signal">;

/** What onDocument is told: a document finished with its level outcomes, or failed. */
export type DocumentEvent =
  | { type: "done"; document: SourceDocument; outcomes: LevelOutcome[] }
  | { type: "failed"; document: SourceDocument; error: Error };

/** The endpoints of a run: those given, or the one model with the run's rpm and tpm. */
export function endpointsOf(options: Pick<SynthesizeOptions, "model" | "rpm" | "tpm">): readonly ModelEndpoint[] {
  const { model, rpm, tpm } = options;
  if ("complete" in model) return [{ model, ...(rpm !== undefined ? { rpm } : {}), ...(tpm !== undefined ? { tpm } : {}) }];
  return model;
}
