import { describeRemoved, type CurationSummary } from "../run/curate-store.js";

const int = (n: number) => n.toLocaleString("en-US");

/** What a curation did, in a few lines: items kept and removed by reason, documents left out. */
export function formatCuration(summary: CurationSummary): string[] {
  const removed = summary.items - summary.kept;
  const lines = [
    `Curated ${int(summary.items)} items of ${int(summary.documents)} finished documents: kept ${int(summary.kept)}, removed ${int(removed)}${removed > 0 ? ` (${describeRemoved(summary.removed)})` : ""}`,
  ];
  if (summary.unfinishedDocuments > 0) {
    lines.push(`Left out ${int(summary.unfinishedDocuments)} unfinished or failed documents: finish the run, then curate again`);
  }
  return lines;
}
