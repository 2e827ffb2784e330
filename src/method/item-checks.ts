import { failure, type Failure } from "./failure.js";
import { refersToPassage } from "./rules/passage-reference.js";
import { inOtherLanguage } from "./rules/script.js";

/** The rules every instruction keeps, whatever its level: it stands alone and is in the document's language. */
export function instructionFailure(document: string, instruction: string): Failure | undefined {
  if (refersToPassage(instruction)) return failure("refers to the passage", "instruction");
  if (inOtherLanguage(document, instruction)) return failure("wrong language", "instruction");
  return undefined;
}

/** The rules every answer keeps, whatever its level: it stands alone and is in the document's language. */
export function answerFailure(document: string, answer: string): Failure | undefined {
  if (refersToPassage(answer)) return failure("refers to the passage", "answer");
  if (inOtherLanguage(document, answer)) return failure("wrong language", "answer");
  return undefined;
}
