import { UnusableReplyError } from "../errors.js";
import { seededRandom } from "../random.js";
import { collectFeatures } from "./collect-features.js";
import type { DocumentContext } from "./context.js";
import { failure } from "./failure.js";
import { distinctFeatures, inDocument } from "./keywords.js";
import { matchForm } from "./rules/match-form.js";
import type { LevelPlan } from "./level-plan.js";
import { scatterImportancePrompt, scatterInstructionsPrompt, scatterKeywordsPrompt } from "./prompts.js";
import { drawGroups, groupSizes, keywordCount, keywordPool, largestBudgetFor } from "./scatter-groups.js";
import { missingTerms } from "./rules/contains-term.js";
import { importanceSchema, instructionsSchema, scatterKeywordsSchema } from "./schemas.js";

/** The model's core and major keywords, mapped back to the extracted spelling; unknown ones ignored. */
async function importantKeywords(ctx: DocumentContext, keywords: string[]): Promise<{ core: string[]; major: string[] }> {
  const wanted = ctx.settings.important;
  if (!wanted || wanted.core + wanted.major === 0) return { core: [], major: [] };
  const bySpelling = new Map(keywords.map((k) => [matchForm(k), k]));
  const known = (picked: string[]) => picked.map((p) => bySpelling.get(matchForm(p))).filter((k): k is string => k !== undefined);
  try {
    const reply = (
      await ctx.ask("extract", scatterImportancePrompt(ctx.document.text, keywords, wanted.core, wanted.major), importanceSchema(wanted.core, wanted.major))
    ).value;
    const core = [...new Set(known(reply.core))];
    return { core, major: [...new Set(known(reply.major))].filter((k) => !core.includes(k)) };
  } catch (error) {
    // Importance only reweights the draw; without it the groups are still valid.
    if (error instanceof UnusableReplyError) return { core: [], major: [] };
    throw error;
  }
}

/** Scatter level: groups of keywords from across the document, one instruction connecting each group. */
export const scatterPlan: LevelPlan<string[]> = {
  level: "scatter",
  extract: async (ctx) => {
    const wanted = keywordCount(ctx.budget);
    const { features: keywords, cutOff } = await collectFeatures<string>(ctx, wanted, async (missing, chosen, rejected) => {
      const prompt = scatterKeywordsPrompt(ctx.document.text, missing, chosen, rejected);
      const reply = (await ctx.ask("extract", prompt, scatterKeywordsSchema(missing))).value;
      return inDocument(ctx.document.text, distinctFeatures(reply.keywords, chosen));
    });
    // A document with fewer keywords than asked for gets fewer groups, never a repeated keyword.
    const budget = largestBudgetFor(keywords.length, ctx.budget);
    if (budget === 0) return { features: [], cutOff };
    const { core, major } = await importantKeywords(ctx, keywords);
    const random = seededRandom(ctx.seed, ctx.document.index, "scatter", "groups");
    return { features: drawGroups(keywordPool(keywords, core, major), groupSizes(budget), random), cutOff };
  },
  synthesize: async (ctx, groups) => {
    const { value, reply } = await ctx.ask("synthesize", scatterInstructionsPrompt(ctx.document.text, groups), instructionsSchema("scatter_instructions", groups.length));
    return { instructions: value.instructions, reply };
  },
  ruleBroken: (instruction, group) => {
    const missing = missingTerms(instruction, group);
    return missing.length === 0 ? undefined : failure("missing keyword", missing.map((k) => `"${k}"`).join(", "));
  },
  promptFeature: (group) => group,
  recordFeatures: (group) => [...group],
};
