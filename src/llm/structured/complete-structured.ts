import { z } from "zod";
import { ReplyParseError, ReplyValidationError, type UnusableReplyError } from "../../errors.js";
import type { ChatMessage, Completion, LanguageModel, Sampling, TokenUsage } from "../port.js";
import { parseReply, type StepSchema } from "./parse-reply.js";

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
