import type { BatchEvent } from "../pipeline/batch-waves.js";
import type { BudgetPlan } from "../budget/plan-budgets.js";
import type { SourceDocument } from "../corpus/source-document.js";
import type { RunEstimate } from "../cost/estimate.js";
import type { Price } from "../cost/prices.js";
import type { InputError } from "../errors.js";
import type { RequestCounts } from "../llm/http/request-tracker.js";
import type { DownloadEvents } from "../llm/local/download-model.js";
import type { RunStats } from "../pipeline/run-stats.js";

/** What a synthesis job tells while it reads, plans, runs and stops, and what it returns. */

/** Where the run stands, pushed every `progressIntervalMs` while it runs. */
export interface RunProgress {
  documentsDone: number;
  documentsFailed: number;
  documentsTotal: number;
  /** Records kept so far. */
  items: number;
  /** Calls sent to the model in this run. */
  calls: number;
  /**
   * Calls the whole run should take: each document's from its budget, corrected as documents
   * finish by how their items fared and by replies asked for again. An estimate, not a promise.
   */
  callsPlanned: number;
  /** Of those, calls answered: sent in this run, replayed from the run store, or made for documents an earlier run finished. */
  callsDone: number;
  promptTokens: number;
  completionTokens: number;
  /** Cost so far in USD, when the price is known. */
  costUsd?: number;
  /** Requests to the API sent and not answered yet, and how long the oldest has waited; absent when none. */
  waiting?: { calls: number; oldestMs: number };
  /** When the run started (Date.now() clock). */
  startedAt: number;
}

/** What a finished or stopped run did. */
export interface JobSummary {
  stats: RunStats;
  /** What went over HTTP, failed requests included; absent with a local engine. */
  transport?: RequestCounts;
  /** The run store's path. */
  store: string;
  /** Cost of the calls sent in this run; undefined when the model has no known price. */
  costUsd?: number;
  /** Why there is no cost, when there is none. */
  noPrice?: string;
  /** Malformed records skipped (onBadInput "skip"). */
  skipped: number;
  /**
   * Less than half of the instructions asked for were kept (see `stats.levels` for where the rest
   * went). The dataset is written all the same; the CLI exits 1 unless --accept-thin.
   */
  thin: boolean;
}

export type JobEvent =
  | { type: "skipped"; error: InputError }
  | ({ type: "download-start" } & Parameters<NonNullable<DownloadEvents["onStart"]>>[0])
  | { type: "download-progress"; downloadedBytes: number; totalBytes: number }
  | { type: "engine"; description: string }
  /** The run store foveate named, told before it is opened: a run without an output file has no file to keep it beside. */
  | { type: "store"; path: string }
  /** The local engine was chosen because no API was configured: why, and how to point foveate elsewhere. */
  | { type: "engine-by-default"; why: string; instead: string }
  | { type: "budgets"; plan: BudgetPlan }
  | { type: "warning"; message: string }
  | { type: "document-failed"; document: SourceDocument; error: Error }
  | { type: "progress"; progress: RunProgress }
  | { type: "stopping"; graceSeconds: number }
  /** A batched run's waves: submitted, looked at, collected. */
  | { type: "batch"; event: BatchEvent }
  /** --batch-files: a wave's input is written; the command that answers it. */
  | { type: "batch-file"; command: string }
  /** Once the run has begun, when it ends: finished, or stopped by an error (`stoppedBy`) that is then thrown. */
  | { type: "summary"; summary: JobSummary; finished: boolean; stoppedBy?: unknown };

export interface JobHandlers {
  onEvent?: (event: JobEvent) => void;
  /** Stop: no new call is sent, calls in flight may finish for `grace` seconds, then the run throws AbortedError. */
  signal?: AbortSignal;
  /** How often `progress` events come. Default 250 ms. */
  progressIntervalMs?: number;
}

/** The corpus as read once: every document (chunked), in order. */
export interface CorpusPlan {
  documents: SourceDocument[];
  /** Estimated tokens over all documents. */
  tokens: number;
  skipped: number;
}

export interface JobEstimate {
  corpus: CorpusPlan;
  /** Adaptive budgets, when alpha > 0. */
  budgets?: BudgetPlan;
  estimate: RunEstimate;
  /** Undefined when the model has no known price. */
  price?: Price;
  noPrice: string;
}
