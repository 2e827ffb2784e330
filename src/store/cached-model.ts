import { createHash } from "node:crypto";
import type { Completion, CompletionRequest, LanguageModel } from "../llm/port.js";
import type { RunStore } from "./run-store.js";

/** The version of the prompts a request comes from, as their owner numbers them. */
export type PromptVersion = number | string;

export interface CachedModelOptions {
  /**
   * The version of the prompts whose requests go through this model: part of every key, so a
   * reply to an older wording of a prompt is not reused when the owner bumps it.
   */
  promptVersion: PromptVersion;
  /** Told of each reply answered from the store (or from an identical call in flight). */
  onReplay?: (completion: Completion) => void;
}

/**
 * The content address of a request: what changes the reply and nothing else (the version of the
 * prompts that made it, model, messages, sampling, schema); not concurrency, timeouts or the key.
 */
export function requestKey(promptVersion: PromptVersion, modelId: string, request: CompletionRequest): string {
  const { temperature, topP, frequencyPenalty, repetitionPenalty, maxTokens, seed } = request.sampling;
  const identity = [
    promptVersion,
    modelId,
    request.messages.map((m) => [m.role, m.content]),
    // The repetition penalty joins the key only when set, so that the keys of earlier stores still match.
    [temperature ?? null, topP ?? null, frequencyPenalty ?? null, maxTokens ?? null, seed ?? null, ...(repetitionPenalty !== undefined ? [repetitionPenalty] : [])],
    request.responseSchema ? [request.responseSchema.name, request.responseSchema.schema] : null,
  ];
  return createHash("sha256").update(JSON.stringify(identity)).digest("base64url");
}

/**
 * A model that answers from the store when it has seen the request before, and otherwise asks
 * the model and commits the reply to the store before handing it on. An identical request made
 * while the first is still in flight waits for that one instead of paying again.
 */
export function cachedModel(model: LanguageModel, store: RunStore, options: CachedModelOptions): LanguageModel {
  const { promptVersion, onReplay = () => {} } = options;
  const inFlight = new Map<string, Promise<Completion>>();
  return {
    description: model.description,
    modelId: model.modelId,
    complete: async (request) => {
      const key = requestKey(promptVersion, model.modelId, request);
      const stored = store.getReply(key);
      if (stored) {
        const completion: Completion = {
          text: stored.text,
          usage: { promptTokens: stored.promptTokens, completionTokens: stored.completionTokens, cachedPromptTokens: stored.cachedPromptTokens },
          finishReason: stored.finishReason,
          attempts: 0,
        };
        onReplay(completion);
        return completion;
      }
      const pending = inFlight.get(key);
      if (pending) {
        const completion = { ...(await pending), attempts: 0 };
        onReplay(completion);
        return completion;
      }
      const call = model
        .complete(request)
        .then((completion) => {
          store.putReply(key, request.responseSchema?.name ?? "text", completion);
          return completion;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, call);
      return call;
    },
  };
}
