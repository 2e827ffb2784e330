import { UnusableReplyError } from "../errors.js";
import type { DocumentContext } from "./context.js";
import { answerPrompt } from "./prompts.js";
import { UNANSWERABLE, answerSchema } from "./schemas.js";

/** Why an item failed; each is a reason to re-synthesize it. */
export type FailureReason = "unanswerable" | "rule" | "unusable-reply";

export type AnswerOutcome = { ok: true; answer: string } | { ok: false; reason: FailureReason; detail: string };

/** Answer an instruction from the document alone; an unusable or "unanswerable" reply is a failure, not an error. */
export async function answerInstruction(ctx: DocumentContext, instruction: string): Promise<AnswerOutcome> {
  try {
    const reply = await ctx.ask("answer", answerPrompt(ctx.document.text, instruction), answerSchema);
    if (!reply.answerable || reply.answer.length === 0 || UNANSWERABLE.test(reply.answer)) {
      return { ok: false, reason: "unanswerable", detail: "the document does not answer it" };
    }
    return { ok: true, answer: reply.answer };
  } catch (error) {
    if (error instanceof UnusableReplyError) return { ok: false, reason: "unusable-reply", detail: error.message };
    throw error;
  }
}
