import { UnusableReplyError } from "../errors.js";
import type { DocumentContext } from "./context.js";

/** One request for features: what came back, split into accepted and rejected candidates. */
export interface FeatureBatch<F> {
  accepted: F[];
  rejected: string[];
}

/** The features found, and whether the search ended on an extraction reply that stayed unusable (cut off, unreadable). */
export interface CollectedFeatures<F> {
  features: F[];
  /** True when the last request's reply stayed unusable after its re-asks: what is missing was lost to it, not absent from the document. */
  cutOff: boolean;
}

/**
 * Ask for `count` features, then ask again for the ones still missing (showing what was already
 * chosen and what was rejected) up to `settings.extraExtractionAsks` times, stopping early when a
 * request brings nothing new. Returns at most `count` features. A request whose reply stays
 * unusable after its re-asks ends the search with what was found so far: the level is short, the
 * document is not lost.
 */
export async function collectFeatures<F>(
  ctx: DocumentContext,
  count: number,
  request: (missing: number, chosen: readonly F[], rejected: readonly string[]) => Promise<FeatureBatch<F>>,
): Promise<CollectedFeatures<F>> {
  const chosen: F[] = [];
  const rejected: string[] = [];
  for (let attempt = 0; attempt <= ctx.settings.extraExtractionAsks && chosen.length < count; attempt++) {
    let batch: FeatureBatch<F>;
    try {
      batch = await request(count - chosen.length, chosen, rejected);
    } catch (error) {
      if (error instanceof UnusableReplyError) return { features: chosen, cutOff: true };
      throw error;
    }
    const newRejections = batch.rejected.filter((r) => !rejected.includes(r));
    chosen.push(...batch.accepted.slice(0, count - chosen.length));
    rejected.push(...newRejections);
    if (batch.accepted.length === 0 && newRejections.length === 0) break;
  }
  return { features: chosen, cutOff: false };
}
