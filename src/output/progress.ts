/**
 * Live progress of a run: a redrawn bar on a terminal, a plain line every few seconds in a log,
 * nothing with --quiet. The run pushes snapshots; this module decides what and when to print.
 */
import cliProgress from "cli-progress";
import { formatUsd } from "../cost/prices.js";
import type { RunProgress } from "../run/job-events.js";
import { Eta, type Pace } from "./eta.js";

/** Where the run stands; the totals are unknown while the corpus is still being read. */
export type ProgressSnapshot = Omit<RunProgress, "documentsTotal" | "callsPlanned" | "callsDone"> & Partial<Pick<RunProgress, "documentsTotal" | "callsPlanned" | "callsDone">>;

export interface ProgressOptions {
  stream: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Redraw a bar in place (a terminal) or print plain lines (a log file or a pipe). */
  isTTY: boolean;
  /** Print nothing. */
  quiet: boolean;
  /** Plain lines: at most one per this many milliseconds. Default 5000. */
  intervalMs?: number;
  /** Clock in milliseconds. Default Date.now. */
  now?: () => number;
}

export interface Progress {
  update(snapshot: ProgressSnapshot): void;
  /** A message that must not be overwritten by the bar (a warning); printed above it. */
  log(message: string): void;
  /**
   * Prints the final state once and releases the terminal. Idempotent. Call it in a `finally`:
   * on a terminal, the redraw timer keeps the process alive until then.
   */
  stop(): void;
}

/** Bar redraws per second on a terminal. */
const FPS = 4;
const MAX_BAR_WIDTH = 30;
const MIN_BAR_WIDTH = 10;

const int = (n: number) => Math.round(n).toLocaleString("en-US");

/** 512, 12.3k, 845k, 1.2M, 3.4B. */
export function compactCount(n: number): string {
  const units: Array<[number, string]> = [[1e9, "B"], [1e6, "M"], [1e3, "k"]];
  for (const [size, suffix] of units) {
    if (n >= size * 0.9995) {
      const value = n / size;
      return `${value < 100 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value)}${suffix}`;
    }
  }
  return String(Math.round(n));
}

/** "45 s", "6 min", "2 h 05 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

interface Figures {
  documents: string;
  items: string;
  calls: string;
  /** Calls per second, e.g. "41.2". */
  rate: string;
  tokens: string;
  /** Calls sent and not answered yet, e.g. "32 waiting for a reply, the oldest for 2 min": what a server that hangs looks like. */
  waiting?: string;
  cost?: string;
  eta?: string;
}

/**
 * The figures of a snapshot as short phrases, shared by the bar and the plain line. The pace (from
 * an Eta fed every snapshot) gives the recent rate and the ETA; without it, the rate is the average
 * since the start and there is no ETA.
 */
function figures(s: ProgressSnapshot, now: number, pace: Pace): Figures {
  const elapsed = Math.max(0, now - s.startedAt);
  const processed = s.documentsDone + s.documentsFailed;
  const failed = s.documentsFailed > 0 ? ` (${int(s.documentsFailed)} failed)` : "";
  const total = s.documentsTotal === undefined ? "" : `/${int(s.documentsTotal)}`;
  const rate = pace.callsPerSecond ?? (elapsed > 0 ? (s.calls / elapsed) * 1000 : 0);
  const remaining = s.documentsTotal === undefined ? 0 : s.documentsTotal - processed;
  return {
    documents: `${int(processed)}${total} documents${failed}`,
    items: `${int(s.items)} items`,
    calls: `${int(s.calls)} calls`,
    rate: rate.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
    tokens: `${compactCount(s.promptTokens + s.completionTokens)} tokens`,
    ...(s.waiting ? { waiting: `${int(s.waiting.calls)} waiting for a reply, the oldest for ${formatDuration(s.waiting.oldestMs)}` } : {}),
    ...(s.costUsd === undefined ? {} : { cost: formatUsd(s.costUsd) }),
    ...(remaining > 0 && pace.remainingMs !== undefined ? { eta: `ETA ${formatDuration(pace.remainingMs)}` } : {}),
  };
}

const present = (parts: Array<string | undefined>) => parts.filter((p): p is string => p !== undefined);

/**
 * "progress: 120/480 documents, 2,811 items, 3,410 calls (41.2/s), 1.2M tokens, $0.84, ETA 6 min",
 * with "32 waiting for a reply, the oldest for 2 min" after the calls while requests are out.
 */
export function progressLine(s: ProgressSnapshot, now: number, pace: Pace = {}): string {
  const f = figures(s, now, pace);
  return `progress: ${present([f.documents, f.items, `${f.calls} (${f.rate}/s)`, f.waiting, f.tokens, f.cost, f.eta]).join(", ")}`;
}

/**
 * "██████░░░░ 120/480 documents | 2,811 items | 41.2 calls/s | 1.2M tokens | $0.84 | ETA 6 min":
 * the figures first, and the bar only in the room the terminal has left (at most 30 columns).
 */
export function barLine(s: ProgressSnapshot, now: number, width: number, pace: Pace = {}): string {
  const f = figures(s, now, pace);
  const text = present([f.documents, f.items, `${f.rate} calls/s`, f.waiting, f.tokens, f.cost, f.eta]).join(" | ");
  const barWidth = Math.min(MAX_BAR_WIDTH, width - text.length - 2);
  if (s.documentsTotal === undefined || s.documentsTotal === 0 || barWidth < MIN_BAR_WIDTH) return text;
  const share = Math.min(1, (s.documentsDone + s.documentsFailed) / s.documentsTotal);
  const filled = Math.round(share * barWidth);
  return `${"█".repeat(filled)}${"░".repeat(barWidth - filled)} ${text}`;
}

/** What the Eta is fed from a snapshot; one without a plan gives no ETA. */
const etaSample = (s: ProgressSnapshot, at: number) => ({ at, calls: s.calls, callsDone: s.callsDone ?? s.calls, callsPlanned: s.callsPlanned ?? 0 });

export function createProgress(options: ProgressOptions): Progress {
  const { stream, isTTY, quiet, intervalMs = 5000, now = Date.now } = options;
  if (quiet) return { update() {}, log() {}, stop() {} };
  return isTTY ? terminalProgress(stream, now) : plainProgress(stream, intervalMs, now);
}

/** A log: one line per interval, the first after one interval, and the final state at stop. */
function plainProgress(stream: NodeJS.WritableStream, intervalMs: number, now: () => number): Progress {
  const eta = new Eta();
  let last: ProgressSnapshot | undefined;
  let printed = true; // whether the latest snapshot has been written
  let lastLineAt = now();
  let stopped = false;
  return {
    update(snapshot) {
      if (stopped) return;
      last = snapshot;
      eta.observe(etaSample(snapshot, now()));
      printed = false;
      const time = now();
      if (time - lastLineAt < intervalMs) return;
      stream.write(`${progressLine(snapshot, time, eta.pace())}\n`);
      lastLineAt = time;
      printed = true;
    },
    log(message) {
      stream.write(`${message}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (last !== undefined && !printed) stream.write(`${progressLine(last, now(), eta.pace())}\n`);
    },
  };
}

/**
 * A terminal: one line redrawn in place by cli-progress at most FPS times a second. The line is
 * rendered here from the latest snapshot, so the figures (ETA included) follow the injected clock.
 */
function terminalProgress(stream: NodeJS.WritableStream, now: () => number): Progress {
  const eta = new Eta();
  let last: ProgressSnapshot | undefined;
  const bars = new cliProgress.MultiBar({
    stream,
    fps: FPS,
    format: (_options, params) => (last === undefined ? "" : barLine(last, now(), params.maxWidth, eta.pace())),
    // Leave the terminal's settings alone (cursor, line wrapping) and its signals to the CLI, so
    // that an interrupted run leaves a usable terminal; long lines are cut to the terminal width.
    hideCursor: false,
    linewrap: true,
    gracefulExit: false,
    clearOnComplete: false,
  });
  let bar: cliProgress.SingleBar | undefined;
  let stopped = false;
  return {
    update(snapshot) {
      if (stopped) return;
      last = snapshot;
      eta.observe(etaSample(snapshot, now()));
      const done = snapshot.documentsDone + snapshot.documentsFailed;
      if (bar === undefined) bar = bars.create(snapshot.documentsTotal ?? 0, done);
      else bar.update(done);
      if (snapshot.documentsTotal !== undefined) bar.setTotal(snapshot.documentsTotal);
    },
    log(message) {
      if (bar === undefined || stopped) stream.write(`${message}\n`);
      else bars.log(`${message}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (bar === undefined) return;
      bars.update(); // prints messages still waiting in the log buffer
      bars.stop();
    },
  };
}
