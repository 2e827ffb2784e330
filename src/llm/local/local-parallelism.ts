import os from "node:os";

/**
 * Sequences the local engine generates at once by default: one per two cores, between 1 and 4
 * (beyond that, more sequences mostly cost memory). Apart from the engine so that reading it does
 * not load llama.cpp.
 */
export function defaultParallel(cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(4, Math.floor(cores / 2)));
}
