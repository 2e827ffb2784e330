import { formatUsd } from "../cost/prices.js";
import { isThin, keptOfAsked, type ItemCounts, type LevelStats, type RunStats } from "../pipeline/run-stats.js";

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
  /** Every HTTP request sent, failed ones too; absent with a local engine. */
  transport?: { requests: number; retries: number; rateLimited: number; backoffMs: number };
  store?: string;
}

/** A count summed over the levels ("3"), and, in a run of several levels, where it came from (" (micro 1, macro 2)"). */
function byLevel(levels: Array<[string, LevelStats]>, count: (v: LevelStats) => number): { n: string; where: string } {
  const parts = levels.map(([level, v]) => [level, count(v)] as const).filter(([, n]) => n > 0);
  const n = int(parts.reduce((sum, [, k]) => sum + k, 0));
  return { n, where: levels.length > 1 && parts.length > 0 ? ` (${parts.map(([level, k]) => `${level} ${int(k)}`).join(", ")})` : "" };
}

/**
 * The item counts of a run, as the summary and `foveate status` show them: asked, kept, dropped and
 * recovered per level, then where the rest went, each apart. Pure: counts in, lines out.
 */
export function formatCounts(counts: ItemCounts): string[] {
  const lines: string[] = [];
  const rows = Object.entries(counts.levels);
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
    const sum = (count: (v: LevelStats) => number) => rows.reduce((n, [, v]) => n + count(v), 0);
    const notYielded = byLevel(rows, (v) => v.notYielded);
    if (sum((v) => v.notYielded) > 0) {
      lines.push(`  Not in the documents: ${notYielded.n} features asked for were not found, even when asked again${notYielded.where}; not counted as dropped`);
    }
    if (sum((v) => v.unusableExtractions) > 0) {
      const replies = byLevel(rows, (v) => v.unusableExtractions);
      const lost = byLevel(rows, (v) => v.lostToUnusable);
      lines.push(`  Extraction replies cut off or unusable: ${replies.n}${replies.where}, losing ${lost.n} features${lost.where}; not counted as dropped`);
    }
    // Outcomes stored by an older foveate lack these counts: their missing features have no known reason.
    const unknown = byLevel(rows, (v) => v.budget - v.features - v.notYielded - v.lostToUnusable);
    if (unknown.n !== "0") lines.push(`  Not found, for a reason the run store does not keep (stored by an older foveate): ${unknown.n} features${unknown.where}`);
    const resynthesized = byLevel(rows, (v) => v.resynthesized);
    if (sum((v) => v.resynthesized) > 0) {
      lines.push(`  Re-synthesized: ${resynthesized.n} items${resynthesized.where}, ${int(total.recovered)} of them recovered`);
    }
  }
  const reasons = Object.keys(counts.droppedReasons).map((reason) => {
    const dropped = byLevel(rows, (v) => v.droppedReasons[reason] ?? 0);
    return `${reason} ${dropped.n}${dropped.where}`;
  });
  if (reasons.length > 0) lines.push(`Dropped after every round: ${reasons.join(", ")}`);
  return lines;
}

/** One plain line when less than half of what was asked for was kept, else undefined. */
export function thinLine(counts: Pick<RunStats, "levels">): string | undefined {
  if (!isThin(counts)) return undefined;
  const { asked, kept } = keptOfAsked(counts);
  return `Only ${int(kept)} of ${int(asked)} instructions asked for were kept (${Math.round((100 * kept) / asked)}%): see the drops above`;
}

/** The one-screen summary printed after a run. Pure: stats in, lines out. */
export function formatSummary(stats: RunStats, extras: SummaryExtras = {}): string {
  const lines: string[] = [];
  const failed = stats.documentsFailed > 0 ? `, ${int(stats.documentsFailed)} failed` : "";
  lines.push(`Documents: ${int(stats.documents)} done${failed}`);
  lines.push(...formatCounts(stats));
  const thin = thinLine(stats);
  if (thin) lines.push(`${thin}; --accept-thin keeps such a run's exit code 0`);
  // Calls count answers; requests count what went over the wire, so a server that only refuses shows its refusals.
  const transport = extras.transport;
  const batched = stats.batched.calls > 0 ? `${int(stats.batched.calls)} in batches, ` : "";
  const live = batched ? " live" : "";
  const sent = transport ? `${batched}${int(transport.requests)} request${transport.requests === 1 ? "" : "s"} sent${live}, ` : batched;
  const retries = transport ? transport.retries : stats.transportRetries;
  lines.push(
    `LLM calls: ${int(stats.calls)} (${sent}transport retries ${int(retries)}, unusable replies asked again ${int(stats.invalidReplies)}), at most ${int(stats.maxInFlight)} in flight`,
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
  const limits = formatLimits(stats.limits, transport);
  if (limits) lines.push(limits);
  if (extras.store) lines.push(`Run store: ${extras.store}`);
  lines.push(`Wall time: ${seconds(stats.wallMs)}`);
  return lines.join("\n");
}

/**
 * "Rate limits: 60 replies 429, concurrency lowered 3 times (held at 4), paused 1 time, 2.1 s
 * waiting for room, 12 s backing off before retries": only what happened; nothing when nothing did.
 */
function formatLimits(limits: RunStats["limits"], transport: SummaryExtras["transport"]): string | undefined {
  const limited = Math.max(limits.rateLimited, transport?.rateLimited ?? 0);
  const backoffMs = transport?.backoffMs ?? 0;
  if (limited === 0 && limits.waitedMs === 0 && limits.outages === 0 && backoffMs === 0) return undefined;
  const times = (n: number) => `${int(n)} ${n === 1 ? "time" : "times"}`;
  const parts = [`${int(limited)} replies 429`];
  if (limits.decreases > 0) parts.push(`concurrency lowered ${times(limits.decreases)} (held at ${limits.ceilings.join(", ")})`);
  if (limits.pauses > 0) parts.push(`paused ${times(limits.pauses)} when the server had no room for anyone`);
  if (limits.outages > 0) parts.push(`endpoints taken out ${times(limits.outages)} for failing`);
  if (limits.waitedMs > 0) parts.push(`${seconds(limits.waitedMs)} waiting for room`);
  if (backoffMs > 0) parts.push(`${seconds(backoffMs)} backing off before retries`);
  return `Rate limits: ${parts.join(", ")}`;
}
