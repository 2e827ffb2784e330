import { z } from "zod";
import { ReplyParseError, ReplyValidationError } from "../../errors.js";
import type { TokenUsage } from "../../token-usage.js";
import { extractJson, looksLikeJson } from "./reply-parsing.js";

/**
 * What a step expects back: a zod schema (the single source of the JSON schema sent to the server
 * and of validation), a name for `response_format`, and how to read a reply that holds no JSON.
 */
export interface StepSchema<T> {
  name: string;
  zod: z.ZodType<T>;
  fromText?: (text: string) => unknown;
}

/**
 * Two-stage, pure: find the JSON in the reply (or read it as plain text where the step allows),
 * then validate it. Throws ReplyParseError when there is nothing to validate, ReplyValidationError
 * when what there is fails the schema; both keep the raw text and the reply's `usage`.
 */
export function parseReply<T>(text: string, schema: StepSchema<T>, usage?: TokenUsage): T {
  const json = extractJson(text);
  const attempts: unknown[] = [];
  if (json !== undefined) {
    attempts.push(json);
    // A bare array where an object with one array field was asked for.
    const onlyKey = schema.zod instanceof z.ZodObject ? Object.keys(schema.zod.shape) : [];
    if (Array.isArray(json) && onlyKey.length === 1) attempts.push({ [onlyKey[0]!]: json });
  } else if (schema.fromText) {
    attempts.push(schema.fromText(text));
  }
  let problem = "the reply holds no JSON";
  for (const candidate of attempts) {
    const result = schema.zod.safeParse(candidate);
    if (result.success) return result.data;
    problem = z.prettifyError(result.error).replace(/\s*\n\s*/g, "; ");
  }
  // Not JSON: no JSON found, and the text either is no prose the step reads or was meant as JSON
  // (cut off). The message stays as it always was: it goes back to the model in the re-ask, part
  // of a cached request.
  const notJson = json === undefined && (attempts.every((candidate) => candidate === undefined) || looksLikeJson(text));
  const message = `invalid ${schema.name} reply: ${problem}`;
  throw notJson ? new ReplyParseError(message, text, usage) : new ReplyValidationError(message, text, usage);
}
