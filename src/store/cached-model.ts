import { createHash } from "node:crypto";
import type { Completion, CompletionRequest, LanguageModel } from "../llm/port.js";
import { PROMPT_VERSION } from "../method/prompts.js";
import type { RunStore } from "./run-store.js";

/**
 * The content address of a request: what changes the reply and nothing else (model, messages,
 * sampling, schema, prompt version); not concurrency, timeouts or the key.
 */
export function requestKey(modelId: string, request: CompletionRequest): string {
  const { temperature, topP, frequencyPenalty, maxTokens, seed } = request.sampling;
  const identity = [
    PROMPT_VERSION,
    modelId,
    request.messages.map((m) => [m.role, m.content]),
    [temperature ?? null, topP ?? null, frequencyPenalty ?? null, maxTokens ?? null, seed ?? null],
    request.responseSchema ? [request.responseSchema.name, request.responseSchema.schema] : null,
  ];
  return createHash("sha256").update(JSON.stringify(identity)).digest("base64url");
}

/**
 * A model that answers from the store when it has seen the request before, and otherwise asks
 * the model and commits the reply to the store before handing it on. An identical request made
 * while the first is still in flight waits for that one instead of paying again.
 */
export function cachedModel(model: LanguageModel, store: RunStore, onReplay: (completion: Completion) => void): LanguageModel {
  const inFlight = new Map<string, Promise<Completion>>();
  return {
    description: model.description,
    modelId: model.modelId,
    complete: async (request) => {
      const key = requestKey(model.modelId, request);
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
