export interface StallWatchdog {
  /** Starts the count again: call it whenever progress is made. */
  arm(): void;
  /** Ends the watch for good. */
  stop(): void;
  /** Whether `onStall` was called. */
  readonly stalled: boolean;
}

/** Calls `onStall` once when `arm` has not been called for `ms` milliseconds since the last call. */
export function stallWatchdog(ms: number, onStall: () => void): StallWatchdog {
  let timer: NodeJS.Timeout | undefined;
  let stalled = false;
  return {
    arm() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        onStall();
      }, ms);
    },
    stop() {
      clearTimeout(timer);
    },
    get stalled() {
      return stalled;
    },
  };
}
