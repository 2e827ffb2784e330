import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { stallWatchdog } from "./stall-watchdog.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("stallWatchdog", () => {
  it("fires once when no progress comes for the whole period after the last arm", () => {
    const onStall = vi.fn();
    const watchdog = stallWatchdog(1000, onStall);
    watchdog.arm();
    vi.advanceTimersByTime(900);
    watchdog.arm();
    vi.advanceTimersByTime(900);
    expect(onStall).not.toHaveBeenCalled();
    expect(watchdog.stalled).toBe(false);
    vi.advanceTimersByTime(100);
    expect(onStall).toHaveBeenCalledTimes(1);
    expect(watchdog.stalled).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(onStall).toHaveBeenCalledTimes(1);
  });

  it("never fires before the first arm, nor after stop", () => {
    const onStall = vi.fn();
    const watchdog = stallWatchdog(1000, onStall);
    vi.advanceTimersByTime(5000);
    watchdog.arm();
    watchdog.stop();
    vi.advanceTimersByTime(5000);
    expect(onStall).not.toHaveBeenCalled();
    expect(watchdog.stalled).toBe(false);
  });
});
