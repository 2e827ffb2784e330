import { createHash } from "node:crypto";
import { setMaxListeners } from "node:events";
import PQueue from "p-queue";
import type { SourceDocument } from "../corpus/source-document.js";
import { AbortedError, CircuitOpenError, ConfigError, EngineCallError, SpendingLimitReachedError, StoreError } from "../errors.js";
import { PROMPT_VERSION } from "../method/prompts.js";
import { cachedModel } from "../store/cached-model.js";
import type { RunStore, StoredDocument } from "../store/run-store.js";
import { CallGate } from "./call-gate.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import type { RateGovernor } from "./rate-governor.js";
import type { SpendingLimit } from "./spending-limit.js";
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
import { savedOutcomes, storedLevel } from "./stored-level.js";

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
  /** Rate limits and adaptive concurrency; the engine should report its 429s to it. */
  governor?: RateGovernor;
  /** Stop cleanly before spending crosses this limit. */
  spending?: SpendingLimit;
  /**
   * Adaptive budgets: instructions per level for each document (default: mu for all), and the
   * settings they were made with, which become part of the run's identity in the store.
   */
  budgets?: { of: (document: SourceDocument) => number; settings: Record<string, unknown> };
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
  maxReasks: number;
  methodSettings: MethodSettings;
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
    maxReasks: positiveInt("maxReasks", options.maxReasks ?? 3, 0),
    methodSettings: {
      levels,
      important,
      maxRounds: positiveInt("maxRounds", options.maxRounds ?? 5, 0),
      shots: positiveInt("shots", options.shots ?? 3, 0),
      extraExtractionAsks: positiveInt("extraExtractionAsks", options.extraExtractionAsks ?? 2, 0),
      sampling,
    },
  };
}

/**
 * The settings that change what is asked of the model. A store made with other values cannot be
 * resumed: its documents would mix two datasets.
 */
export function runFingerprint(settings: Settings, modelId: string, budgets?: Record<string, unknown>): Record<string, unknown> {
  const m = settings.methodSettings;
  return {
    promptVersion: PROMPT_VERSION,
    model: modelId,
    method: settings.method,
    mu: settings.mu,
    levels: settings.method === "self-qa" ? ["self-qa"] : m.levels,
    important: m.important ?? null,
    maxRounds: m.maxRounds,
    shots: m.shots,
    maxReasks: settings.maxReasks,
    extraExtractionAsks: m.extraExtractionAsks,
    seed: settings.seed,
    sampling: m.sampling,
    budgets: budgets ?? null,
  };
}

/**
 * Fingerprint keys added after stores were first written, with the value every run had before:
 * a store without the key was made with that value.
 */
const ADDED_LATER: Record<string, unknown> = { maxReasks: 3, extraExtractionAsks: 2 };

/** Open the run in the store: refuse one made with other settings unless told to start over. */
function claimStore(store: RunStore, fingerprint: Record<string, unknown>, forceNew: boolean): void {
  const stored = store.readConfig();
  if (stored && !forceNew) {
    const before = { ...ADDED_LATER, ...stored };
    const changed = Object.keys({ ...before, ...fingerprint }).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(fingerprint[k]));
    if (changed.length > 0) {
      const show = (v: unknown) => (v === undefined ? "unset" : JSON.stringify(v));
      throw new ConfigError(
        `the run store ${store.path} was made with other settings (${changed.map((k) => `${k}: ${show(before[k])} then, ${show(fingerprint[k])} now`).join("; ")}); ` +
          "use the same settings to resume, another --store for a new run, or --force-new to start this store over (its cached replies are kept)",
      );
    }
  }
  if (stored && forceNew) store.resetRun();
  store.writeConfig(fingerprint);
}

/** The identity of a document across runs: its source and its exact text. */
export function documentKey(document: SourceDocument): string {
  return createHash("sha256").update(document.sourceId).update("\0").update(document.text).digest("base64url");
}

/**
 * Errors that doom every document, not just the one that met them: a bad key, an unknown model or
 * URL, a server still unreachable after every transport retry, a store that cannot be written.
 */
function isFatal(error: unknown): boolean {
  if (error instanceof ConfigError || error instanceof StoreError || error instanceof CircuitOpenError) return true;
  if (!(error instanceof EngineCallError)) return false;
  return [401, 403, 404].includes(error.details.status ?? 0) || error.details.unreachable === true;
}

/**
 * Synthesize instruction data from documents. Every call of every document, level and step shares
 * one concurrency limit; documents are read as places free up, and records come out in document
 * order as soon as each document is finished. A document whose calls fail for good (after
 * transport retries) is reported through onDocument and counted, and the run goes on; an error
 * that dooms every document (401, 403, 404, an unreachable server, an unwritable store, a circuit
 * breaker that tripped) stops the run and is thrown.
 *
 * With a store, every reply is committed before it is used and every finished level is saved, so
 * a run that stops for any reason resumes where it stopped: finished documents come back from the
 * store and replies already paid for are replayed.
 *
 * When `signal` aborts (or the spending limit is reached), no new call is sent; calls in flight
 * may finish, and are kept, for up to `graceMs`; then the iteration throws AbortedError (or
 * SpendingLimitReachedError).
 */
export function synthesize(documents: AsyncIterable<SourceDocument> | Iterable<SourceDocument>, options: SynthesizeOptions): SynthesisRun {
  const settings = resolveSettings(options);
  const stats = emptyStats();
  if (options.store) claimStore(options.store, runFingerprint(settings, options.model.modelId, options.budgets?.settings), options.forceNew ?? false);
  return {
    stats,
    [Symbol.asyncIterator]: () => runDocuments(documents, options, settings, stats),
  };
}

type Finished = { document: SourceDocument; outcomes?: LevelOutcome[]; error?: Error; resumed?: boolean };

/** Shared by every document of a run. */
interface RunParts {
  options: SynthesizeOptions;
  settings: Settings;
  stats: RunStats;
  queue: PQueue;
  /** Aborts calls in flight. */
  signal: AbortSignal;
  /** The model behind the call gate, with its store in front when there is one. */
  model: LanguageModel;
}

async function* runDocuments(
  documents: AsyncIterable<SourceDocument> | Iterable<SourceDocument>,
  options: SynthesizeOptions,
  settings: Settings,
  stats: RunStats,
): AsyncGenerator<SynthRecord> {
  const started = performance.now();
  const queue = new PQueue({ concurrency: Math.min(settings.concurrency, options.governor?.concurrency ?? Infinity) });
  const abort = new AbortController();
  const draining = new AbortController();
  // Every call in flight listens to these signals.
  setMaxListeners(0, abort.signal);
  let fatal: Error | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const drain = (reason: Error) => {
    if (draining.signal.aborted) return;
    draining.abort(reason);
    graceTimer = setTimeout(() => abort.abort(reason), options.graceMs ?? 10_000);
  };
  const fail = (reason: Error) => {
    fatal ??= reason;
    draining.abort(reason);
    abort.abort(reason);
  };
  const onUserStop = () => drain(new AbortedError("interrupted"));
  if (options.signal?.aborted) onUserStop();
  options.signal?.addEventListener("abort", onUserStop, { once: true });
  const store = options.store;
  const gate = new CallGate({
    stats,
    breaker: new CircuitBreaker(),
    ...(options.governor ? { governor: options.governor } : {}),
    ...(options.spending ? { spending: options.spending } : {}),
    draining: draining.signal,
    drain,
    fail,
  });
  // The gate is between the reply cache and the engine: a reply replayed from the store is not a
  // call, costs nothing, and waits for no rate limit.
  const gated: LanguageModel = {
    description: options.model.description,
    modelId: options.model.modelId,
    complete: (request) => gate.send(request, () => options.model.complete(request)),
  };
  const model = store
    ? cachedModel(gated, store, {
        promptVersion: PROMPT_VERSION,
        onReplay: (c) => {
          stats.replayedCalls++;
          stats.replayedTokens += c.usage.promptTokens + c.usage.completionTokens;
        },
      })
    : gated;
  const parts: RunParts = { options, settings, stats, queue, signal: abort.signal, model };
  const stopGovernorUpdates = options.governor?.subscribe((concurrency) => (queue.concurrency = Math.min(concurrency, settings.concurrency)));

  // Enough documents in progress to keep every place busy; finished ones wait for their turn.
  const inProgressLimit = Math.max(16, 2 * settings.concurrency);
  const bufferedLimit = 4 * inProgressLimit;
  const pending: Array<{ promise: Promise<Finished>; done?: Finished }> = [];
  let inProgress = 0;
  let wake: () => void = () => {};
  const iterator = Symbol.asyncIterator in documents ? documents[Symbol.asyncIterator]() : documents[Symbol.iterator]();
  let exhausted = false;

  const start = (document: SourceDocument) => {
    inProgress++;
    const entry: (typeof pending)[number] = {
      promise: runDocument(document, parts).then((done) => {
        inProgress--;
        entry.done = done;
        if (done.error && isFatal(done.error)) fail(done.error);
        wake();
        return done;
      }),
    };
    pending.push(entry);
  };

  try {
    for (;;) {
      while (!exhausted && !draining.signal.aborted && inProgress < inProgressLimit && pending.length < bufferedLimit) {
        const next = await iterator.next();
        if (next.done) exhausted = true;
        else start(next.value);
      }
      if (fatal) throw fatal;
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
      const { document, outcomes, error, resumed } = head.done;
      if (error) {
        // A document stopped by the run's own stop is unfinished, not failed: a resume finishes it.
        if (draining.signal.aborted && error === draining.signal.reason) continue;
        stats.documentsFailed++;
        options.onDocument?.({ type: "failed", document, error });
        continue;
      }
      stats.documents++;
      if (resumed) stats.documentsResumed++;
      for (const outcome of outcomes!) countOutcome(stats, outcome);
      options.onDocument?.({ type: "done", document, outcomes: outcomes! });
      for (const outcome of outcomes!) yield* outcome.records;
    }
    if (fatal) throw fatal;
    if (draining.signal.aborted) throw draining.signal.reason;
  } finally {
    // Reached also when the consumer stops early: nothing may keep running behind its back.
    if (!draining.signal.aborted) fail(new AbortedError("stopped"));
    options.signal?.removeEventListener("abort", onUserStop);
    await Promise.allSettled(pending.map((p) => p.promise));
    clearTimeout(graceTimer);
    stopGovernorUpdates?.();
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

async function runDocument(document: SourceDocument, parts: RunParts): Promise<Finished> {
  const { settings, stats, queue, signal, options } = parts;
  const store = options.store;
  const stored: StoredDocument = { key: documentKey(document), index: document.index, sourceId: document.sourceId };
  const wanted: Array<Level | "self-qa"> = settings.method === "self-qa" ? ["self-qa"] : [...settings.methodSettings.levels];
  try {
    const progress = store?.progress(stored.key);
    const saved = savedOutcomes(progress);
    if (progress?.status === "done" && wanted.every((level) => saved.has(level))) {
      return { document, outcomes: wanted.map((level) => saved.get(level)!), resumed: true };
    }
    store?.startDocument(stored);

    const models = Object.fromEntries(
      Object.keys(CHAIN_AFTER).map((kind) => [kind, scheduledModel(parts.model, queue, callPriority(kind as StepKind, document.index), stats)]),
    ) as Record<StepKind, LanguageModel>;
    const ctx: DocumentContext = {
      document,
      budget: options.budgets?.of(document) ?? settings.mu,
      settings: settings.methodSettings,
      seed: settings.seed,
      ask: (kind, messages, schema, check) =>
        completeStructured(
          models[kind],
          { messages, sampling: settings.methodSettings.sampling[kind], schema, signal, ...(check ? { check } : {}) },
          { maxReasks: settings.maxReasks, onInvalid: () => stats.invalidReplies++ },
        ),
    };
    const save = (outcome: LevelOutcome) => store?.saveLevel(stored, storedLevel(stored, outcome));
    const missing = wanted.filter((level) => !saved.has(level));
    let fresh: LevelOutcome[];
    if (settings.method === "foveate") fresh = await foveateDocument(ctx, missing as Level[], save);
    else {
      const outcome = await runSelfQa(ctx);
      save(outcome);
      fresh = [outcome];
    }
    const all = new Map([...saved, ...fresh.map((o) => [o.level, o] as const)]);
    store?.finishDocument(stored);
    return { document, outcomes: wanted.map((level) => all.get(level)!) };
  } catch (error) {
    const reason = signal.aborted ? (signal.reason instanceof Error ? signal.reason : new AbortedError("stopped")) : error;
    const failure = reason instanceof Error ? reason : new Error(String(reason));
    if (store && !(failure instanceof AbortedError) && !(failure instanceof SpendingLimitReachedError) && !(failure instanceof StoreError)) {
      try {
        store.failDocument(stored, failure.message);
      } catch {
        // The store's own failure is reported by the call that met it.
      }
    }
    return { document, error: failure };
  }
}
