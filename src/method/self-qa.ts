import { UnusableReplyError } from "../errors.js";
import type { DocumentContext } from "./context.js";
import type { Level } from "./levels.js";
import { selfQaPrompt } from "./prompts.js";
import type { LevelOutcome } from "./run-level.js";
import { provenance } from "./record.js";
import { selfQaSchema } from "./schemas.js";

/**
 * Pairs Self-QA asks for per document: as many as foveate's levels together (budget x levels), so
 * that the two methods are compared at equal instructions per text, as the paper compares them.
 */
export function selfQaItemCount(budget: number, levels: readonly Level[]): number {
  return budget * Math.max(1, levels.length);
}

/** The Self-QA baseline: one call asks for budget x levels question-answer pairs directly. */
export async function runSelfQa(ctx: DocumentContext): Promise<LevelOutcome> {
  const count = selfQaItemCount(ctx.budget, ctx.settings.levels);
  let pairs: Array<{ instruction: string; output: string }> = [];
  let unusable = false;
  try {
    pairs = (await ctx.ask("selfQa", selfQaPrompt(ctx.document.text, count), selfQaSchema(count))).value.pairs;
  } catch (error) {
    if (!(error instanceof UnusableReplyError)) throw error;
    unusable = true;
  }
  const missing = Math.max(0, count - pairs.length);
  return {
    level: "self-qa",
    budget: count,
    features: pairs.length,
    notYielded: unusable ? 0 : missing,
    lostToUnusable: unusable ? missing : 0,
    unusableExtractions: unusable ? 1 : 0,
    records: pairs.map((pair) => ({
      instruction: pair.instruction,
      output: pair.output,
      level: "self-qa" as const,
      features: [],
      resynthesized: false,
      rounds: 0,
      ...provenance(ctx.document),
    })),
    dropped: [],
    recovered: 0,
    chain: 1,
  };
}
