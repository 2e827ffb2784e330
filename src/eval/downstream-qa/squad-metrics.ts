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
