import type PQueue from "p-queue";
import type { Completion, CompletionRequest, LanguageModel } from "../llm/port.js";
import type { RunStats } from "./run-stats.js";

/**
 * The model as one kind of call of one document sees it: every call waits for a place under the
 * run's one concurrency limit, served by priority.
 */
export function scheduledModel(model: LanguageModel, queue: PQueue, priority: number, stats: RunStats): LanguageModel {
  return {
    description: model.description,
    modelId: model.modelId,
    // The run's signal is checked by the gate when the call gets its place rather than handed to
    // the queue: a listener per queued call on the run's one signal would pile up by the thousand.
    complete: (request: CompletionRequest): Promise<Completion> =>
      queue.add(
        () => {
          stats.maxInFlight = Math.max(stats.maxInFlight, queue.pending);
          return model.complete(request);
        },
        { priority },
      ),
  };
}
