/**
 * The LanguageModel engine for any OpenAI-compatible chat completions endpoint (OpenAI, vLLM,
 * Ollama, llama.cpp server, ...). It speaks HTTP itself over keep-alive connections (postApi);
 * from the `openai` package it takes only the wire types, so none of the SDK runs: measured
 * against the simulator, the SDK's request path cost about 0.6 ms of CPU per call, more than the
 * rest of the pipeline and the sockets together, and its transport cannot give today's behaviour
 * (see postApi). `withRetries` owns every retry.
 */
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { EngineCallError } from "../../errors.js";
import { apiHeaders, malformedReply, postApi, endpointUrl } from "./api-request.js";
import type { CallContext } from "./classify-error.js";
import type { Completion, CompletionRequest, LanguageModel, TokenUsage } from "../port.js";
import type { RequestTracker } from "./request-tracker.js";
import { withRetries, type RetryPolicy } from "./retry.js";

export const DEFAULT_BASE_URL = "https://api.openai.com/v1";

export interface OpenAIEngineOptions {
  /** Endpoint root, up to and including `/v1`. Default "https://api.openai.com/v1". */
  baseURL?: string;
  /** Bearer key. Optional: local servers need none. The environment is not read here. */
  apiKey?: string;
  /** Model name sent with every request. */
  model: string;
  /** Limit for one HTTP request, reply body included, in milliseconds. Default 120000. */
  timeoutMs?: number;
  /** Transport retry settings; the abort signal always comes from the request. */
  retry?: Omit<Partial<RetryPolicy>, "signal">;
  /**
   * "json_schema" sends `response_format` json_schema when a request has a schema; "none" never
   * does. Default "json_schema"; switched to "none" if the server rejects it.
   */
  structuredOutput?: "json_schema" | "none";
  /** Receives notes about server quirks (no schema support, no usage). Default: ignored. */
  onWarning?: (message: string) => void;
  /** Counts every HTTP request sent, failed ones too, and knows those still waiting. */
  requests?: RequestTracker;
}

export function createOpenAIEngine(options: OpenAIEngineOptions): LanguageModel {
  const baseURL = (options.baseURL ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 120_000;
  const warn = options.onWarning ?? (() => {});
  const ctx: CallContext = { url: baseURL, model: options.model, timeoutMs };
  const description = `model "${options.model}" at ${baseURL}`;
  let structuredOutput = options.structuredOutput ?? "json_schema";
  let warnedNoUsage = false;
  let warnedNoPenalty = false;

  const endpoint = endpointUrl(baseURL, "chat/completions");
  const headers = apiHeaders(options.apiKey);
  // OpenAI's API answers 400 "Unrecognized request argument supplied" to a field it does not know.
  const sendsRepetitionPenalty = endpoint.hostname !== "api.openai.com";

  function repetitionPenalty(penalty: number | undefined): { repetition_penalty?: number } {
    if (penalty === undefined) return {};
    if (sendsRepetitionPenalty) return { repetition_penalty: penalty };
    if (!warnedNoPenalty) {
      warnedNoPenalty = true;
      warn(`${description}: OpenAI's API takes no repetition_penalty; answering without the repetition penalty ${penalty}`);
    }
    return {};
  }

  function buildBody(request: CompletionRequest, withSchema: boolean): ChatCompletionCreateParamsNonStreaming & { repetition_penalty?: number } {
    const { sampling, responseSchema } = request;
    return {
      model: options.model,
      messages: request.messages.map(({ role, content }) => ({ role, content })),
      temperature: sampling.temperature,
      top_p: sampling.topP,
      frequency_penalty: sampling.frequencyPenalty,
      // Not OpenAI's: vLLM and SGLang read it; never sent to api.openai.com, which rejects it.
      ...repetitionPenalty(sampling.repetitionPenalty),
      max_tokens: sampling.maxTokens,
      seed: sampling.seed,
      ...(withSchema && responseSchema
        ? {
            response_format: {
              type: "json_schema" as const,
              json_schema: { name: responseSchema.name, schema: responseSchema.schema, strict: false },
            },
          }
        : {}),
    };
  }

  /** One HTTP request, turned into a completion or a classified EngineCallError. */
  async function sendOnce(request: CompletionRequest, withSchema: boolean): Promise<Omit<Completion, "attempts">> {
    const id = options.requests?.sent();
    try {
      const reply = await postApi(endpoint, buildBody(request, withSchema), {
        headers,
        timeoutMs,
        ...(request.signal ? { signal: request.signal } : {}),
        ctx,
        description,
      });
      const completion = { ...readReply(reply.body as ChatCompletion), ...(reply.limits ? { limits: reply.limits } : {}) };
      if (id !== undefined) options.requests?.ended(id);
      return completion;
    } catch (error) {
      if (id !== undefined) options.requests?.ended(id, error instanceof EngineCallError ? error : undefined);
      throw error;
    }
  }

  function readReply(reply: ChatCompletion): Omit<Completion, "attempts"> {
    const invalid = (what: string) => malformedReply(what, ctx);
    // A body can be valid JSON and still not an object (a bare string from an odd proxy).
    if (typeof reply !== "object" || reply === null) throw invalid("reply that is not a JSON chat completion");
    const choice = reply.choices?.[0];
    if (!choice) throw invalid("empty reply (no choices)");
    const text = choice.message?.content;
    if (text === null || text === undefined) {
      const refusal = choice.message?.refusal;
      throw invalid(refusal ? `refusal (${refusal.slice(0, 200)})` : "empty reply (no content)");
    }
    return { text, usage: readUsage(reply.usage), finishReason: choice.finish_reason ?? undefined };
  }

  function readUsage(usage: ChatCompletion["usage"]): TokenUsage {
    if (!usage) {
      if (!warnedNoUsage) {
        warnedNoUsage = true;
        warn(`${description} reports no token usage; counting its tokens as 0`);
      }
      return { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 };
    }
    return {
      promptTokens: usage.prompt_tokens ?? 0,
      completionTokens: usage.completion_tokens ?? 0,
      cachedPromptTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    };
  }

  return {
    description,
    modelId: options.model,
    async complete(request: CompletionRequest): Promise<Completion> {
      let sent = 0;
      const { value } = await withRetries(
        async () => {
          const withSchema = request.responseSchema !== undefined && structuredOutput === "json_schema";
          sent++;
          try {
            return await sendOnce(request, withSchema);
          } catch (error) {
            if (!withSchema || !rejectsSchema(error)) throw error;
            if (structuredOutput === "json_schema") {
              structuredOutput = "none";
              warn(`${description} does not accept response_format json_schema (${error.message}); sending requests without a schema from now on`);
            }
            sent++;
            return await sendOnce(request, false);
          }
        },
        {
          ...options.retry,
          signal: request.signal,
          onRetry: (info) => {
            options.requests?.retried(info.delayMs);
            options.retry?.onRetry?.(info);
          },
        },
      );
      return { ...value, attempts: sent };
    },
  };
}

/** A 400/422 whose text says the server cannot handle the structured-output request. */
function rejectsSchema(error: unknown): error is EngineCallError {
  return (
    error instanceof EngineCallError &&
    (error.details.status === 400 || error.details.status === 422) &&
    /response_format|json_schema|guided_json|structured output/i.test(error.message)
  );
}
