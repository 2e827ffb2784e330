import { z } from "zod";
import { listItems, looksLikeJson } from "../llm/reply-parsing.js";
import type { StepSchema } from "../llm/structured.js";

const text = z.string().trim().min(1);

/** A list of up to `max` features under one key, read from a plain list when the server ignores the schema. */
function featureList<K extends string>(name: string, key: K, max: number): StepSchema<Record<K, string[]>> {
  const shape = { [key]: z.array(text).min(1).max(max) } as Record<K, z.ZodArray<typeof text>>;
  return {
    name,
    zod: z.object(shape) as unknown as z.ZodType<Record<K, string[]>>,
    fromText: (reply) => ({ [key]: listItems(reply) }),
  };
}

export const microElementsSchema = (max: number) => featureList("micro_elements", "elements", max);
export const scatterKeywordsSchema = (max: number) => featureList("scatter_keywords", "keywords", max);
export const macroSentencesSchema = (max: number) => featureList("macro_sentences", "sentences", max);

/** Exactly one instruction per feature, in the features' order. */
export function instructionsSchema(name: string, count: number): StepSchema<{ instructions: string[] }> {
  return {
    name,
    zod: z.object({ instructions: z.array(text).length(count) }),
    fromText: (reply) => ({ instructions: listItems(reply) }),
  };
}

export function importanceSchema(core: number, major: number): StepSchema<{ core: string[]; major: string[] }> {
  return {
    name: "scatter_importance",
    zod: z.object({ core: z.array(text).length(core), major: z.array(text).length(major) }),
  };
}

/** Matches a plain-text reply that says the document does not answer the question. */
export const UNANSWERABLE = /^\W*unanswerable\b/i;

export const answerSchema: StepSchema<{ answerable: boolean; answer: string }> = {
  name: "answer",
  zod: z.object({ answerable: z.boolean(), answer: z.string().trim() }),
  // A server that ignores the schema replies in prose: the prose is the answer. A cut-off JSON
  // reply is not prose.
  fromText: (reply) => {
    if (looksLikeJson(reply)) return undefined;
    const answer = reply.trim();
    return { answerable: answer.length > 0 && !UNANSWERABLE.test(answer), answer };
  },
};

export const resynthesisSchema: StepSchema<{ instruction: string }> = {
  name: "resynthesis",
  zod: z.object({ instruction: text }),
  fromText: (reply) => (looksLikeJson(reply) ? undefined : { instruction: reply.trim().replace(/^instruction:\s*/i, "") }),
};

export function selfQaSchema(max: number): StepSchema<{ pairs: Array<{ instruction: string; output: string }> }> {
  return {
    name: "self_qa",
    zod: z.object({ pairs: z.array(z.object({ instruction: text, output: text })).min(1).max(max) }),
  };
}
