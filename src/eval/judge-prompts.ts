import { z } from "zod";
import type { ChatMessage } from "../llm/port.js";
import type { StepSchema } from "../llm/structured/parse-reply.js";

/** Bump when a judge prompt changes, so cached verdicts of older prompts are not reused. */
export const JUDGE_PROMPT_VERSION = 1;

const DIFFICULTY_SYSTEM =
  "You judge instruction-tuning data. Each request shows one document between <document> tags and two " +
  "sets of instructions written about it. Reply with a single JSON object of the form the task asks for.";

/** Which of two sets of instructions about one document is harder: the paper's difficulty criteria. */
export function difficultyPrompt(document: string, first: readonly string[], second: readonly string[]): ChatMessage[] {
  return [
    { role: "system", content: DIFFICULTY_SYSTEM },
    {
      role: "user",
      content:
        `<document>\n${document}\n</document>\n\n` +
        "Task: decide which set of instructions below is harder to carry out well. A harder set asks for " +
        "multi-step reasoning, makes the reader integrate several concepts, explores nuanced relations " +
        "between them, and relies on information the document states less explicitly. Judge each set as a " +
        "whole; do not let the length or the wording of the instructions decide. If the sets are equally " +
        "hard, the verdict is a tie.\n" +
        `<set_1>\n${JSON.stringify(first)}\n</set_1>\n<set_2>\n${JSON.stringify(second)}\n</set_2>\n` +
        'Reply as {"reason": "...", "harder": "1" or "2" or "tie"}.',
    },
  ];
}

export const difficultySchema: StepSchema<{ reason: string; harder: "1" | "2" | "tie" }> = {
  name: "difficulty_verdict",
  zod: z.object({ reason: z.string(), harder: z.enum(["1", "2", "tie"]) }),
};

const QA_JUDGE_SYSTEM =
  "You grade answers to questions against a reference answer. An answer is correct when it states what the " +
  "reference states: other wording, extra explanation and extra correct detail are fine. It is wrong when it " +
  "contradicts the reference, misses its key point, or does not commit to an answer. Reply with a single JSON object.";

export function qaJudgePrompt(question: string, references: readonly string[], answer: string): ChatMessage[] {
  return [
    { role: "system", content: QA_JUDGE_SYSTEM },
    {
      role: "user",
      content:
        `<question>\n${question}\n</question>\n<reference>\n${references.join(" | ")}\n</reference>\n<answer>\n${answer}\n</answer>\n` +
        'Reply as {"reason": "...", "correct": true or false}.',
    },
  ];
}

export const qaJudgeSchema: StepSchema<{ reason: string; correct: boolean }> = {
  name: "qa_judgement",
  zod: z.object({ reason: z.string(), correct: z.boolean() }),
};
