import type { EndpointSpec } from "../llm/endpoint-spec.js";
import type { EngineKind, LocalEngineSettings } from "../llm/engine-choice.js";
import type { LanguageModel } from "../llm/port.js";
import type { Level } from "../method/levels.js";
import type { Method } from "../pipeline/synthesize.js";

/**
 * What a synthesis job is asked to do. Every option has the meaning (and the name) of the
 * `foveate synth` flag that sets it.
 */
export interface SynthesisJobOptions extends LocalEngineSettings {
  /** A file (JSONL, JSON, CSV, .txt, .md) or a directory of them. */
  corpus: string;
  /** Field (JSON, JSONL) or column (CSV) holding the text. Default "content". */
  textField?: string;
  /** A malformed record: "fail" (default) or "skip" it with a `skipped` event. */
  onBadInput?: "fail" | "skip";
  /** Only the first N documents. */
  limit?: number;
  /** Longer documents are split into chunks of about this many tokens. Default 12000. */
  maxDocTokens?: number;

  /**
   * A model of your own (another engine, a test double) instead of one the job opens: engine,
   * model, baseUrl, apiKey, timeout, maxRetries and the local engine's settings are then unused.
   */
  languageModel?: LanguageModel;
  /** "api", "local", or "auto" (default): see chooseEngine. */
  engine?: "auto" | EngineKind;
  /** API: the model name; local: a GGUF file, hf: URI or https URL. Default per engine. */
  model?: string;
  /** OpenAI-compatible endpoint up to /v1. Default OPENAI_BASE_URL, else OpenAI. */
  baseUrl?: string;
  /** Default OPENAI_API_KEY. */
  apiKey?: string;
  /**
   * Several endpoints serving the same model, each with its own limits: the run's calls are spread
   * over them (baseUrl and apiKey are then unused).
   */
  endpoints?: readonly EndpointSpec[];
  /** The endpoints' model names differ but name the same model: accept them. */
  sameModel?: boolean;
  /** Limit for one HTTP request, seconds. Default 120. */
  timeout?: number;
  /** Transport retries per call (429, 5xx, dropped connections). Default 6. */
  maxRetries?: number;

  /** "foveate" (default) or the "self-qa" baseline. */
  method?: Method;
  /** Instructions per document and level. Default 8. */
  mu?: number;
  levels?: readonly Level[];
  /** The scatter importance step: [CORE, MAJOR] keyword counts. Default off. */
  important?: readonly number[];
  maxRounds?: number;
  shots?: number;
  temperature?: number;
  frequencyPenalty?: number;
  /** Cap on tokens per reply, every step. Default: the server's. */
  maxTokens?: number;
  /** Calls in flight at once. Default 32; local: the engine's parallel sequences. */
  concurrency?: number;
  seed?: number;

  /** Where records go: a file (written whole or not at all), a stream, or nowhere (events only). */
  output?: string | NodeJS.WritableStream;
  /**
   * The run store. Default OUTPUT.foveate.db; without an output file, foveate-CORPUS-HASH.foveate.db
   * (named for the corpus and settings) in the working folder, or beside the corpus folder when the
   * working folder is inside it.
   */
  store?: string;
  /** Start a store made with other settings over (its cached replies are kept). */
  forceNew?: boolean;
  /** Stop cleanly (resumable) before spending would cross this many dollars. */
  maxCost?: number;
  /** Prices per million tokens, replacing the built-in table. */
  priceIn?: number;
  priceOut?: number;
  /** The provider's requests and tokens per minute. */
  rpm?: number;
  tpm?: number;
  /** After a stop request, how long calls in flight may finish, seconds. Default 10. */
  grace?: number;

  /** Send the calls through the provider's Batch API, wave by wave, at its batch price. */
  batch?: boolean;
  /** Batches as files in this folder, for `vllm run-batch` (a server without a batch endpoint); implies batch. */
  batchFiles?: string;
  /** false: submit the next wave and stop (exit 75); the same command later collects it and goes on. Default true. */
  wait?: boolean;
  /** Batch the re-synthesis rounds too (by default they go live: they are few). */
  batchResynthesis?: boolean;
  /** Seconds between two looks at running batches. Default 30 (5 for --batch-files). */
  batchPoll?: number;
  /** Batch prices per million tokens, replacing half the list price. */
  batchPriceIn?: number;
  batchPriceOut?: number;

  /** Adaptive budgets: instructions per standard deviation of relevant words (0, the default: mu for all). */
  alpha?: number;
  /** A word is relevant at this cosine with its document. Default 0.16. */
  relevanceThreshold?: number;
  /** Largest budget. Default 3 x mu. */
  nmax?: number;
  /** Embedding model, by name or GGUF file. Default text-embedding-3-small; local: the chat model. */
  embedModel?: string;
  embedBaseUrl?: string;
  embedApiKey?: string;

  /** Environment read for keys, endpoints and model caches. Default process.env. */
  env?: NodeJS.ProcessEnv;
}
