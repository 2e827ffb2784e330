import { formatUsd } from "../cost/prices.js";
import { describeRemoved } from "./curation-report.js";
import type { RunStatus } from "../run/store-tools.js";
import { formatCounts, thinLine } from "./summary.js";

const int = (n: number) => n.toLocaleString("en-US");

/** `foveate status`: documents done, unfinished and failed per level, items, replies, tokens, cost. */
export function formatStatus(storePath: string, s: RunStatus): string {
  const lines = [`Run store: ${storePath}`];
  const config = s.config;
  if (config) lines.push(`Settings: model ${String(config.model)}, method ${String(config.method)}, mu ${String(config.mu)}, levels ${(config.levels as string[]).join(",")}, seed ${String(config.seed)}`);
  lines.push(`Documents: ${int(s.documents.done)} done, ${int(s.documents.running)} unfinished, ${int(s.documents.failed)} failed`);
  const levels = Object.entries(s.levels);
  if (levels.length > 0) {
    lines.push(`  ${"level".padEnd(8)}${"documents".padStart(11)}${"kept".padStart(9)}${"dropped".padStart(9)}`);
    for (const [level, v] of levels) lines.push(`  ${level.padEnd(8)}${int(v.documents).padStart(11)}${int(v.kept).padStart(9)}${int(v.dropped).padStart(9)}`);
  }
  if (Object.keys(s.counts.levels).length > 0) {
    lines.push("Items of the finished documents:", ...formatCounts(s.counts));
    const thin = thinLine(s.counts);
    if (thin) lines.push(thin);
  }
  if (s.curation) lines.push(...curationLines(s));
  lines.push(`LLM replies stored: ${int(s.replies)}`);
  lines.push(`Tokens: ${int(s.promptTokens)} prompt (${int(s.cachedPromptTokens)} cached), ${int(s.completionTokens)} completion`);
  lines.push(`Cost: ${s.costUsd !== undefined ? formatUsd(s.costUsd) : "unknown (no built-in price for this model)"}`);
  return lines.join("\n");
}

/** The last curation: when, what it removed by reason, and whether documents finished since are left uncurated. */
function curationLines(s: RunStatus): string[] {
  const { summary, removed } = s.curation!;
  const total = Object.values(removed).reduce((sum, n) => sum + n, 0);
  const lines = [`Curation (${summary.at}): removed ${int(total)} of the ${int(summary.items)} items of its ${int(summary.documents)} documents${total > 0 ? ` (${describeRemoved(removed)})` : ""}`];
  const judge = summary.judge;
  if (judge) {
    const settings = summary.settings.judge;
    const mean = judge.meanScore !== undefined ? `, mean score ${judge.meanScore.toFixed(1)}` : "";
    const cost = judge.costUsd !== undefined ? `, ${formatUsd(judge.costUsd)} spent on it` : "";
    lines.push(`  judge ${settings?.model ?? "?"} (min score ${settings?.minScore ?? "?"}): ${int(judge.judged)} items scored${mean}${cost}${judge.unjudged > 0 ? `; ${int(judge.unjudged)} not judged (--max-cost)` : ""}`);
  }
  const since = s.documents.done - summary.documents;
  if (since > 0) lines.push(`  ${int(since)} documents finished since are not curated (export includes them): curate again`);
  return lines;
}
