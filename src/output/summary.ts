import type { RunStats } from "../pipeline/run-stats.js";

const int = (n: number) => Math.round(n).toLocaleString("en-US");

function seconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600) > 0 ? `${Math.floor(s / 3600)} h ` : ""}${Math.floor((s % 3600) / 60)} min ${s % 60} s`;
}

/** The one-screen summary printed after a run. Pure: stats in, lines out. */
export function formatSummary(stats: RunStats): string {
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
  const cached = stats.cachedPromptTokens > 0 ? ` (${int(stats.cachedPromptTokens)} cached)` : "";
  lines.push(`Tokens: ${int(stats.promptTokens)} prompt${cached}, ${int(stats.completionTokens)} completion`);
  lines.push(`Wall time: ${seconds(stats.wallMs)}`);
  return lines.join("\n");
}
