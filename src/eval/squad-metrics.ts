/**
 * Token overlap of an answer with a reference after SQuAD normalisation (lowercase, punctuation
 * removed, the articles a/an/the dropped, white space squeezed), over token SETS as the paper
 * computes it.
 */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, "")
    .replace(/\b(a|an|the)\b/g, " ")
    .split(/\s+/)
    .filter(Boolean)
    .join(" ");
}

export interface Overlap {
  precision: number;
  recall: number;
  f1: number;
}

export function tokenSetOverlap(answer: string, reference: string): Overlap {
  const predicted = new Set(normalizeAnswer(answer).split(" ").filter(Boolean));
  const gold = new Set(normalizeAnswer(reference).split(" ").filter(Boolean));
  let common = 0;
  for (const token of predicted) if (gold.has(token)) common++;
  if (common === 0) return { precision: 0, recall: 0, f1: 0 };
  const precision = common / predicted.size;
  const recall = common / gold.size;
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall) };
}

/** Against several accepted answers, the best match by F1. */
export function bestOverlap(answer: string, references: readonly string[]): Overlap {
  let best: Overlap = { precision: 0, recall: 0, f1: 0 };
  for (const reference of references) {
    const overlap = tokenSetOverlap(answer, reference);
    if (overlap.f1 > best.f1) best = overlap;
  }
  return best;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n - 1); 0 for a single value. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

/** The Wilson score interval at 95% for `successes` out of `trials`. */
export function wilsonInterval(successes: number, trials: number): [number, number] {
  if (trials === 0) return [0, 1];
  const z = 1.959963984540054;
  const p = successes / trials;
  const denominator = 1 + (z * z) / trials;
  const centre = (p + (z * z) / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
