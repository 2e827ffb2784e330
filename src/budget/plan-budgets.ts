import type { SourceDocument } from "../corpus/source-document.js";
import type { EmbeddingModel } from "../llm/port.js";
import { adaptiveBudgets } from "./adaptive-budgets.js";
import { distinctWords } from "./distinct-words.js";

export interface BudgetPlanOptions {
  mu: number;
  alpha: number;
  /** Largest budget; default 3 x mu. */
  nmax?: number;
  /** A word is relevant when its embedding's cosine with the document's is at least this. Default 0.16. */
  threshold?: number;
  /** Documents embedded together, so that requests carry as many inputs as the endpoint takes. Default 64. */
  groupSize?: number;
}

export interface BudgetPlan {
  /** Per document, in corpus order: its instructions per level. */
  budgets: number[];
  /** Per document: distinct words relevant to it. */
  counts: number[];
  lambda?: number;
  /** Why the budgets are uniform, when they are. */
  note?: string;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * For each document, how many of its distinct words have an embedding with cosine >= threshold
 * with the whole document's embedding (DESIGN 1.6). Documents are embedded a group at a time with
 * their words in one call of the embedder, which batches and (when cached) embeds each distinct
 * text once.
 */
export async function relevantWordCounts(
  documents: AsyncIterable<SourceDocument> | Iterable<SourceDocument>,
  embedder: EmbeddingModel,
  options: { threshold?: number; groupSize?: number } = {},
): Promise<number[]> {
  const threshold = options.threshold ?? 0.16;
  const groupSize = options.groupSize ?? 64;
  const counts: number[] = [];
  let group: Array<{ text: string; words: string[] }> = [];
  const flush = async () => {
    if (group.length === 0) return;
    const vectors = await embedder.embed(group.flatMap((d) => [d.text, ...d.words]));
    let at = 0;
    for (const d of group) {
      const documentVector = vectors[at++]!;
      let relevant = 0;
      for (let w = 0; w < d.words.length; w++) if (cosine(documentVector, vectors[at++]!) >= threshold) relevant++;
      counts.push(relevant);
    }
    group = [];
  };
  for await (const document of documents) {
    group.push({ text: document.text, words: distinctWords(document.text) });
    if (group.length >= groupSize) await flush();
  }
  await flush();
  return counts;
}

/** Adaptive budgets for a corpus: relevant-word counts, then Box-Cox (see adaptiveBudgets). */
export async function planBudgets(
  documents: AsyncIterable<SourceDocument> | Iterable<SourceDocument>,
  embedder: EmbeddingModel,
  options: BudgetPlanOptions,
): Promise<BudgetPlan> {
  const counts = await relevantWordCounts(documents, embedder, options);
  const plan = adaptiveBudgets(counts, { mu: options.mu, alpha: options.alpha, ...(options.nmax !== undefined ? { nmax: options.nmax } : {}) });
  return { budgets: plan.budgets, counts, ...(plan.lambda !== undefined ? { lambda: plan.lambda } : {}), ...(plan.note ? { note: plan.note } : {}) };
}
