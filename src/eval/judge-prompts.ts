import { z } from "zod";
import type { ChatMessage } from "../llm/port.js";
import type { StepSchema } from "../llm/structured/parse-reply.js";

/** Bump when a judge prompt changes, so cached verdicts of older prompts are not reused. */
export const JUDGE_PROMPT_VERSION = 1;

const DIFFICULTY_SYSTEM =
  "You judge instruction-tuning data. Each request shows one document between <document> tags and two " +
  "sets of instructions written about it. Reply with a single JSON object of the form the task asks for.";

/**
 * How the difficulty judge may answer: "ties" lets it call the sets equally hard (foveate's
 * default); "forced" makes it pick 1 or 2, as the paper's judge did.
 */
export type DifficultyVerdictStyle = "ties" | "forced";

/**
 * Which of two sets of instructions about one document is harder: the paper's difficulty criteria.
 * The forced style is a prompt of its own (other words, another schema), so its replies are
 * cached apart from the default prompt's without a new prompt version.
 */
export function difficultyPrompt(document: string, first: readonly string[], second: readonly string[], style: DifficultyVerdictStyle = "ties"): ChatMessage[] {
  const verdict =
    style === "forced"
      ? "There is no tie: even when the sets seem equally hard, choose the one that is harder.\n"
      : "If the sets are equally hard, the verdict is a tie.\n";
  const replyForm = style === "forced" ? '"1" or "2"' : '"1" or "2" or "tie"';
  return [
    { role: "system", content: DIFFICULTY_SYSTEM },
    {
      role: "user",
      content:
        `<document>\n${document}\n</document>\n\n` +
        "Task: decide which set of instructions below is harder to carry out well. A harder set asks for " +
        "multi-step reasoning, makes the reader integrate several concepts, explores nuanced relations " +
        "between them, and relies on information the document states less explicitly. Judge each set as a " +
        "whole; do not let the length or the wording of the instructions decide. " +
        verdict +
        `<set_1>\n${JSON.stringify(first)}\n</set_1>\n<set_2>\n${JSON.stringify(second)}\n</set_2>\n` +
        `Reply as {"reason": "...", "harder": ${replyForm}}.`,
    },
  ];
}

export const difficultySchema: StepSchema<{ reason: string; harder: "1" | "2" | "tie" }> = {
  name: "difficulty_verdict",
  zod: z.object({ reason: z.string(), harder: z.enum(["1", "2", "tie"]) }),
};

/** The forced verdict: anything but "1" or "2" (a tie included) is not a verdict. */
export const forcedDifficultySchema: StepSchema<{ reason: string; harder: "1" | "2" }> = {
  name: "difficulty_verdict_forced",
  zod: z.object({ reason: z.string(), harder: z.enum(["1", "2"]) }),
};

/** The schema a difficulty reply of this style must match. */
export const difficultySchemaFor = (style: DifficultyVerdictStyle): StepSchema<{ reason: string; harder: "1" | "2" | "tie" }> =>
  style === "forced" ? forcedDifficultySchema : difficultySchema;

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

/**
 * How the accuracy judge answers: "true-false" is foveate's default ({"correct": true or false});
 * "correct-incorrect" asks for the verdict as the word Correct or Incorrect, as the paper's judge gave it.
 */
export type QaJudgeStyle = "true-false" | "correct-incorrect";

const QA_VERDICT_SYSTEM =
  "You are grading a model's answer to a question against the reference answer. Mark it Correct when it gives " +
  "the reference's answer, whatever its wording and however much it explains; mark it Incorrect when it gives " +
  "another answer, leaves out the reference's key point, or gives no answer. Reply with a single JSON object.";

export function qaVerdictPrompt(question: string, references: readonly string[], answer: string): ChatMessage[] {
  return [
    { role: "system", content: QA_VERDICT_SYSTEM },
    {
      role: "user",
      content:
        `<question>\n${question}\n</question>\n<reference>\n${references.join(" | ")}\n</reference>\n<answer>\n${answer}\n</answer>\n` +
        'Reply as {"reason": "...", "verdict": "Correct" or "Incorrect"}.',
    },
  ];
}

export const qaVerdictSchema: StepSchema<{ reason: string; verdict: "Correct" | "Incorrect" }> = {
  name: "qa_verdict",
  zod: z.object({ reason: z.string(), verdict: z.enum(["Correct", "Incorrect"]) }),
};
