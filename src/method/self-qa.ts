import { UnusableReplyError } from "../errors.js";
import type { DocumentContext } from "./context.js";
import { selfQaPrompt } from "./prompts.js";
import type { LevelOutcome } from "./run-level.js";
import { provenance } from "./record.js";
import { selfQaSchema } from "./schemas.js";

/** The Self-QA baseline: one call asks for `budget` question-answer pairs directly. */
export async function runSelfQa(ctx: DocumentContext): Promise<LevelOutcome> {
  let pairs: Array<{ instruction: string; output: string }> = [];
  try {
    pairs = (await ctx.ask("selfQa", selfQaPrompt(ctx.document.text, ctx.budget), selfQaSchema(ctx.budget))).value.pairs;
  } catch (error) {
    if (!(error instanceof UnusableReplyError)) throw error;
  }
  return {
    level: "self-qa",
    budget: ctx.budget,
    features: pairs.length,
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
