/**
 * The body of a chat completion request and the reading of its reply, as pure functions: the live
 * engine sends the body over HTTP, a batch puts the very same body in a line of its input file, and
 * both read the reply the same way. Equal bodies are what make a batched run write the same
 * dataset as a live one.
 */
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { EngineCallError } from "../../errors.js";
import type { Completion, CompletionRequest, TokenUsage } from "../port.js";
import { malformedReply } from "./api-request.js";
import type { CallContext } from "./classify-error.js";

export type ChatCompletionBody = ChatCompletionCreateParamsNonStreaming & { repetition_penalty?: number };

export interface ChatBodyOptions {
  /** Send the request's schema as `response_format` json_schema. */
  withSchema: boolean;
  /** Send `repetition_penalty` (vLLM and SGLang read it; OpenAI's API rejects it). */
  sendsRepetitionPenalty: boolean;
}

/** Whether a server takes `repetition_penalty`: OpenAI's own API answers 400 to a field it does not know. */
export function acceptsRepetitionPenalty(endpoint: URL): boolean {
  return endpoint.hostname !== "api.openai.com";
}

export function chatCompletionBody(model: string, request: CompletionRequest, options: ChatBodyOptions): ChatCompletionBody {
  const { sampling, responseSchema } = request;
  return {
    model,
    messages: request.messages.map(({ role, content }) => ({ role, content })),
    temperature: sampling.temperature,
    top_p: sampling.topP,
    frequency_penalty: sampling.frequencyPenalty,
    ...(options.sendsRepetitionPenalty && sampling.repetitionPenalty !== undefined ? { repetition_penalty: sampling.repetitionPenalty } : {}),
    max_tokens: sampling.maxTokens,
    seed: sampling.seed,
    ...(options.withSchema && responseSchema
      ? {
          response_format: {
            type: "json_schema" as const,
            json_schema: { name: responseSchema.name, schema: responseSchema.schema, strict: false },
          },
        }
      : {}),
  };
}

/**
 * The completion in a chat completion reply body, or the retryable EngineCallError of a reply that
 * holds none. `onNoUsage` is called when the reply reports no token usage (counted as 0).
 */
export function completionOfReply(body: unknown, ctx: CallContext, onNoUsage: () => void = () => {}): Omit<Completion, "attempts" | "limits"> {
  const invalid = (what: string): EngineCallError => malformedReply(what, ctx);
  // A body can be valid JSON and still not an object (a bare string from an odd proxy).
  if (typeof body !== "object" || body === null) throw invalid("reply that is not a JSON chat completion");
  const reply = body as ChatCompletion;
  const choice = reply.choices?.[0];
  if (!choice) throw invalid("empty reply (no choices)");
  const text = choice.message?.content;
  if (text === null || text === undefined) {
    const refusal = choice.message?.refusal;
    throw invalid(refusal ? `refusal (${refusal.slice(0, 200)})` : "empty reply (no content)");
  }
  return { text, usage: usageOf(reply.usage, onNoUsage), finishReason: choice.finish_reason ?? undefined };
}

function usageOf(usage: ChatCompletion["usage"], onNoUsage: () => void): TokenUsage {
  if (!usage) {
    onNoUsage();
    return { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 };
  }
  return {
    promptTokens: usage.prompt_tokens ?? 0,
    completionTokens: usage.completion_tokens ?? 0,
    cachedPromptTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
  };
}
