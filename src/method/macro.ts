import { collectFeatures } from "./collect-features.js";
import { normalizeForMatch } from "./keywords.js";
import type { LevelPlan } from "./level-plan.js";
import { macroInstructionsPrompt, macroSentencesPrompt } from "./prompts.js";
import { instructionsSchema, macroSentencesSchema } from "./schemas.js";
import { sentenceLocator, type Span } from "./verbatim.js";

/** A key sentence as it stands in the document, with where it stands. */
export interface KeySentence {
  sentence: string;
  span: Span;
}

/** Macro level: key sentences quoted verbatim are transcribed into instructions grounded in them. */
export const macroPlan: LevelPlan<KeySentence> = {
  level: "macro",
  extract: (ctx) =>
    collectFeatures<KeySentence>(ctx, ctx.budget, async (missing, chosen, rejected) => {
      const text = ctx.document.text;
      const quoted = chosen.map((k) => k.sentence);
      const reply = (await ctx.ask("extract", macroSentencesPrompt(text, missing, quoted, rejected), macroSentencesSchema(missing))).value;
      const accepted: KeySentence[] = [];
      const notInDocument: string[] = [];
      const seen = new Set(quoted.map(normalizeForMatch));
      const locate = sentenceLocator(text);
      for (const candidate of reply.sentences) {
        const span = locate(candidate);
        if (!span) {
          notInDocument.push(candidate);
          continue;
        }
        const sentence = text.slice(span.start, span.end);
        if (seen.has(normalizeForMatch(sentence))) continue;
        seen.add(normalizeForMatch(sentence));
        accepted.push({ sentence, span });
      }
      return { accepted, rejected: notInDocument };
    }),
  synthesize: async (ctx, sentences) => {
    const { value, reply } = await ctx.ask(
      "synthesize",
      macroInstructionsPrompt(ctx.document.text, sentences.map((k) => k.sentence)),
      instructionsSchema("macro_instructions", sentences.length),
    );
    return { instructions: value.instructions, reply };
  },
  ruleBroken: () => undefined,
  promptFeature: (k) => k.sentence,
  recordFeatures: (k) => [k.sentence],
  offsets: (k) => [[k.span.start, k.span.end]],
};
