import { z } from "zod";
import { ReplyParseError } from "../../errors.js";
import { extractJson } from "./reply-parsing.js";

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
 * then validate it. Throws ReplyParseError with the raw text.
 */
export function parseReply<T>(text: string, schema: StepSchema<T>): T {
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
  throw new ReplyParseError(`invalid ${schema.name} reply: ${problem}`, text);
}
