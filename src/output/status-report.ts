import { formatUsd } from "../cost/prices.js";
import { describeRemoved } from "./curation-report.js";
import type { RunStatus } from "../run/store-tools.js";
import type { BatchRecord } from "../store/run-store.js";
import { formatCounts, thinLine } from "./summary.js";

const int = (n: number) => n.toLocaleString("en-US");

/**
 * `foveate status`: documents done, unfinished and failed per level, items, batches by wave,
 * replies, tokens, cost. `now` (Unix ms) dates the batches' ages.
 */
export function formatStatus(storePath: string, s: RunStatus, now: number = Date.now()): string {
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
  lines.push(...formatBatches(s.batches, now));
  if (s.pendingBatches > 0) {
    lines.push(`  ${int(s.pendingBatches)} batch${s.pendingBatches === 1 ? "" : "es"} being created when a run stopped: the next run finds ${s.pendingBatches === 1 ? "it" : "them"} at the service or makes ${s.pendingBatches === 1 ? "it" : "them"} from the uploaded file`);
  }
  const batched = s.batched.replies > 0 ? ` (${int(s.batched.replies)} from batches)` : "";
  lines.push(`LLM replies stored: ${int(s.replies)}${batched}`);
  lines.push(`Tokens: ${int(s.promptTokens)} prompt (${int(s.cachedPromptTokens)} cached), ${int(s.completionTokens)} completion`);
  const split = s.cost && s.batched.replies > 0 ? ` (${formatUsd(s.cost.liveUsd)} live, ${formatUsd(s.cost.batchUsd)} batched at the batch price)` : "";
  lines.push(`Cost: ${s.costUsd !== undefined ? `${formatUsd(s.costUsd)}${split}` : "unknown (no built-in price for this model)"}`);
  return lines.join("\n");
}

/**
 * The run's batches by wave: per wave its lines and those not yet answered; per batch its id,
 * status (with the service's reason when it failed, expired or was cancelled), the service's
 * counts, its age at `now`, and its lines left, or that it was collected. None for a run that
 * never batched.
 */
export function formatBatches(batches: readonly BatchRecord[], now: number): string[] {
  if (batches.length === 0) return [];
  const open = batches.filter((b) => b.collectedAt === undefined).length;
  const lines = [`Batches: ${int(batches.length)} (${int(open)} open)`];
  const waves = new Map<number, BatchRecord[]>();
  for (const b of batches) waves.set(b.wave, [...(waves.get(b.wave) ?? []), b]);
  const idWidth = Math.max(...batches.map((b) => b.id.length));
  const statusWidth = Math.max(...batches.map((b) => b.status.length));
  for (const [wave, members] of [...waves].sort(([a], [b]) => a - b)) {
    const total = members.reduce((n, b) => n + b.lines, 0);
    const left = members.reduce((n, b) => n + b.lines - b.answered, 0);
    const labels = [...new Set(members.map((b) => b.label))].join(", ");
    lines.push(`  wave ${wave} (${labels}): ${plural(members.length, "batch", "batches")}, ${plural(total, "line")}, ${int(left)} not answered yet`);
    for (const b of members) {
      const counts = b.counts ? `done ${int(b.counts.completed)}/${int(b.counts.total)}, failed ${int(b.counts.failed)}` : "no counts yet";
      const state = b.collectedAt !== undefined ? "collected" : `${int(b.lines - b.answered)} left`;
      const reason = b.error !== undefined ? `: ${b.error}` : "";
      lines.push(`    ${b.id.padEnd(idWidth)}  ${b.status.padEnd(statusWidth)}  ${counts}, age ${formatAge(now - b.submittedAt)}, ${state}${reason}`);
    }
  }
  return lines;
}

const plural = (n: number, one: string, many = `${one}s`) => `${int(n)} ${n === 1 ? one : many}`;

/** A batch's age for people: "45s", "12m", "2h 05m", "3d 4h". */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, "0")}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
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
