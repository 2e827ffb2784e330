import { UnusableReplyError } from "../errors.js";
import { replyOf } from "./reply-of.js";
import type { RawReply } from "../llm/structured/complete-structured.js";
import type { DocumentContext } from "./context.js";
import { answerPrompt } from "./prompts.js";
import { UNANSWERABLE, answerSchema } from "./schemas.js";

/** Why an item failed; each is a reason to re-synthesize it. */
export type FailureReason = "unanswerable" | "rule" | "unusable-reply";

/** How answering went, with the model's reply (usable or not) and its token usage. */
export type AnswerOutcome = ({ ok: true; answer: string } | { ok: false; reason: FailureReason; detail: string }) & { reply: RawReply };

/** Answer an instruction from the document alone; an unusable or "unanswerable" reply is a failure, not an error. */
export async function answerInstruction(ctx: DocumentContext, instruction: string): Promise<AnswerOutcome> {
  try {
    const { value, reply } = await ctx.ask("answer", answerPrompt(ctx.document.text, instruction), answerSchema);
    if (!value.answerable || value.answer.length === 0 || UNANSWERABLE.test(value.answer)) {
      return { ok: false, reason: "unanswerable", detail: "the document does not answer it", reply };
    }
    return { ok: true, answer: value.answer, reply };
  } catch (error) {
    if (error instanceof UnusableReplyError) return { ok: false, reason: "unusable-reply", detail: error.message, reply: replyOf(error) };
    throw error;
  }
}
