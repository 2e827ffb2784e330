import { formatUsd } from "../cost/prices.js";
import type { RunStats } from "../pipeline/run-stats.js";

const int = (n: number) => Math.round(n).toLocaleString("en-US");

function seconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600) > 0 ? `${Math.floor(s / 3600)} h ` : ""}${Math.floor((s % 3600) / 60)} min ${s % 60} s`;
}

/** What the CLI knows beside the run's stats. */
export interface SummaryExtras {
  /** Cost of the calls sent in this run; undefined when the model has no known price. */
  costUsd?: number;
  /** Shown when there is no price. */
  noPrice?: string;
  rate?: { rateLimited: number; decreases: number; waitedMs: number };
  store?: string;
}

/** The one-screen summary printed after a run. Pure: stats in, lines out. */
export function formatSummary(stats: RunStats, extras: SummaryExtras = {}): string {
  const lines: string[] = [];
  const failed = stats.documentsFailed > 0 ? `, ${int(stats.documentsFailed)} failed` : "";
  lines.push(`Documents: ${int(stats.documents)} done${failed}`);
  const rows = Object.entries(stats.levels);
  if (rows.length > 0) {
    const total = { budget: 0, kept: 0, dropped: 0, recovered: 0 };
    const row = (name: string, v: typeof total) =>
      `  ${name.padEnd(8)}${int(v.budget).padStart(9)}${int(v.kept).padStart(9)}${int(v.dropped).padStart(9)}${int(v.recovered).padStart(11)}`;
    lines.push(`  ${"level".padEnd(8)}${"asked".padStart(9)}${"kept".padStart(9)}${"dropped".padStart(9)}${"recovered".padStart(11)}`);
    for (const [level, v] of rows) {
      lines.push(row(level, v));
      total.budget += v.budget;
      total.kept += v.kept;
      total.dropped += v.dropped;
      total.recovered += v.recovered;
    }
    if (rows.length > 1) lines.push(row("total", total));
    const short = rows.reduce((n, [, v]) => n + (v.budget - v.features), 0);
    if (short > 0) lines.push(`  ${int(short)} asked for but not found in short documents (not counted as dropped)`);
  }
  const reasons = Object.entries(stats.droppedReasons).map(([reason, n]) => `${reason} ${int(n)}`);
  if (reasons.length > 0) lines.push(`Dropped after every round: ${reasons.join(", ")}`);
  lines.push(
    `LLM calls: ${int(stats.calls)} (transport retries ${int(stats.transportRetries)}, unusable replies asked again ${int(stats.invalidReplies)}), at most ${int(stats.maxInFlight)} in flight`,
  );
  if (stats.documentsResumed > 0 || stats.replayedCalls > 0) {
    lines.push(
      `From the run store: ${int(stats.documentsResumed)} finished documents, ${int(stats.replayedCalls)} replies replayed (${int(stats.replayedTokens)} tokens not paid again)`,
    );
  }
  const cached = stats.cachedPromptTokens > 0 ? ` (${int(stats.cachedPromptTokens)} cached)` : "";
  lines.push(`Tokens: ${int(stats.promptTokens)} prompt${cached}, ${int(stats.completionTokens)} completion`);
  if (extras.costUsd !== undefined) lines.push(`Cost: ${formatUsd(extras.costUsd)}`);
  else if (extras.noPrice) lines.push(`Cost: ${extras.noPrice}`);
  const rate = extras.rate;
  if (rate && (rate.rateLimited > 0 || rate.waitedMs > 0)) {
    lines.push(`Rate limits: ${int(rate.rateLimited)} replies 429, concurrency lowered ${int(rate.decreases)} times, ${seconds(rate.waitedMs)} waiting`);
  }
  if (extras.store) lines.push(`Run store: ${extras.store}`);
  lines.push(`Wall time: ${seconds(stats.wallMs)}`);
  return lines.join("\n");
}
