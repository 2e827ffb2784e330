import { UnusableReplyError } from "../errors.js";
import { replyOf } from "./reply-of.js";
import type { RawReply } from "../llm/structured/complete-structured.js";
import type { DocumentContext } from "./context.js";
import { failure, type Failure } from "./failure.js";
import { answerPrompt } from "./prompts.js";
import { saysNotStated } from "./rules/says-not-stated.js";
import { UNANSWERABLE, answerSchema } from "./schemas.js";

/** How answering went, with the model's reply (usable or not) and its token usage. */
export type AnswerOutcome = ({ ok: true; answer: string } | { ok: false; failure: Failure }) & { reply: RawReply };

/**
 * Answer an instruction from the document alone. An unusable reply, or one that is "unanswerable"
 * (marked so, empty, or saying that the document does not say), is a failure, not an error.
 */
export async function answerInstruction(ctx: DocumentContext, instruction: string): Promise<AnswerOutcome> {
  try {
    const { value, reply } = await ctx.ask("answer", answerPrompt(ctx.document.text, instruction), answerSchema);
    if (!value.answerable || value.answer.length === 0 || UNANSWERABLE.test(value.answer)) {
      return { ok: false, failure: failure("unanswerable"), reply };
    }
    if (saysNotStated(value.answer)) {
      return { ok: false, failure: failure("unanswerable", "the answer says the document does not say"), reply };
    }
    return { ok: true, answer: value.answer, reply };
  } catch (error) {
    if (error instanceof UnusableReplyError) return { ok: false, failure: failure("unusable answer reply", error.message), reply: replyOf(error) };
    throw error;
  }
}
