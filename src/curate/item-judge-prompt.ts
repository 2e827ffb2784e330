import { z } from "zod";
import { CURATION_STEP_PREFIX } from "../curation-step.js";
import type { ChatMessage } from "../llm/port.js";
import type { StepSchema } from "../llm/structured/parse-reply.js";

/** Bump when the item judge's prompt or schema changes, so cached verdicts of the older wording are not reused. */
export const ITEM_JUDGE_PROMPT_VERSION = "item-judge-1";

/** One dataset item as the judge sees it: the instruction, the answer, and the passage it was written from. */
export interface JudgedItem {
  instruction: string;
  output: string;
  passage: string;
}

const SYSTEM =
  "You review items of an instruction-tuning dataset before anyone trains on them. Each item is an " +
  "instruction and an answer, both written from the passage shown with them. You rate the item on two " +
  "scales and give your reason in one line. Reply with a single JSON object.";

const CRITERIA =
  "Rate the item on two scales from 1 to 10.\n" +
  "groundedness: is what the answer says supported by the passage? A claim the passage states or plainly " +
  "implies is grounded; one it contradicts, or one it does not contain (an invented name, figure, date or " +
  "cause), is not. General knowledge that only connects the passage's facts is fine.\n" +
  "  10: every claim is supported. 7: supported, with a minor detail the passage does not give. " +
  "4: a main point is not in the passage. 1: the answer contradicts the passage or is made up.\n" +
  "usefulness: would a model learn something worth learning from this pair? The instruction should be " +
  "clear and make sense without the passage at hand (not \"according to the text above\"), and the answer " +
  "should carry it out fully, correctly and in plain language, without refusing or saying the text does not say.\n" +
  "  10: a clear, worthwhile task answered completely. 7: sound, with a small flaw in wording or " +
  "completeness. 4: vague, trivial, or only half answered. 1: meaningless, unanswerable, or not answered.\n" +
  "Rate each scale on its own: a fluent answer is not grounded for being fluent, and a grounded one is not " +
  "useful for being true. The reason is one line that names the main problem, or says the item is sound.\n";

/** The item judge's prompt: the passage, the instruction and the answer, each in its own tag, then the criteria. */
export function itemJudgePrompt(item: JudgedItem): ChatMessage[] {
  return [
    { role: "system", content: SYSTEM },
    {
      role: "user",
      content:
        `<passage>\n${item.passage}\n</passage>\n<instruction>\n${item.instruction}\n</instruction>\n<answer>\n${item.output}\n</answer>\n\n` +
        CRITERIA +
        'Reply as {"groundedness": 1 to 10, "usefulness": 1 to 10, "reason": "..."}.',
    },
  ];
}

const scale = z.number().int().min(1).max(10);

export interface ItemJudgement {
  groundedness: number;
  usefulness: number;
  reason: string;
}

/** Its name begins with the store's curation prefix: the judge's replies are counted apart from the run's. */
export const itemJudgeSchema: StepSchema<ItemJudgement> = {
  name: `${CURATION_STEP_PREFIX}item_judgement`,
  zod: z.object({ groundedness: scale, usefulness: scale, reason: z.string() }),
};

/**
 * An item's score: the lower of its two ratings. An answer that is not grounded in its passage
 * teaches the model to make things up however useful it looks, and a grounded answer to a
 * pointless instruction teaches nothing; a mean would let either make up for the other.
 */
export const itemScore = (judgement: Pick<ItemJudgement, "groundedness" | "usefulness">): number =>
  Math.min(judgement.groundedness, judgement.usefulness);
