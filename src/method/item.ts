import type { RawReply } from "../llm/structured/complete-structured.js";
import type { Random } from "../random.js";
import type { Failure } from "./failure.js";
import type { Shot } from "./prompts.js";

/** An item on its way through answers and re-synthesis. */
export interface Item<F> {
  /** Position of the feature within its level, stable across rounds. */
  index: number;
  feature: F;
  instruction: string;
  /** Set once the item succeeded. */
  answer?: string;
  /** Set while the item has failed. */
  failure?: Failure;
  /**
   * Why its current instruction failed, kept when a re-synthesis reply then cannot be read: the
   * next round tells the model that reason, not the unreadable reply.
   */
  instructionFailure?: Failure;
  /** Re-synthesis rounds spent on it. */
  rounds: number;
  /** The last reply about it (its instruction or its answer), usable or not. */
  reply?: RawReply;
}

export const succeeded = <F>(item: Item<F>): boolean => item.answer !== undefined;

/**
 * Examples for re-synthesizing a failed item: up to `count` other items of the same document and
 * level that succeeded (answered, every rule kept), drawn at random. Failures are never shown as
 * examples.
 */
export function drawShots<F>(items: readonly Item<F>[], count: number, random: Random, show: (feature: F) => unknown): Shot[] {
  return random
    .sample(items.filter(succeeded), count)
    .map((item) => ({ feature: show(item.feature), instruction: item.instruction }));
}
