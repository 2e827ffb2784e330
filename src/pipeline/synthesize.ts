import { setMaxListeners } from "node:events";
import PQueue from "p-queue";
import type { SourceDocument } from "../corpus/source-document.js";
import { AbortedError, ConfigError, EngineCallError } from "../errors.js";
import type { LanguageModel, Sampling } from "../llm/port.js";
import { completeStructured } from "../llm/structured.js";
import type { DocumentContext, MethodSettings, StepKind } from "../method/context.js";
import { foveateDocument } from "../method/foveate-document.js";
import { LEVELS, type Level } from "../method/levels.js";
import type { SynthRecord } from "../method/record.js";
import type { LevelOutcome } from "../method/run-level.js";
import { keywordCount } from "../method/scatter-groups.js";
import { runSelfQa } from "../method/self-qa.js";
import { countOutcome, emptyStats, type RunStats } from "./run-stats.js";
import { scheduledModel } from "./scheduled-model.js";

export type Method = "foveate" | "self-qa";

export interface SynthesizeOptions {
  model: LanguageModel;
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
  /** Calls in flight at once, over all documents, levels and steps. Default 32. */
  concurrency?: number;
  /** Seed of every random choice. Default 0. */
  seed?: number;
  /** Times an unusable reply is asked for again before the item fails. Default 3. */
  maxInvalidRetries?: number;
  /** Extra requests for features when a document yields fewer than asked. Default 2. */
  extractionRetries?: number;
  signal?: AbortSignal;
  /** Told about each document as it finishes or fails. */
  onDocument?: (event: DocumentEvent) => void;
}

export type DocumentEvent =
  | { type: "done"; document: SourceDocument; outcomes: LevelOutcome[] }
  | { type: "failed"; document: SourceDocument; error: Error };

/** A running synthesis: iterate it for records (in document order, each document once finished). */
export interface SynthesisRun extends AsyncIterable<SynthRecord> {
  readonly stats: RunStats;
}

interface Settings {
  method: Method;
  mu: number;
  concurrency: number;
  seed: number;
  maxInvalidRetries: number;
  method_: MethodSettings;
}

function positiveInt(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/** Options with defaults filled in and checked; throws ConfigError naming the bad value. */
export function resolveSettings(options: SynthesizeOptions): Settings {
  const method = options.method ?? "foveate";
  if (method !== "foveate" && method !== "self-qa") throw new ConfigError(`method must be "foveate" or "self-qa", got "${String(method)}"`);
  const mu = positiveInt("mu", options.mu ?? 8);
  const levels = [...new Set(options.levels ?? LEVELS)];
  if (levels.length === 0) throw new ConfigError("at least one level is needed (micro, scatter, macro)");
  for (const level of levels) if (!LEVELS.includes(level)) throw new ConfigError(`unknown level "${level}": choose from ${LEVELS.join(", ")}`);
  const important = options.important;
  if (important) {
    positiveInt("important CORE", important.core, 0);
    positiveInt("important MAJOR", important.major, 0);
    if (important.core + important.major > keywordCount(mu)) {
      throw new ConfigError(`important CORE + MAJOR (${important.core + important.major}) exceeds the ${keywordCount(mu)} keywords extracted for mu=${mu}`);
    }
  }
  const selfQa = method === "self-qa";
  const base: Sampling = {
    temperature: options.temperature ?? (selfQa ? 0.7 : 1.0),
    frequencyPenalty: options.frequencyPenalty ?? (selfQa ? 0 : 0.5),
  };
  const steps: StepKind[] = ["extract", "synthesize", "answer", "resynthesize", "selfQa"];
  const sampling = Object.fromEntries(steps.map((step) => [step, { ...base, ...options.sampling?.[step] }])) as Record<StepKind, Sampling>;
  return {
    method,
    mu,
    concurrency: positiveInt("concurrency", options.concurrency ?? 32),
    seed: Math.trunc(options.seed ?? 0),
    maxInvalidRetries: positiveInt("maxInvalidRetries", options.maxInvalidRetries ?? 3, 0),
    method_: {
      levels,
      important,
      maxRounds: positiveInt("maxRounds", options.maxRounds ?? 5, 0),
      shots: positiveInt("shots", options.shots ?? 3, 0),
      extractionRetries: positiveInt("extractionRetries", options.extractionRetries ?? 2, 0),
      sampling,
    },
  };
}

/**
 * Errors that doom every document, not just the one that met them: a bad key, an unknown model or
 * URL, and a server that is still unreachable after every transport retry.
 */
function isFatal(error: unknown): boolean {
  if (error instanceof AbortedError || error instanceof ConfigError) return true;
  if (!(error instanceof EngineCallError)) return false;
  return [401, 403, 404].includes(error.details.status ?? 0) || error.details.unreachable === true;
}

/**
 * Synthesize instruction data from documents. Every call of every document, level and step shares
 * one concurrency limit; documents are read as places free up, and records come out in document
 * order as soon as each document is finished. A document whose calls fail for good (after
 * transport retries) is reported through onDocument and counted, and the run goes on; an error
 * that dooms every document (401, 403, 404, an unreachable server) stops the run and is thrown.
 */
export function synthesize(documents: AsyncIterable<SourceDocument> | Iterable<SourceDocument>, options: SynthesizeOptions): SynthesisRun {
  const settings = resolveSettings(options);
  const stats = emptyStats();
  return {
    stats,
    [Symbol.asyncIterator]: () => runDocuments(documents, options, settings, stats),
  };
}

type Finished = { document: SourceDocument; outcomes?: LevelOutcome[]; error?: Error };

async function* runDocuments(
  documents: AsyncIterable<SourceDocument> | Iterable<SourceDocument>,
  options: SynthesizeOptions,
  settings: Settings,
  stats: RunStats,
): AsyncGenerator<SynthRecord> {
  const started = performance.now();
  const queue = new PQueue({ concurrency: settings.concurrency });
  const abort = new AbortController();
  // Every call in flight listens to this one signal.
  setMaxListeners(0, abort.signal);
  const stopOnUserAbort = () => abort.abort(new AbortedError("stopped"));
  options.signal?.addEventListener("abort", stopOnUserAbort, { once: true });

  // Enough documents in progress to keep every place busy; finished ones wait for their turn.
  const inProgressLimit = Math.max(16, 2 * settings.concurrency);
  const bufferedLimit = 4 * inProgressLimit;
  const pending: Array<{ promise: Promise<Finished>; done?: Finished }> = [];
  let inProgress = 0;
  let fatal: unknown;
  let wake: () => void = () => {};
  const iterator = Symbol.asyncIterator in documents ? documents[Symbol.asyncIterator]() : documents[Symbol.iterator]();
  let exhausted = false;

  const start = (document: SourceDocument) => {
    inProgress++;
    const entry: (typeof pending)[number] = {
      promise: runDocument(document, options.model, queue, settings, stats, abort.signal).then((done) => {
        inProgress--;
        entry.done = done;
        if (done.error && isFatal(done.error) && fatal === undefined) {
          fatal = done.error;
          abort.abort(done.error);
        }
        wake();
        return done;
      }),
    };
    pending.push(entry);
  };

  try {
    for (;;) {
      while (!exhausted && fatal === undefined && !abort.signal.aborted && inProgress < inProgressLimit && pending.length < bufferedLimit) {
        const next = await iterator.next();
        if (next.done) exhausted = true;
        else start(next.value);
      }
      if (fatal !== undefined) throw fatal;
      const head = pending[0];
      if (!head) break;
      if (!head.done) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          void head.promise.then(() => resolve());
        });
        continue;
      }
      pending.shift();
      const { document, outcomes, error } = head.done;
      if (error) {
        stats.documentsFailed++;
        options.onDocument?.({ type: "failed", document, error });
        continue;
      }
      stats.documents++;
      for (const outcome of outcomes!) countOutcome(stats, outcome);
      options.onDocument?.({ type: "done", document, outcomes: outcomes! });
      for (const outcome of outcomes!) yield* outcome.records;
    }
    if (options.signal?.aborted) throw new AbortedError("stopped");
  } finally {
    // Reached also when the consumer stops early: nothing may keep running behind its back.
    // Calls still queued then start, see the signal and end at once.
    if (!abort.signal.aborted) abort.abort(new AbortedError("stopped"));
    options.signal?.removeEventListener("abort", stopOnUserAbort);
    await Promise.allSettled(pending.map((p) => p.promise));
    stats.wallMs = performance.now() - started;
  }
}

/**
 * How many calls, at most, still wait behind a call of each kind. The queue serves the longest
 * remaining chain first (critical path first), so no document is left with a long chain to run
 * alone at the end; within a kind, earlier documents go first, so output keeps streaming.
 */
const CHAIN_AFTER: Record<StepKind, number> = { extract: 3, synthesize: 2, resynthesize: 1, answer: 0, selfQa: 0 };

function callPriority(kind: StepKind, documentIndex: number): number {
  return CHAIN_AFTER[kind] * 2 ** 40 - documentIndex;
}

async function runDocument(
  document: SourceDocument,
  model: LanguageModel,
  queue: PQueue,
  settings: Settings,
  stats: RunStats,
  signal: AbortSignal,
): Promise<Finished> {
  const models = Object.fromEntries(
    Object.keys(CHAIN_AFTER).map((kind) => [kind, scheduledModel(model, queue, callPriority(kind as StepKind, document.index), stats)]),
  ) as Record<StepKind, LanguageModel>;
  const ctx: DocumentContext = {
    document,
    budget: settings.mu,
    settings: settings.method_,
    seed: settings.seed,
    ask: async (kind, messages, schema, check) =>
      (
        await completeStructured(
          models[kind],
          { messages, sampling: settings.method_.sampling[kind], schema, signal, ...(check ? { check } : {}) },
          { maxInvalidRetries: settings.maxInvalidRetries, onInvalid: () => stats.invalidReplies++ },
        )
      ).value,
  };
  try {
    const outcomes = settings.method === "self-qa" ? [await runSelfQa(ctx)] : await foveateDocument(ctx);
    return { document, outcomes };
  } catch (error) {
    const reason = signal.aborted ? (signal.reason instanceof Error ? signal.reason : new AbortedError("stopped")) : error;
    return { document, error: reason instanceof Error ? reason : new Error(String(reason)) };
  }
}
