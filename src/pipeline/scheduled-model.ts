import type PQueue from "p-queue";
import { AbortedError } from "../errors.js";
import type { Completion, CompletionRequest, LanguageModel } from "../llm/port.js";
import type { RunStats } from "./run-stats.js";

/**
 * The model as one kind of call of one document sees it: every call waits for a place under the
 * run's one concurrency limit, served by priority, and is counted in the run's stats.
 */
export function scheduledModel(model: LanguageModel, queue: PQueue, priority: number, stats: RunStats): LanguageModel {
  return {
    description: model.description,
    modelId: model.modelId,
    complete: async (request: CompletionRequest): Promise<Completion> => {
      // The signal is checked when the call gets its place rather than handed to the queue: a
      // listener per queued call on the run's one signal would pile up by the thousand.
      const completion = await queue.add(
        () => {
          if (request.signal?.aborted) throw new AbortedError("stopped before the call was sent");
          stats.maxInFlight = Math.max(stats.maxInFlight, queue.pending);
          return model.complete(request);
        },
        { priority },
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
