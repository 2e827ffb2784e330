import type PQueue from "p-queue";
import type { Completion, CompletionRequest, LanguageModel } from "../llm/port.js";
import type { RunStats } from "./run-stats.js";

/**
 * The model as one document sees it: every call waits for a place under the run's one concurrency
 * limit (earlier documents first, so output streams in order), and is counted in the run's stats.
 */
export function scheduledModel(model: LanguageModel, queue: PQueue, priority: number, stats: RunStats): LanguageModel {
  return {
    description: model.description,
    modelId: model.modelId,
    complete: async (request: CompletionRequest): Promise<Completion> => {
      const completion = await queue.add(
        () => {
          stats.maxInFlight = Math.max(stats.maxInFlight, queue.pending);
          return model.complete(request);
        },
        { priority, ...(request.signal ? { signal: request.signal } : {}) },
      );
      stats.calls++;
      stats.transportRetries += completion.attempts - 1;
      stats.promptTokens += completion.usage.promptTokens;
      stats.completionTokens += completion.usage.completionTokens;
      stats.cachedPromptTokens += completion.usage.cachedPromptTokens;
      return completion;
    },
  };
}
