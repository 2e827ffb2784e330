import { collectFeatures } from "./collect-features.js";
import { failure } from "./failure.js";
import { distinctFeatures, inDocument } from "./keywords.js";
import type { LevelPlan } from "./level-plan.js";
import { containsTerm } from "./rules/contains-term.js";
import { microElementsPrompt, microInstructionsPrompt } from "./prompts.js";
import { instructionsSchema, microElementsSchema } from "./schemas.js";

/** Micro level: fine-grained elements are the answers; one instruction asks for each. */
export const microPlan: LevelPlan<string> = {
  level: "micro",
  extract: (ctx) =>
    collectFeatures<string>(ctx, ctx.budget, async (missing, chosen, rejected) => {
      const prompt = microElementsPrompt(ctx.document.text, missing, chosen, rejected);
      const reply = (await ctx.ask("extract", prompt, microElementsSchema(missing))).value;
      return inDocument(ctx.document.text, distinctFeatures(reply.elements, chosen));
    }),
  synthesize: async (ctx, elements) => {
    const { value, reply } = await ctx.ask("synthesize", microInstructionsPrompt(ctx.document.text, elements), instructionsSchema("micro_instructions", elements.length));
    return { instructions: value.instructions, reply };
  },
  ruleBroken: (instruction, element) => (containsTerm(instruction, element) ? failure("contains its answer") : undefined),
  answerBroken: (answer, element) => (containsTerm(answer, element) ? undefined : failure("answer lacks its element")),
  promptFeature: (element) => element,
  recordFeatures: (element) => [element],
};
