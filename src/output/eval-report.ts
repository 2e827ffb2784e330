import type { DifficultyReport } from "../eval/difficulty/difficulty.js";
import type { QaReport } from "../eval/downstream-qa/downstream-qa.js";
import type { Comparison, DiversityResult } from "../eval/measure.js";

/** The reports of `foveate eval`, as lines for a terminal. Pure: results in, text out. */

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number) => x.toFixed(4);

export function formatDiversity(name: string, r: DiversityResult): string {
  const lines = [
    `${name}: ${r.instructions.toLocaleString("en-US")} instructions`,
    `  Self-BLEU  ${Object.entries(r.selfBleu.mean).map(([n, v]) => `n=${n} ${num(v)}`).join("  ")}`,
    `  diversity (1 - mean Self-BLEU)       ${num(r.selfBleu.diversity)}`,
  ];
  if (r.embedding) {
    lines.push(`  embedding diversity (1 - mean cosine) ${num(r.embedding.diversity)}  [${r.embedding.model}]`);
    lines.push(`    most similar pairs (${r.embedding.topPairsMethod}):`);
    for (const p of r.embedding.topPairs) lines.push(`    ${p.cosine.toFixed(3)}  ${JSON.stringify(p.a)}  ~  ${JSON.stringify(p.b)}`);
  }
  return lines.join("\n");
}

export function formatDifficulty(a: string, b: string, r: DifficultyReport): string {
  return [
    `Difficulty over ${r.documents} documents (judge says which set is harder)`,
    `  ${a}: harder in ${r.winsA} (${pct(r.rateA)}, 95% CI ${pct(r.intervalA[0])}-${pct(r.intervalA[1])})`,
    `  ${b}: harder in ${r.winsB} (${pct(r.rateB)}, 95% CI ${pct(r.intervalB[0])}-${pct(r.intervalB[1])})`,
    `  ties ${r.ties}, invalid verdicts ${r.invalid}`,
  ].join("\n");
}

export function formatQa(model: string, report: QaReport, judged: boolean): string {
  const lines = [`Downstream QA: ${report.questions} questions x ${report.rounds.length} rounds, ${model} closed-book`];
  const row = (name: string, key: "precision" | "recall" | "f1" | "accuracy") =>
    report.mean[key] === undefined ? undefined : `  ${name.padEnd(10)} ${num(report.mean[key]!)} ± ${num(report.std[key]!)}`;
  for (const line of [row("precision", "precision"), row("recall", "recall"), row("F1", "f1"), row("accuracy", "accuracy")]) if (line) lines.push(line);
  if (!judged) lines.push("  (no --judge-model: accuracy not measured)");
  return lines.join("\n");
}

export function formatComparison(a: string, b: string, c: Comparison): string {
  const width = Math.max(a.length, b.length, 12);
  const rows: Array<[string, string, string]> = [
    ["instructions", String(c.a.instructions), String(c.b.instructions)],
    ...Object.keys(c.a.selfBleu.mean).map((n): [string, string, string] => [`Self-BLEU n=${n}`, num(c.a.selfBleu.mean[n]!), num(c.b.selfBleu.mean[n]!)]),
    ["Self-BLEU diversity", num(c.a.selfBleu.diversity), num(c.b.selfBleu.diversity)],
  ];
  if (c.a.embedding && c.b.embedding) rows.push(["embedding diversity", num(c.a.embedding.diversity), num(c.b.embedding.diversity)]);
  if (c.difficulty) rows.push(["harder (win rate)", pct(c.difficulty.rateA), pct(c.difficulty.rateB)]);
  const lines = [`${"".padEnd(22)}${a.padStart(width)}  ${b.padStart(width)}`];
  for (const [name, x, y] of rows) lines.push(`${name.padEnd(22)}${x.padStart(width)}  ${y.padStart(width)}`);
  if (c.difficulty) lines.push(`difficulty: ${c.difficulty.documents} documents, ties ${c.difficulty.ties}, invalid ${c.difficulty.invalid}`);
  else lines.push("(difficulty needs --corpus and --judge-model)");
  return lines.join("\n");
}
