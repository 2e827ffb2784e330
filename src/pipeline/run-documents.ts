import { setMaxListeners } from "node:events";
import type { SourceDocument } from "../corpus/source-document.js";
import { AbortedError, CircuitOpenError, ConfigError, EngineCallError, StoreError } from "../errors.js";
import type { Completion, LanguageModel } from "../llm/port.js";
import { PROMPT_VERSION } from "../method/prompts.js";
import type { SynthRecord } from "../method/record.js";
import { cachedModel, requestKey } from "../store/cached-model.js";
import { BatchesPendingError, BatchFailedError, BatchWaves } from "./batch-waves.js";
import { CallGate } from "./call-gate.js";
import { CallPriorities } from "./call-priority.js";
import { CallScheduler } from "./call-scheduler.js";
import { CallsInFlight } from "./calls-in-flight.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { Lane } from "./lane.js";
import type { RunSettings } from "./resolve-settings.js";
import { runDocument, type Finished, type RunParts } from "./run-document.js";
import { addBatched, countOutcome, type RunStats } from "./run-stats.js";
import { endpointsOf, type SynthesizeOptions } from "./synthesize-options.js";
import { systemClock } from "./clock.js";

/**
 * Errors that doom every document, not just the one that met them: a bad key, an unknown model or
 * URL, a server still unreachable after every transport retry, a store that cannot be written.
 */
function isFatal(error: unknown): boolean {
  if (error instanceof ConfigError || error instanceof StoreError || error instanceof CircuitOpenError) return true;
  if (error instanceof BatchFailedError || error instanceof BatchesPendingError) return true;
  if (!(error instanceof EngineCallError)) return false;
  return [401, 403, 404].includes(error.details.status ?? 0) || error.details.unreachable === true;
}

/**
 * The document scheduler: reads documents as places free up under the one concurrency limit,
 * runs them side by side, and yields their records in document order as each is finished. Stops
 * taking new work on a stop request or at the spending limit, and stops at once on a fatal error.
 */
export async function* runDocuments(
  documents: AsyncIterable<SourceDocument> | Iterable<SourceDocument>,
  options: SynthesizeOptions,
  settings: RunSettings,
  stats: RunStats,
): AsyncGenerator<SynthRecord> {
  const started = performance.now();
  const abort = new AbortController();
  const draining = new AbortController();
  // Every call in flight listens to these signals.
  setMaxListeners(0, abort.signal);
  setMaxListeners(0, draining.signal);
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
  const now = systemClock.now();
  const lanes = endpointsOf(options).map(
    ({ model, rpm, tpm, concurrency }) =>
      new Lane(model, { concurrency: concurrency ?? settings.concurrency, ...(rpm !== undefined ? { rpm } : {}), ...(tpm !== undefined ? { tpm } : {}) }, now),
  );
  const places = lanes.reduce((n, lane) => n + lane.concurrency, 0);
  const scheduler = new CallScheduler(
    lanes,
    {
      retry: { maxRetries: 0, ...options.retry },
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      stop: abort.signal,
      draining: draining.signal,
    },
  );
  const gate = new CallGate({
    stats,
    breaker: new CircuitBreaker(),
    ...(options.spending ? { spending: options.spending } : {}),
    draining: draining.signal,
    drain,
    fail,
  });
  // The gate and the scheduler are behind the reply cache: a reply replayed from the store, or one
  // waiting for an identical call in flight, is not a call, costs nothing and holds no place.
  const waves = options.batch ? batchWaves(options, scheduler, abort.signal, (completion) => {
    // An answer of an earlier run's batch, collected before any call asked: paid, so counted (its tokens) now.
    options.spending?.charge(completion.usage, true);
    addBatched(stats, completion.usage);
  }) : undefined;
  const send = waves ?? scheduler;
  const gated: LanguageModel = {
    description: send.description,
    modelId: scheduler.modelId,
    complete: (request) => gate.send(request, () => send.complete(request)),
  };
  // Batches an earlier run submitted are collected from the start, whoever asks for them.
  waves?.resume();
  const cached = store
    ? cachedModel(gated, store, {
        promptVersion: PROMPT_VERSION,
        onReplay: (c) => {
          stats.replayedCalls++;
          stats.replayedTokens += c.usage.promptTokens + c.usage.completionTokens;
        },
      })
    : gated;
  const inFlight = new CallsInFlight();
  const model = inFlight.of(cached);
  const priorities = new CallPriorities(() => scheduler.reorder());
  const parts: RunParts = { options, settings, stats, signal: abort.signal, model, priorities };

  // Enough documents in progress to keep every place busy; finished ones wait for their turn. A
  // batched run has every document in progress, so that each step of the corpus is one wave.
  const inProgressLimit = waves ? Infinity : Math.max(16, 2 * places);
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
        // A failed document's other calls may still be going: it is forgotten only when it finished.
        if (!done.error) priorities.forget(document.index);
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
    // Reached also when the consumer stops early: no new call goes out behind its back, and calls
    // still in flight (a failed document's others) have the grace period to end and be kept.
    if (!draining.signal.aborted) drain(new AbortedError("stopped"));
    options.signal?.removeEventListener("abort", onUserStop);
    await Promise.allSettled(pending.map((p) => p.promise));
    // A document that failed or stopped may leave calls of its own in flight: their replies are
    // paid for, so they are kept (in the store) before the run ends, within the grace period.
    await inFlight.whenNone();
    // No look at a batch after the run: the store is closed behind it. Batches nobody waited for stay open for the next run.
    await waves?.close();
    clearTimeout(graceTimer);
    stats.maxInFlight = scheduler.stats.maxInFlight;
    stats.limits = scheduler.limitStats();
    stats.wallMs = performance.now() - started;
  }
}

/** The waves of a batched run: its store keeps the batches, its scheduler sends what goes live. */
function batchWaves(options: SynthesizeOptions, scheduler: CallScheduler, signal: AbortSignal, onUnasked: (completion: Completion) => void): BatchWaves {
  const store = options.store;
  if (!store) throw new ConfigError("a batched run needs a run store, where each batch is recorded before it is waited on");
  return new BatchWaves({
    ...options.batch!,
    ledger: store,
    keyOf: (request) => requestKey(PROMPT_VERSION, scheduler.modelId, request),
    live: scheduler,
    signal,
    onUnasked,
  });
}
