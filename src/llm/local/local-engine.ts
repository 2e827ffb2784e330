/**
 * The in-process engine: a GGUF model run by node-llama-cpp, behind the same LanguageModel port as
 * the HTTP engine, so the pipeline, the store and evaluation do not know which one they talk to.
 *
 * One model, one context with `parallel` sequences; node-llama-cpp batches the sequences that are
 * generating into one evaluation. A call takes a free sequence (the one whose last prompt shares
 * the longest beginning with this one, so a document's prompt is not evaluated again), generates
 * under a JSON-schema grammar when the request has a schema, and gives the sequence back.
 */
import { stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  getLlama,
  InsufficientMemoryError,
  LlamaChat,
  LlamaLogLevel,
  NoBinaryFoundError,
  resolveChatWrapper,
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
} from "node-llama-cpp";
import { AbortedError, ConfigError, EngineCallError } from "../../errors.js";
import { grammarSchemaOf } from "./grammar-schema.js";
import { defaultParallel } from "./local-parallelism.js";
import { checkGgufFile } from "./check-gguf-file.js";
import type { ChatMessage, Completion, CompletionRequest, LanguageModel, ResponseSchema } from "../port.js";

/** Which GPU backend to use; false runs on the CPU only. */
export type LocalGpu = "auto" | "cuda" | "vulkan" | "metal" | false;

export interface LocalEngineOptions {
  /** A GGUF file on disk (see resolveModelFile for hf: and https: URIs). */
  modelPath: string;
  /** Sequences generating at once in the one context. Default: defaultParallel(). */
  parallel?: number;
  /** Tokens each sequence can see. Default: what the model was trained on, at most 16384, as memory allows. */
  contextSize?: number;
  /** CPU threads for evaluation. Default: the machine's cores. */
  threads?: number;
  /** Default "auto": CUDA, Vulkan or Metal when present, else the CPU. */
  gpu?: LocalGpu;
  /** Longest string the grammar lets the model write, in characters. Default 4000. */
  maxStringChars?: number;
}

/** What a local engine has done so far; a live object. */
export interface LocalEngineStats {
  calls: number;
  /** Time spent inside node-llama-cpp generating replies, summed over calls (ms). */
  generationMs: number;
  promptTokens: number;
  /** Prompt tokens that were already in a sequence's cache and not evaluated again. */
  reusedPromptTokens: number;
  completionTokens: number;
}

export interface LocalEngine extends LanguageModel {
  /** The GGUF file, resolved to an absolute path. */
  readonly modelPath: string;
  readonly contextSize: number;
  readonly parallel: number;
  readonly stats: LocalEngineStats;
  /** The loaded model, for an embedding context on the same weights. */
  readonly model: LlamaModel;
  dispose(): Promise<void>;
}

const DEFAULT_MAX_CONTEXT = 16_384;
const DEFAULT_MAX_STRING_CHARS = 4_000;

/**
 * llama.cpp's own messages: kept, not printed (FOVEATE_DEBUG=1 prints them), because the reason a
 * model does not load is only there ("tensor ... is not within the file bounds") and belongs in
 * our one-line error instead.
 */
const llamaLog: string[] = [];

function keepLog(level: LlamaLogLevel, message: string): void {
  if (process.env.FOVEATE_DEBUG) process.stderr.write(`[llama.cpp ${level}] ${message}\n`);
  if (level !== LlamaLogLevel.error && level !== LlamaLogLevel.fatal) return;
  llamaLog.push(message.trim());
  if (llamaLog.length > 20) llamaLog.shift();
}

/** The most telling llama.cpp error logged since the log was last emptied: the one that says why, else the last. */
function llamaReason(fallback: unknown): string {
  const why = llamaLog.find((line) => /error loading model:/.test(line)) ?? llamaLog.at(-1);
  return why ? why.replace(/^.*error loading model:\s*/, "") : oneLine(fallback);
}

/** One node-llama-cpp runtime per (gpu, threads): loading its binary takes a while. */
const runtimes = new Map<string, Promise<Llama>>();

export function localRuntime(gpu: LocalGpu = "auto", threads = os.availableParallelism()): Promise<Llama> {
  const key = `${gpu}|${threads}`;
  let llama = runtimes.get(key);
  if (!llama) {
    llama = getLlama({ gpu, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.warn, logger: keepLog }).catch((error: unknown) => {
      runtimes.delete(key);
      const why =
        error instanceof NoBinaryFoundError
          ? "none of node-llama-cpp's prebuilt binaries runs on this machine (reinstall with optional dependencies, or build llama.cpp with `npx --no node-llama-cpp source download`)"
          : oneLine(error);
      throw new ConfigError(`cannot start llama.cpp (gpu: ${gpu === false ? "off" : gpu}): ${why}`, { cause: error });
    });
    runtimes.set(key, llama);
  }
  return llama;
}

export interface LoadedModel {
  llama: Llama;
  model: LlamaModel;
  modelPath: string;
  /** File name and size: part of every cache key, so another file under the same name is another model. */
  modelId: string;
}

/** RAM and GPU memory together, in bytes: what a model and its contexts can be spread over. */
async function machineMemory(llama: Llama): Promise<number> {
  return os.totalmem() + (llama.gpu === false ? 0 : (await llama.getVramState()).total);
}

/** Loads a GGUF file; a missing, corrupt or too large model is a ConfigError naming it. */
export async function loadLocalModel(file: string, options: { gpu?: LocalGpu; threads?: number } = {}): Promise<LoadedModel> {
  const modelPath = path.resolve(file);
  await checkGgufFile(modelPath);
  const llama = await localRuntime(options.gpu ?? "auto", options.threads);
  const { size } = await stat(modelPath);
  // Weights are memory-mapped, so llama.cpp "loads" a model larger than the machine and then
  // crawls; refuse one that cannot fit in RAM and GPU memory together.
  const memory = await machineMemory(llama);
  if (size > memory) {
    throw new ConfigError(
      `the model ${modelPath} is ${gigabytes(size)} and this machine has ${gigabytes(memory)} of memory (RAM and GPU together); choose a smaller model or quantization`,
    );
  }
  let model: LlamaModel;
  llamaLog.length = 0;
  try {
    model = await llama.loadModel({ modelPath });
  } catch (error) {
    // llama.cpp's messages reach the logger a moment after the rejection.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reason = error instanceof InsufficientMemoryError ? oneLine(error) : llamaReason(error);
    throw new ConfigError(`cannot load the model ${modelPath}: ${reason}`, { cause: error });
  }
  return { llama, model, modelPath, modelId: `local:${path.basename(modelPath)}:${size}` };
}

/**
 * Loads the model and its context. Reached through loadLocalEngine (load-local.ts), which imports
 * this module only when a local model is opened.
 */
export async function openLocalEngine(options: LocalEngineOptions): Promise<LocalEngine> {
  const parallel = options.parallel ?? defaultParallel();
  if (!Number.isInteger(parallel) || parallel < 1) throw new ConfigError(`parallel must be an integer >= 1, got ${parallel}`);
  const { llama, model, modelPath, modelId } = await loadLocalModel(options.modelPath, options);
  if (options.contextSize !== undefined) await refuseContextBeyondMemory(llama, model, modelPath, options.contextSize, parallel);
  let context: LlamaContext;
  try {
    context = await model.createContext({
      sequences: parallel,
      contextSize: options.contextSize ?? { max: DEFAULT_MAX_CONTEXT },
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
    });
  } catch (error) {
    await model.dispose();
    throw new ConfigError(
      `cannot make a context of ${options.contextSize ?? "up to " + DEFAULT_MAX_CONTEXT} tokens x ${parallel} sequences for ${modelPath}: ${oneLine(error)}; try a smaller --ctx or --parallel`,
      { cause: error },
    );
  }
  return new LlamaCppEngine(llama, model, context, {
    modelPath,
    modelId,
    parallel,
    maxStringChars: options.maxStringChars ?? DEFAULT_MAX_STRING_CHARS,
  });
}

/**
 * node-llama-cpp finds out that a requested context is too large only after simulating it, which
 * takes half a minute for an absurd size; its quick estimate answers at once.
 */
async function refuseContextBeyondMemory(llama: Llama, model: LlamaModel, modelPath: string, contextSize: number, parallel: number): Promise<void> {
  let needed: number;
  try {
    const estimate = model.fileInsights.estimateContextResourceRequirements({ contextSize, sequences: parallel, modelGpuLayers: model.gpuLayers });
    needed = estimate.cpuRam + estimate.gpuVram;
  } catch {
    return; // no estimate: let llama.cpp decide
  }
  const memory = await machineMemory(llama);
  if (needed > memory) {
    await model.dispose();
    throw new ConfigError(
      `a context of ${contextSize} tokens x ${parallel} sequences for ${modelPath} needs about ${gigabytes(needed)} and this machine has ${gigabytes(memory)} of memory; try a smaller --ctx or --parallel`,
    );
  }
}

interface Slot {
  sequence: LlamaContextSequence;
  /** The start of the last prompt it evaluated, to route similar prompts to it. */
  lastPrompt: string;
  lastUsed: number;
}

class LlamaCppEngine implements LocalEngine {
  readonly description: string;
  readonly modelId: string;
  readonly parallel: number;
  readonly stats: LocalEngineStats = { calls: 0, generationMs: 0, promptTokens: 0, reusedPromptTokens: 0, completionTokens: 0 };
  private readonly chatWrapper: ChatWrapper;
  private readonly free: Slot[];
  private readonly waiting: Array<(slot: Slot) => void> = [];
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private readonly maxStringChars: number;
  readonly modelPath: string;
  private clock = 0;

  constructor(
    private readonly llama: Llama,
    readonly model: LlamaModel,
    private readonly context: LlamaContext,
    settings: { modelPath: string; modelId: string; parallel: number; maxStringChars: number },
  ) {
    this.modelPath = settings.modelPath;
    this.modelId = settings.modelId;
    this.parallel = settings.parallel;
    this.maxStringChars = settings.maxStringChars;
    this.description = `local model ${settings.modelPath}`;
    this.chatWrapper = resolveChatWrapper(model);
    this.free = Array.from({ length: settings.parallel }, () => ({ sequence: context.getSequence(), lastPrompt: "", lastUsed: 0 }));
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const { signal } = request;
    if (signal?.aborted) throw this.aborted();
    const history = toChatHistory(request.messages);
    const promptTokens = this.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(this.model.tokenizer).length;
    const room = Math.min(request.sampling.maxTokens ?? 512, Math.floor(this.contextSize / 4));
    if (promptTokens + room > this.contextSize) {
      throw this.callError(
        `the prompt is ${promptTokens} tokens and the context ${this.contextSize} (with ${room} left for the reply); raise --ctx or lower --max-doc-tokens`,
      );
    }
    const grammar = request.responseSchema ? await this.grammarFor(request.responseSchema) : undefined;
    const promptKey = request.messages.map((m) => m.content).join("\n").slice(0, 4096);
    const slot = await this.acquire(promptKey, signal);
    const meter = slot.sequence.tokenMeter.getState();
    const started = performance.now();
    const chat = new LlamaChat({ contextSequence: slot.sequence, chatWrapper: this.chatWrapper, autoDisposeSequence: false });
    try {
      const { sampling } = request;
      const reply = await chat.generateResponse(history, {
        ...(grammar ? { grammar } : {}),
        ...(sampling.temperature !== undefined ? { temperature: sampling.temperature } : {}),
        ...(sampling.topP !== undefined ? { topP: sampling.topP } : {}),
        ...(sampling.maxTokens !== undefined ? { maxTokens: sampling.maxTokens } : {}),
        ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
        ...(sampling.frequencyPenalty || sampling.repetitionPenalty !== undefined
          ? {
              repeatPenalty: {
                ...(sampling.frequencyPenalty ? { frequencyPenalty: sampling.frequencyPenalty } : {}),
                ...(sampling.repetitionPenalty !== undefined ? { penalty: sampling.repetitionPenalty } : {}),
              },
            }
          : {}),
        ...(signal ? { signal } : {}),
      });
      if (reply.metadata.stopReason === "abort") throw this.aborted();
      const used = slot.sequence.tokenMeter.diff(meter);
      const completionTokens = used.usedOutputTokens;
      // The meter counts generated tokens as output only, so its input is the part of the prompt
      // that was not already in the sequence.
      const evaluatedPrompt = Math.min(promptTokens, used.usedInputTokens);
      const usage = { promptTokens, completionTokens, cachedPromptTokens: promptTokens - evaluatedPrompt };
      this.count(usage, performance.now() - started);
      return {
        text: reply.response,
        usage,
        finishReason: reply.metadata.stopReason === "maxTokens" ? "length" : "stop",
        attempts: 1,
      };
    } catch (error) {
      // A failed generation leaves the sequence in an unknown state: start it over next time.
      slot.lastPrompt = "";
      await slot.sequence.clearHistory().catch(() => {});
      if (signal?.aborted) throw this.aborted(error);
      if (error instanceof AbortedError || error instanceof EngineCallError) throw error;
      throw this.callError(`generation failed: ${oneLine(error)}`, error);
    } finally {
      chat.dispose({ disposeSequence: false });
      this.release(slot);
    }
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }

  private count(usage: { promptTokens: number; completionTokens: number; cachedPromptTokens: number }, ms: number): void {
    this.stats.calls++;
    this.stats.generationMs += ms;
    this.stats.promptTokens += usage.promptTokens;
    this.stats.reusedPromptTokens += usage.cachedPromptTokens;
    this.stats.completionTokens += usage.completionTokens;
  }

  private grammarFor(schema: ResponseSchema): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema.schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = this.llama.createGrammarForJsonSchema(grammarSchemaOf(schema.schema, this.maxStringChars) as never);
      grammar.catch(() => this.grammars.delete(key));
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  /** The free sequence whose last prompt shares the longest beginning with this one, or waits for one. */
  private acquire(promptKey: string, signal: AbortSignal | undefined): Promise<Slot> {
    const claim = (slot: Slot): Slot => {
      slot.lastPrompt = promptKey;
      slot.lastUsed = ++this.clock;
      return slot;
    };
    if (this.free.length > 0) {
      let best = 0;
      let bestShared = -1;
      this.free.forEach((slot, i) => {
        const shared = sharedPrefix(slot.lastPrompt, promptKey);
        if (shared > bestShared || (shared === bestShared && slot.lastUsed < this.free[best]!.lastUsed)) {
          best = i;
          bestShared = shared;
        }
      });
      return Promise.resolve(claim(this.free.splice(best, 1)[0]!));
    }
    return new Promise<Slot>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(take);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(this.aborted());
      };
      const take = (slot: Slot) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(claim(slot));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(take);
    });
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }

  private aborted(cause?: unknown): AbortedError {
    return new AbortedError(`generation by ${this.description} was aborted`, cause === undefined ? undefined : { cause });
  }

  private callError(problem: string, cause?: unknown): EngineCallError {
    return new EngineCallError(
      `${this.description}: ${problem}`,
      { url: this.modelPath, model: this.modelId, status: undefined, retryable: false },
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The port's messages as node-llama-cpp's chat history, ending with the reply to generate. */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    if (m.role === "system") return { type: "system", text: m.content };
    if (m.role === "user") return { type: "user", text: m.content };
    return { type: "model", response: [m.content] };
  });
  history.push({ type: "model", response: [] });
  return history;
}

const gigabytes = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

function sharedPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, " ").trim();
}
