import { formatUsd } from "../cost/prices.js";
import type { CurationSummary } from "../run/curate-store.js";

const int = (n: number) => n.toLocaleString("en-US");

/** What a curation did, in a few lines: items kept and removed by reason, documents left out. */
export function formatCuration(summary: CurationSummary): string[] {
  const removed = summary.items - summary.kept;
  const lines = [
    `Curated ${int(summary.items)} items of ${int(summary.documents)} finished documents: kept ${int(summary.kept)}, removed ${int(removed)}${removed > 0 ? ` (${describeRemoved(summary.removed)})` : ""}`,
  ];
  const judge = summary.judge;
  if (judge) {
    const mean = judge.meanScore !== undefined ? `, mean score ${judge.meanScore.toFixed(1)}` : "";
    const cost = judge.costUsd !== undefined ? `; curation has spent ${formatUsd(judge.costUsd)} on the judge` : "";
    lines.push(`Judge: scored ${int(judge.judged)} items${mean}, ${int(judge.calls)} calls made${cost}`);
    if (judge.failed > 0) lines.push(`  ${int(judge.failed)} items kept unjudged: the judge's replies stayed unusable`);
    if (judge.unjudged > 0) lines.push(`  stopped at --max-cost with ${int(judge.unjudged)} items not judged (kept for now): run the same command with a larger --max-cost to go on`);
  }
  if (summary.unfinishedDocuments > 0) {
    lines.push(`Left out ${int(summary.unfinishedDocuments)} unfinished or failed documents: finish the run, then curate again`);
  }
  return lines;
}

/** "12 exact-duplicate, 3 low-score". */
export function describeRemoved(removed: Readonly<Record<string, number>>): string {
  const parts = Object.entries(removed).map(([reason, n]) => `${n.toLocaleString("en-US")} ${reason}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}
