import type { RawReply } from "../llm/structured/complete-structured.js";
import type { CollectedFeatures } from "./collect-features.js";
import type { DocumentContext } from "./context.js";
import type { Failure } from "./failure.js";
import type { Level } from "./levels.js";

/**
 * What makes a level different from the others: how it finds its features, how it turns them into
 * instructions, and which rule an instruction must keep. Answers and re-synthesis are shared.
 */
export interface LevelPlan<F> {
  level: Level;
  /**
   * Up to `budget` features of the document; fewer when the document does not have them, or when an
   * extraction reply stayed unusable (`cutOff`).
   */
  extract(ctx: DocumentContext): Promise<CollectedFeatures<F>>;
  /** One instruction per feature, in order, with the reply they came in. */
  synthesize(ctx: DocumentContext, features: readonly F[]): Promise<{ instructions: string[]; reply: RawReply }>;
  /** Why the instruction breaks this level's rule for its feature, or undefined. */
  ruleBroken(instruction: string, feature: F): Failure | undefined;
  /** Why the answer breaks this level's rule for its feature, or undefined; levels without a rule for answers leave it out. */
  answerBroken?(answer: string, feature: F): Failure | undefined;
  /** The feature as shown to the model in a re-synthesis prompt. */
  promptFeature(feature: F): unknown;
  /** The feature as the record's `features` field. */
  recordFeatures(feature: F): string[];
  /** Offsets of the feature in the document, for levels that have them. */
  offsets?(feature: F): Array<[number, number]>;
}
