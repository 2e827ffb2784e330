/**
 * Which engine a job talks to, and opening it: an OpenAI-compatible endpoint (its URL and key
 * resolved from options and environment in one place), or a GGUF model in this process (its file
 * resolved, downloaded the first time, and loaded).
 */
import path from "node:path";
import { ConfigError } from "../errors.js";
import type { EmbeddingModel, LanguageModel } from "./port.js";
// load-local loads llama.cpp (about 0.3 s) when a local model is opened, not for API runs.
import { loadLocalEmbeddings, loadLocalEngine } from "./local/load-local.js";
import type { LocalEngine, LocalGpu } from "./local/local-engine.js";
import type { DownloadEvents } from "./local/download-model.js";
import { defaultModelCacheDir } from "./local/model-cache.js";
import { resolveModelFile } from "./local/model-file.js";
import { createEmbeddingEngine } from "./http/embedding-engine.js";
import { createOpenAIEngine, DEFAULT_BASE_URL } from "./http/openai-engine.js";

export type EngineKind = "api" | "local";

export const DEFAULT_API_MODEL = "gpt-4o-mini";
export const DEFAULT_API_EMBED_MODEL = "text-embedding-3-small";
/** Small (about 1 GB at Q4_K_M), multilingual and instruction-tuned: a start that runs on a laptop's CPU; see the README for better. */
export const DEFAULT_LOCAL_MODEL = "hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf";

/** Whether a model name names a GGUF model to run in-process rather than a model behind an API. */
export function isLocalModelSpec(model: string): boolean {
  return model.startsWith("hf:") || /\.gguf(#.*)?$/i.test(model);
}

/**
 * `engine: "auto"` (the default) means the API when one is configured (a key or a base URL, as an
 * option or in the environment) or when the model is not a GGUF file, else the local engine.
 */
export function chooseEngine(
  options: { engine?: "auto" | EngineKind; model?: string; baseUrl?: string; apiKey?: string },
  env: NodeJS.ProcessEnv,
): EngineKind {
  if (options.engine === "api" || options.engine === "local") return options.engine;
  if (options.model !== undefined) return isLocalModelSpec(options.model) ? "local" : "api";
  const apiConfigured = [options.baseUrl, options.apiKey, env.OPENAI_BASE_URL, env.OPENAI_API_KEY].some((v) => v !== undefined && v !== "");
  return apiConfigured ? "api" : "local";
}

/** How to point foveate elsewhere, for a user who configured nothing and got the local engine. */
export const POINT_ELSEWHERE = "to use an API, set OPENAI_API_KEY or pass --base-url http://HOST:PORT/v1; to use a model file you have, pass --model FILE.gguf";

/**
 * Why the local engine runs, when it was chosen only because nothing else was configured (no
 * engine, no model, no key, no base URL); undefined when the user chose it or an API runs.
 */
export function localByDefault(options: { engine?: "auto" | EngineKind; model?: string; baseUrl?: string; apiKey?: string }, env: NodeJS.ProcessEnv): string | undefined {
  if ((options.engine ?? "auto") !== "auto" || options.model !== undefined || chooseEngine(options, env) !== "local") return undefined;
  return `no API configured (no OPENAI_API_KEY, --api-key, OPENAI_BASE_URL or --base-url), so the default model ${DEFAULT_LOCAL_MODEL} runs in this process (downloaded once)`;
}

export function defaultModel(engine: EngineKind): string {
  return engine === "local" ? DEFAULT_LOCAL_MODEL : DEFAULT_API_MODEL;
}

/** An OpenAI-compatible endpoint as the user gave it: either part may fall back to the environment. */
export interface EndpointOptions {
  baseUrl?: string;
  apiKey?: string;
}

/**
 * The endpoint's URL and key: the options, else OPENAI_BASE_URL and OPENAI_API_KEY, else OpenAI
 * itself, which needs a key. `role` names who the endpoint is for ("the judge") and `flags` the
 * options that set it ("--judge-api-key", "--judge-base-url"), for the message when no key is set.
 */
export function resolveEndpoint(
  options: EndpointOptions,
  env: NodeJS.ProcessEnv,
  role?: { name: string; flagPrefix: string },
): { baseURL: string; apiKey?: string } {
  const baseURL = options.baseUrl ?? env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL;
  const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
  if (!apiKey && baseURL === DEFAULT_BASE_URL) {
    const prefix = role?.flagPrefix ?? "";
    throw new ConfigError(
      `no API key for ${role ? `${role.name} at ` : ""}${DEFAULT_BASE_URL}: set OPENAI_API_KEY (or --${prefix}api-key), ` +
        `point --${prefix}base-url at a local server, or name a GGUF model to run locally`,
    );
  }
  return { baseURL, ...(apiKey ? { apiKey } : {}) };
}

/** How a GGUF model is loaded and where downloads are kept. */
export interface LocalEngineSettings {
  /** Replies generated at once in one context. Default: one per two cores, at most 4. */
  parallel?: number;
  /** Context size in tokens of each parallel sequence. Default: the model's, at most 16384. */
  ctx?: number;
  /** GPU backend, or "off" for the CPU only. Default "auto". */
  gpu?: "auto" | "cuda" | "vulkan" | "metal" | "off";
  /** CPU threads. Default: the machine's cores. */
  threads?: number;
  /** Longest string the JSON grammar lets the model write. Default 4000. */
  maxStringChars?: number;
  /** Where downloaded models are kept. Default: see defaultModelCacheDir. */
  cacheDir?: string;
}

/** What a local model's resolution reads and reports. */
export interface LocalIo {
  env: NodeJS.ProcessEnv;
  /** Told what is downloaded, how large, and how far it has got. */
  download?: DownloadEvents;
  /** Stops a download (kept for resumption). */
  signal?: AbortSignal;
}

/** Where a model came from and how it was loaded, for one line of output. */
export function describeLocalEngine(engine: LocalEngine): string {
  return `local engine: ${path.basename(engine.modelPath)}, ${engine.parallel} in parallel, context ${engine.contextSize} tokens`;
}

/** Resolves `spec` to a file (downloading it into the cache the first time) and loads it. */
export async function openLocalEngine(spec: string, settings: LocalEngineSettings, io: LocalIo): Promise<LocalEngine> {
  const modelPath = await resolveLocalModel(spec, settings, io);
  return loadLocalEngine({
    modelPath,
    ...(settings.parallel !== undefined ? { parallel: settings.parallel } : {}),
    ...(settings.ctx !== undefined ? { contextSize: settings.ctx } : {}),
    ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
    gpu: gpuOf(settings),
    maxStringChars: settings.maxStringChars ?? 4000,
  });
}

/** An embedding model from a GGUF file or URI of its own (not the chat model). */
export async function openLocalEmbeddings(
  spec: string,
  settings: LocalEngineSettings,
  io: LocalIo,
): Promise<EmbeddingModel & { dispose(): Promise<void> }> {
  const file = await resolveLocalModel(spec, settings, io);
  return loadLocalEmbeddings(file, { gpu: gpuOf(settings), ...(settings.threads !== undefined ? { threads: settings.threads } : {}) });
}

function resolveLocalModel(spec: string, settings: LocalEngineSettings, io: LocalIo): Promise<string> {
  return resolveModelFile(spec, {
    cacheDir: settings.cacheDir ?? defaultModelCacheDir(io.env),
    env: io.env,
    ...(io.download ? { events: io.download } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  });
}

const gpuOf = (settings: LocalEngineSettings): LocalGpu => (settings.gpu === "off" ? false : (settings.gpu ?? "auto"));

/** A model named by the user for a role (the judge, the embeddings): its name and, for an API, where. */
export interface NamedModel {
  model: string;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
}

/**
 * A chat model for a role: a GGUF file or URI is loaded in this process, any other name is asked
 * of its endpoint (the role's flags, else OPENAI_BASE_URL and OPENAI_API_KEY). `dispose` unloads it.
 */
export async function openChatModel(
  named: NamedModel,
  role: { name: string; flagPrefix: string },
  settings: LocalEngineSettings,
  io: LocalIo & { onWarning?: (message: string) => void },
): Promise<LanguageModel & { dispose(): Promise<void> }> {
  if (isLocalModelSpec(named.model)) return openLocalEngine(named.model, settings, io);
  const { baseURL, apiKey } = resolveEndpoint(endpointOf(named), io.env, role);
  const engine = createOpenAIEngine({ baseURL, ...(apiKey ? { apiKey } : {}), model: named.model, ...(io.onWarning ? { onWarning: io.onWarning } : {}) });
  return Object.assign(engine, { dispose: async () => {} });
}

/** An embedding model for a role, as openChatModel opens a chat model. */
export async function openEmbeddingModel(
  named: NamedModel,
  role: { name: string; flagPrefix: string },
  settings: LocalEngineSettings,
  io: LocalIo,
): Promise<EmbeddingModel & { dispose(): Promise<void> }> {
  if (isLocalModelSpec(named.model)) return openLocalEmbeddings(named.model, settings, io);
  const { baseURL, apiKey } = resolveEndpoint(endpointOf(named), io.env, role);
  return Object.assign(createEmbeddingEngine({ baseURL, ...(apiKey ? { apiKey } : {}), model: named.model }), { dispose: async () => {} });
}

const endpointOf = (named: NamedModel): EndpointOptions => ({
  ...(named.baseUrl ? { baseUrl: named.baseUrl } : {}),
  ...(named.apiKey ? { apiKey: named.apiKey } : {}),
});
