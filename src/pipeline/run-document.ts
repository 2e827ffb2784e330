import type { SourceDocument } from "../corpus/source-document.js";
import { AbortedError, SpendingLimitReachedError, StoreError } from "../errors.js";
import type { LanguageModel } from "../llm/port.js";
import { completeStructured } from "../llm/structured/complete-structured.js";
import type { DocumentContext } from "../method/context.js";
import { foveateDocument } from "../method/foveate-document.js";
import type { Level } from "../method/levels.js";
import type { LevelOutcome } from "../method/run-level.js";
import { runSelfQa } from "../method/self-qa.js";
import type { StoredDocument } from "../store/run-store.js";
import type { CallPriorities } from "./call-priority.js";
import { documentKey } from "./document-key.js";
import type { RunSettings } from "./resolve-settings.js";
import type { RunStats } from "./run-stats.js";
import { BatchesPendingError } from "./batch-waves.js";
import { prioritized } from "./prioritized.js";
import { savedOutcomes, storedLevel } from "./stored-level.js";
import type { SynthesizeOptions } from "./synthesize-options.js";

/** How one document ended: its level outcomes (from the store when `resumed`), or its error. */
export type Finished = { document: SourceDocument; outcomes?: LevelOutcome[]; error?: Error; resumed?: boolean };

/** Shared by every document of a run. */
export interface RunParts {
  options: SynthesizeOptions;
  settings: RunSettings;
  stats: RunStats;
  /** Aborts calls in flight. */
  signal: AbortSignal;
  /** Who goes first among waiting calls; learns what each level takes as the run goes. */
  priorities: CallPriorities;
  /** The model: the store in front when there is one, then the call gate, then the scheduler. */
  model: LanguageModel;
}

/**
 * One document of a run: given back from the store when it finished before, otherwise its
 * missing levels are run, each saved as it finishes, so a stopped run resumes level by level.
 * Never throws: an error is the document's result.
 */
export async function runDocument(document: SourceDocument, parts: RunParts): Promise<Finished> {
  const { settings, stats, signal, options } = parts;
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

    const ctx: DocumentContext = {
      document,
      budget: options.budgets?.of(document) ?? settings.mu,
      settings: settings.methodSettings,
      seed: settings.seed,
      ahead: (place) => parts.priorities.note(place, document.index),
      ask: (kind, messages, schema, check, place) =>
        completeStructured(
          prioritized(parts.model, parts.priorities.of(kind, place, document.index), place?.round),
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
    // A run stopped (by the user, the spending limit, a store that failed, batches still running) leaves the document unfinished, not failed.
    const stopped = [AbortedError, SpendingLimitReachedError, StoreError, BatchesPendingError].some((kind) => failure instanceof kind);
    if (store && !stopped) {
      try {
        store.failDocument(stored, failure.message);
      } catch {
        // The store's own failure is reported by the call that met it.
      }
    }
    return { document, error: failure };
  }
}
