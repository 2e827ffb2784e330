import type { CompletionRequest, LanguageModel } from "../llm/port.js";

/**
 * The model as one kind of call of one document sees it: its calls wait for a place with this
 * priority, and say which re-synthesis round they belong to.
 */
export function prioritized(model: LanguageModel, priority: NonNullable<CompletionRequest["priority"]>, round = 0): LanguageModel {
  return {
    description: model.description,
    modelId: model.modelId,
    complete: (request) => model.complete({ ...request, priority, ...(round > 0 ? { round } : {}) }),
  };
}
