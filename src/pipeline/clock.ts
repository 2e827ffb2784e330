import { sleepWithSignal } from "../llm/http/retry.js";

/** Time as the scheduler sees it: injected, so that tests can move it by hand. */
export interface Clock {
  /** Milliseconds on a clock that never goes back. */
  now(): number;
  /** Waits `ms`; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => performance.now(), sleep: sleepWithSignal };
