import { collectFeatures } from "./collect-features.js";
import { failure } from "./failure.js";
import { matchForm } from "./rules/match-form.js";
import type { LevelPlan } from "./level-plan.js";
import { macroInstructionsPrompt, macroSentencesPrompt } from "./prompts.js";
import { reproducesSentence } from "./rules/reproduces-sentence.js";
import { sentenceAround } from "./rules/sentence-bounds.js";
import { instructionsSchema, macroSentencesSchema } from "./schemas.js";
import { sentenceLocator, type Span } from "./verbatim.js";

/** A key sentence as it stands in the document, with where it stands. */
export interface KeySentence {
  sentence: string;
  span: Span;
}

/** A quote must be at least this share of its sentence: "the" is in the document, but is no key sentence. */
const SENTENCE_SHARE = 0.5;

/** The whole sentence a quote was found in, or undefined when the quote is not found or is a mere fragment of it. */
function sentenceOf(text: string, quote: Span | undefined): Span | undefined {
  if (!quote) return undefined;
  const sentence = sentenceAround(text, quote);
  return quote.end - quote.start >= SENTENCE_SHARE * (sentence.end - sentence.start) ? sentence : undefined;
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
      const seen = new Set(quoted.map(matchForm));
      const locate = sentenceLocator(text);
      for (const candidate of reply.sentences) {
        const span = sentenceOf(text, locate(candidate));
        if (!span) {
          notInDocument.push(candidate);
          continue;
        }
        const sentence = text.slice(span.start, span.end);
        if (seen.has(matchForm(sentence))) continue;
        seen.add(matchForm(sentence));
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
  ruleBroken: (instruction, k) => (reproducesSentence(instruction, k.sentence) ? failure("quotes its sentence") : undefined),
  promptFeature: (k) => k.sentence,
  recordFeatures: (k) => [k.sentence],
  offsets: (k) => [[k.span.start, k.span.end]],
};
