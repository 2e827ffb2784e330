import { ConfigError } from "../errors.js";
import type { SourceDocument } from "../corpus/source-document.js";
import type { SynthRecord } from "../method/record.js";
import { claimStore } from "./claim-store.js";
import { resolveSettings } from "./resolve-settings.js";
import { runDocuments } from "./run-documents.js";
import { runFingerprint } from "./run-fingerprint.js";
import { emptyStats, type RunStats } from "./run-stats.js";
import { endpointsOf, type SynthesizeOptions } from "./synthesize-options.js";

export type { DocumentEvent, Method, ModelEndpoint, SynthesizeOptions } from "./synthesize-options.js";

/** A running synthesis: iterate it for records (in document order, each document once finished). */
export interface SynthesisRun extends AsyncIterable<SynthRecord> {
  readonly stats: RunStats;
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
  if (options.store) claimStore(options.store, runFingerprint(settings, runModelId(options), options.budgets?.settings), options.forceNew ?? false);
  return {
    stats,
    [Symbol.asyncIterator]: () => runDocuments(documents, options, settings, stats),
  };
}

/** The model a run's store knows it by: the first endpoint's. */
function runModelId(options: SynthesizeOptions): string {
  const first = endpointsOf(options)[0];
  if (!first) throw new ConfigError("a run needs at least one endpoint");
  return first.model.modelId;
}
