import { z } from "zod";
import { listItems, looksLikeJson } from "../llm/structured/reply-parsing.js";
import type { StepSchema } from "../llm/structured/parse-reply.js";

const text = z.string().trim().min(1);

/**
 * One schema object per distinct arguments: schemas are built on every call of a step, and reusing
 * the object lets its JSON Schema be converted once (see completeStructured).
 */
function memoized<A extends Array<string | number>, R>(build: (...args: A) => R): (...args: A) => R {
  const made = new Map<string, R>();
  return (...args) => {
    const key = args.join("\u0000");
    let schema = made.get(key);
    if (schema === undefined) made.set(key, (schema = build(...args)));
    return schema;
  };
}

/** A list of up to `max` features under one key, read from a plain list when the server ignores the schema. */
function featureList<K extends string>(name: string, key: K, max: number): StepSchema<Record<K, string[]>> {
  const shape = { [key]: z.array(text).min(1).max(max) } as Record<K, z.ZodArray<typeof text>>;
  return {
    name,
    zod: z.object(shape) as unknown as z.ZodType<Record<K, string[]>>,
    fromText: (reply) => ({ [key]: listItems(reply) }),
  };
}

export const microElementsSchema = memoized((max: number) => featureList("micro_elements", "elements", max));
export const scatterKeywordsSchema = memoized((max: number) => featureList("scatter_keywords", "keywords", max));
export const macroSentencesSchema = memoized((max: number) => featureList("macro_sentences", "sentences", max));

/** Exactly one instruction per feature, in the features' order. */
export const instructionsSchema = memoized(
  (name: string, count: number): StepSchema<{ instructions: string[] }> => ({
    name,
    zod: z.object({ instructions: z.array(text).length(count) }),
    fromText: (reply) => ({ instructions: listItems(reply) }),
  }),
);

export const importanceSchema = memoized(
  (core: number, major: number): StepSchema<{ core: string[]; major: string[] }> => ({
    name: "scatter_importance",
    zod: z.object({ core: z.array(text).length(core), major: z.array(text).length(major) }),
  }),
);

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

export const selfQaSchema = memoized(
  (max: number): StepSchema<{ pairs: Array<{ instruction: string; output: string }> }> => ({
    name: "self_qa",
    zod: z.object({ pairs: z.array(z.object({ instruction: text, output: text })).min(1).max(max) }),
  }),
);
