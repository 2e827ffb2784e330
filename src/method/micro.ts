import { collectFeatures } from "./collect-features.js";
import { distinctFeatures } from "./keywords.js";
import type { LevelPlan } from "./level-plan.js";
import { microElementsPrompt, microInstructionsPrompt } from "./prompts.js";
import { instructionsSchema, microElementsSchema } from "./schemas.js";

/** Micro level: fine-grained elements are the answers; one instruction asks for each. */
export const microPlan: LevelPlan<string> = {
  level: "micro",
  extract: (ctx) =>
    collectFeatures<string>(ctx, ctx.budget, async (missing, chosen) => {
      const reply = (await ctx.ask("extract", microElementsPrompt(ctx.document.text, missing, chosen), microElementsSchema(missing))).value;
      return { accepted: distinctFeatures(reply.elements, chosen), rejected: [] };
    }),
  synthesize: async (ctx, elements) => {
    const { value, reply } = await ctx.ask("synthesize", microInstructionsPrompt(ctx.document.text, elements), instructionsSchema("micro_instructions", elements.length));
    return { instructions: value.instructions, reply };
  },
  ruleBroken: () => undefined,
  promptFeature: (element) => element,
  recordFeatures: (element) => [element],
};
