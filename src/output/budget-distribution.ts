/** Min, median, max and a histogram of budgets, for --dry-run and the start of a run. */
export function formatBudgetDistribution(budgets: readonly number[]): string {
  if (budgets.length === 0) return "Budgets: no documents";
  const sorted = [...budgets].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  const lines = [`Budgets per document and level: min ${sorted[0]}, median ${median}, max ${sorted.at(-1)} (${budgets.length} documents)`];
  const histogram = new Map<number, number>();
  for (const b of sorted) histogram.set(b, (histogram.get(b) ?? 0) + 1);
  const widest = Math.max(...histogram.values());
  for (const [budget, n] of histogram) lines.push(`  ${String(budget).padStart(3)} ${"#".repeat(Math.max(1, Math.round((30 * n) / widest)))} ${n}`);
  return lines.join("\n");
}
