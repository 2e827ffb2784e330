import { z } from "zod";
import { ReplyParseError, ReplyValidationError, type UnusableReplyError } from "../errors.js";
import type { ChatMessage, Completion, LanguageModel, Sampling, TokenUsage } from "./port.js";
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

/** A reply as the model gave it: its raw text and the tokens it took. */
export interface RawReply {
  text: string;
  usage: TokenUsage;
}

export interface StructuredCall<T> {
  messages: ChatMessage[];
  sampling: Sampling;
  schema: StepSchema<T>;
  signal?: AbortSignal;
  /** Further extra check on a valid reply (e.g. a length); return a problem to re-ask. */
  check?: (value: T) => string | undefined;
}

export interface StructuredResult<T> {
  value: T;
  /** The valid reply the value was read from. */
  reply: RawReply;
  /** Replies that were not valid before this one. */
  invalidReplies: number;
}

/** JSON schemas by step schema, so each is converted once. */
const jsonSchemas = new WeakMap<object, Record<string, unknown>>();

function jsonSchemaOf(schema: StepSchema<unknown>): Record<string, unknown> {
  let json = jsonSchemas.get(schema.zod);
  if (!json) {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(schema.zod) as Record<string, unknown>;
    json = rest;
    jsonSchemas.set(schema.zod, json);
  }
  return json;
}

/**
 * Ask for a reply that matches the schema. A reply that does not parse or validate is shown back
 * to the model with what was wrong and asked for again, at most `maxReasks` times; then
 * the last UnusableReplyError is thrown (transport retries are the engine's, not this loop's).
 */
export async function completeStructured<T>(
  model: LanguageModel,
  call: StructuredCall<T>,
  options: { maxReasks: number; onInvalid?: (error: UnusableReplyError) => void },
): Promise<StructuredResult<T>> {
  let messages = call.messages;
  const responseSchema = { name: call.schema.name, schema: jsonSchemaOf(call.schema as StepSchema<unknown>) };
  for (let invalid = 0; ; invalid++) {
    const completion: Completion = await model.complete({
      messages,
      sampling: call.sampling,
      responseSchema,
      ...(call.signal ? { signal: call.signal } : {}),
    });
    let error: UnusableReplyError;
    try {
      const value = parseReply(completion.text, call.schema, completion.usage);
      const problem = call.check?.(value);
      if (problem === undefined) return { value, reply: { text: completion.text, usage: completion.usage }, invalidReplies: invalid };
      error = new ReplyValidationError(`invalid ${call.schema.name} reply: ${problem}`, completion.text, completion.usage);
    } catch (e) {
      if (!(e instanceof ReplyParseError || e instanceof ReplyValidationError)) throw e;
      error = e;
    }
    options.onInvalid?.(error);
    if (invalid >= options.maxReasks) throw error;
    // A new array: the request already sent keeps the messages it was sent with.
    messages = [
      ...messages,
      { role: "assistant", content: completion.text },
      { role: "user", content: `That reply cannot be used (${error.message}). Reply again with only the JSON object the schema asks for.` },
    ];
  }
}
