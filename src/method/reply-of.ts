import type { UnusableReplyError } from "../errors.js";
import type { RawReply } from "../llm/structured/complete-structured.js";

/** The reply an unusable-reply error kept: what the model said and what it cost. */
export function replyOf(error: UnusableReplyError): RawReply {
  return { text: error.rawText, usage: error.usage };
}
