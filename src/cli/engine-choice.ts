/**
 * Which engine a command talks to, and opening the local one: resolving its model (a file, or a
 * download with a progress bar) and loading it.
 */
import cliProgress from "cli-progress";
import path from "node:path";
import type { EmbeddingModel } from "../llm/embedding-engine.js";
// load-local loads llama.cpp (about 0.3 s) when a local model is opened, not for API runs.
import { loadLocalEmbeddings, loadLocalEngine } from "../llm/load-local.js";
import type { LocalEngine, LocalGpu } from "../llm/local-engine.js";
import { defaultModelCacheDir, resolveModelFile, type DownloadEvents } from "../llm/model-file.js";

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
 * `--engine auto` (the default) means the API when one is configured (a key or a base URL, as a
 * flag or in the environment) or when the model is not a GGUF file, else the local engine.
 */
export function chooseEngine(
  flags: { engine?: "auto" | EngineKind; model?: string; baseUrl?: string; apiKey?: string },
  env: NodeJS.ProcessEnv,
): EngineKind {
  if (flags.engine === "api" || flags.engine === "local") return flags.engine;
  if (flags.model !== undefined) return isLocalModelSpec(flags.model) ? "local" : "api";
  const apiConfigured = [flags.baseUrl, flags.apiKey, env.OPENAI_BASE_URL, env.OPENAI_API_KEY].some((v) => v !== undefined && v !== "");
  return apiConfigured ? "api" : "local";
}

export function defaultModel(engine: EngineKind): string {
  return engine === "local" ? DEFAULT_LOCAL_MODEL : DEFAULT_API_MODEL;
}

export interface LocalEngineFlags {
  parallel?: number;
  ctx?: number;
  gpu: "auto" | "cuda" | "vulkan" | "metal" | "off";
  threads?: number;
  maxStringChars: number;
  cacheDir?: string;
}

/** Where lines about a local model (its download) go, and what stops a download. */
export interface LocalIo {
  say: (line: string) => void;
  stream: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Where a model came from and how it was loaded, for one line of output. */
export function describeLocalEngine(engine: LocalEngine): string {
  return `local engine: ${path.basename(engine.modelPath)}, ${engine.parallel} in parallel, context ${engine.contextSize} tokens`;
}

/**
 * Resolves `spec` to a file (downloading it into the cache the first time, with a progress bar on
 * a terminal) and loads it.
 */
export async function openLocalEngine(
  spec: string,
  flags: LocalEngineFlags,
  io: LocalIo,
): Promise<LocalEngine> {
  const modelPath = await resolveLocalModel(spec, flags, io);
  return loadLocalEngine({
    modelPath,
    ...(flags.parallel !== undefined ? { parallel: flags.parallel } : {}),
    ...(flags.ctx !== undefined ? { contextSize: flags.ctx } : {}),
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
    gpu: gpuOf(flags),
    maxStringChars: flags.maxStringChars,
  });
}

/** An embedding model from a GGUF file or URI of its own (not the chat model). */
export async function openLocalEmbeddings(
  spec: string,
  flags: LocalEngineFlags,
  io: LocalIo,
): Promise<EmbeddingModel & { dispose(): Promise<void> }> {
  const file = await resolveLocalModel(spec, flags, io);
  return loadLocalEmbeddings(file, { gpu: gpuOf(flags), ...(flags.threads !== undefined ? { threads: flags.threads } : {}) });
}

/** The model's file: as given, or downloaded into the cache the first time, saying so. */
function resolveLocalModel(spec: string, flags: LocalEngineFlags, io: LocalIo): Promise<string> {
  return resolveModelFile(spec, {
    cacheDir: flags.cacheDir ?? defaultModelCacheDir(io.env),
    events: downloadReport(io.say, io.stream),
    env: io.env,
    ...(io.signal ? { signal: io.signal } : {}),
  });
}

const gpuOf = (flags: LocalEngineFlags): LocalGpu => (flags.gpu === "off" ? false : flags.gpu);

/** Says what is downloaded and how large it is; then a bar on a terminal, a line per 10% elsewhere. */
function downloadReport(say: (line: string) => void, stream: NodeJS.WriteStream): DownloadEvents {
  let bar: cliProgress.SingleBar | undefined;
  let lastTenth = -1;
  return {
    onStart: ({ uri, file, totalBytes, alreadyBytes }) => {
      const size = totalBytes > 0 ? formatBytes(totalBytes) : "size unknown";
      const resume = alreadyBytes > 0 ? `, resuming after ${formatBytes(alreadyBytes)}` : "";
      say(`downloading ${uri} (${size}) to ${file}${resume}`);
      if (stream.isTTY && totalBytes > 0) {
        bar = new cliProgress.SingleBar(
          { stream, format: "  {bar} {percentage}% | {done} of {size} | {eta_formatted} left", hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(totalBytes, alreadyBytes, { done: formatBytes(alreadyBytes), size });
      }
    },
    onProgress: (done, total) => {
      if (bar) {
        bar.update(done, { done: formatBytes(done) });
        if (done >= total) bar.stop();
        return;
      }
      if (total <= 0) return;
      const tenth = Math.floor((done / total) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        if (tenth > 0) say(`  ${tenth * 10}% (${formatBytes(done)} of ${formatBytes(total)})`);
      }
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
