/**
 * The LanguageModel engine for any OpenAI-compatible chat completions endpoint (OpenAI, vLLM,
 * Ollama, llama.cpp server, ...). It speaks HTTP itself over keep-alive connections (postApi);
 * from the `openai` package it takes only the wire types, so none of the SDK runs: measured
 * against the simulator, the SDK's request path cost about 0.6 ms of CPU per call, more than the
 * rest of the pipeline and the sockets together, and its transport cannot give today's behaviour
 * (see postApi). `withRetries` owns every retry.
 */
import { EngineCallError } from "../../errors.js";
import { apiHeaders, postApi, endpointUrl } from "./api-request.js";
import { acceptsRepetitionPenalty, chatCompletionBody, completionOfReply, type ChatCompletionBody } from "./chat-body.js";
import type { CallContext } from "./classify-error.js";
import type { Completion, CompletionRequest, LanguageModel } from "../port.js";
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
  const sendsRepetitionPenalty = acceptsRepetitionPenalty(endpoint);

  /** The body sent for a request; warns once when a repetition penalty cannot be sent. */
  function bodyOf(request: CompletionRequest, withSchema: boolean): ChatCompletionBody {
    const penalty = request.sampling.repetitionPenalty;
    if (penalty !== undefined && !sendsRepetitionPenalty && !warnedNoPenalty) {
      warnedNoPenalty = true;
      warn(`${description}: OpenAI's API takes no repetition_penalty; answering without the repetition penalty ${penalty}`);
    }
    return chatCompletionBody(options.model, request, { withSchema, sendsRepetitionPenalty });
  }

  /** One HTTP request, turned into a completion or a classified EngineCallError. */
  async function sendOnce(request: CompletionRequest, withSchema: boolean): Promise<Omit<Completion, "attempts">> {
    const id = options.requests?.sent();
    try {
      const reply = await postApi(endpoint, bodyOf(request, withSchema), {
        headers,
        timeoutMs,
        ...(request.signal ? { signal: request.signal } : {}),
        ctx,
        description,
      });
      const completion = { ...completionOfReply(reply.body, ctx, noUsage), ...(reply.limits ? { limits: reply.limits } : {}) };
      if (id !== undefined) options.requests?.ended(id);
      return completion;
    } catch (error) {
      if (id !== undefined) options.requests?.ended(id, error instanceof EngineCallError ? error : undefined);
      throw error;
    }
  }

  function noUsage(): void {
    if (warnedNoUsage) return;
    warnedNoUsage = true;
    warn(`${description} reports no token usage; counting its tokens as 0`);
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
