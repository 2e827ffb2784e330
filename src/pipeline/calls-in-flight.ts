import type { LanguageModel } from "../llm/port.js";

/**
 * Counts the calls made through a model that have not ended, outermost, so that "none" means
 * every reply has also been kept (the store commits a reply before handing it on).
 */
export class CallsInFlight {
  private count = 0;
  private waiting: Array<() => void> = [];

  of(model: LanguageModel): LanguageModel {
    return {
      description: model.description,
      modelId: model.modelId,
      complete: async (request) => {
        this.count++;
        try {
          return await model.complete(request);
        } finally {
          if (--this.count === 0) for (const resolve of this.waiting.splice(0)) resolve();
        }
      },
    };
  }

  /** Resolves when no call is in flight. */
  whenNone(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
