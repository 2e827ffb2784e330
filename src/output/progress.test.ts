import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { barLine, compactCount, createProgress, formatDuration, progressLine, type ProgressSnapshot } from "./progress.js";

/** A stream that keeps what is written to it; `isTTY` as a terminal would set it. */
function fakeStream(isTTY = false): Writable & { text: () => string; isTTY?: boolean; columns?: number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  // Writable.write is asynchronous only in its callback; the chunk is handed to write() at once.
  return Object.assign(stream, { text: () => chunks.join(""), ...(isTTY ? { isTTY: true, columns: 200 } : {}) });
}

function fakeClock(start = 1_000_000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

const snapshot = (startedAt: number, more: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  documentsDone: 120,
  documentsFailed: 0,
  documentsTotal: 480,
  items: 2811,
  calls: 3410,
  promptTokens: 1_000_000,
  completionTokens: 200_000,
  costUsd: 0.84,
  startedAt,
  ...more,
});

describe("formatting", () => {
  it("shortens counts and durations", () => {
    expect(compactCount(512)).toBe("512");
    expect(compactCount(12_345)).toBe("12.3k");
    expect(compactCount(845_000)).toBe("845k");
    expect(compactCount(1_200_000)).toBe("1.2M");
    expect(compactCount(999_999)).toBe("1M");
    expect(compactCount(3_000_000_000)).toBe("3B");
    expect(formatDuration(45_000)).toBe("45 s");
    expect(formatDuration(6 * 60_000)).toBe("6 min");
    expect(formatDuration(125 * 60_000)).toBe("2 h 05 min");
  });

  it("writes the documented plain line", () => {
    // The pace of the last seconds gives the rate and the time left.
    const line = progressLine(snapshot(0), 82_770, { callsPerSecond: 41.2, remainingMs: 6 * 60_000 });
    expect(line).toBe("progress: 120/480 documents, 2,811 items, 3,410 calls (41.2/s), 1.2M tokens, $0.84, ETA 6 min");
  });

  it("without a pace, gives the average rate since the start and no ETA", () => {
    // 3,410 calls in 82.77 s is 41.2 calls per second.
    expect(progressLine(snapshot(0), 82_770)).toBe("progress: 120/480 documents, 2,811 items, 3,410 calls (41.2/s), 1.2M tokens, $0.84");
    expect(progressLine(snapshot(0), 82_770, { callsPerSecond: 12 })).toBe("progress: 120/480 documents, 2,811 items, 3,410 calls (12.0/s), 1.2M tokens, $0.84");
  });

  it("gives no ETA once every document is processed", () => {
    expect(progressLine(snapshot(0, { documentsDone: 480 }), 82_770, { callsPerSecond: 41.2, remainingMs: 5_000 })).not.toContain("ETA");
  });

  it("leaves out what is not known, and shows failed documents", () => {
    const line = progressLine(snapshot(0, { documentsTotal: undefined, costUsd: undefined, documentsFailed: 3 }), 10_000);
    expect(line).toBe("progress: 123 documents (3 failed), 2,811 items, 3,410 calls (341.0/s), 1.2M tokens");
  });
});

describe("calls waiting for a reply (a server that hangs)", () => {
  it("shows how many and how long the oldest has waited, on the plain line and the bar", () => {
    const s = snapshot(0, { documentsDone: 0, items: 0, calls: 0, promptTokens: 0, completionTokens: 0, costUsd: undefined, waiting: { calls: 32, oldestMs: 125_000 } });
    expect(progressLine(s, 130_000)).toBe("progress: 0/480 documents, 0 items, 0 calls (0.0/s), 32 waiting for a reply, the oldest for 2 min, 0 tokens");
    expect(barLine(s, 130_000, 80)).toBe("0/480 documents | 0 items | 0.0 calls/s | 32 waiting for a reply, the oldest for 2 min | 0 tokens");
  });
});

describe("barLine", () => {
  it("puts the figures first and gives the bar only the room that is left", () => {
    const s = snapshot(0, { documentsDone: 240 });
    const pace = { callsPerSecond: 341, remainingMs: 10_000 };
    const text = "240/480 documents | 2,811 items | 341.0 calls/s | 1.2M tokens | $0.84 | ETA 10 s";
    expect(barLine(s, 10_000, 200, pace)).toBe(`${"█".repeat(15)}${"░".repeat(15)} ${text}`);
    expect(barLine(s, 10_000, text.length + 12, pace)).toBe(`${"█".repeat(5)}${"░".repeat(5)} ${text}`);
    expect(barLine(s, 10_000, 80, pace)).toBe(text);
  });
});

describe("createProgress, not a terminal", () => {
  it("prints at most one line per interval, and the final state at stop", () => {
    const stream = fakeStream();
    const clock = fakeClock();
    const progress = createProgress({ stream, isTTY: false, quiet: false, intervalMs: 5000, now: clock.now });
    const start = clock.now();
    progress.update(snapshot(start, { documentsDone: 1 }));
    expect(stream.text()).toBe(""); // nothing before the first interval
    clock.advance(5000);
    progress.update(snapshot(start, { documentsDone: 2 }));
    clock.advance(1000);
    progress.update(snapshot(start, { documentsDone: 3 }));
    clock.advance(1000);
    progress.update(snapshot(start, { documentsDone: 4 }));
    let lines = stream.text().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^progress: 2\/480 documents/);
    clock.advance(3000);
    progress.update(snapshot(start, { documentsDone: 5 }));
    progress.stop();
    progress.stop();
    lines = stream.text().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^progress: 5\/480 documents/);
  });

  it("prints the last state at stop when it was not printed yet", () => {
    const stream = fakeStream();
    const clock = fakeClock();
    const progress = createProgress({ stream, isTTY: false, quiet: false, now: clock.now });
    const start = clock.now();
    clock.advance(1000);
    progress.update(snapshot(start, { documentsDone: 480 }));
    progress.log("warning: something");
    progress.stop();
    progress.update(snapshot(start));
    // All done: no ETA.
    expect(stream.text()).toBe("warning: something\nprogress: 480/480 documents, 2,811 items, 3,410 calls (3,410.0/s), 1.2M tokens, $0.84\n");
  });

  it("prints nothing at stop when nothing happened", () => {
    const stream = fakeStream();
    createProgress({ stream, isTTY: false, quiet: false }).stop();
    expect(stream.text()).toBe("");
  });
});

describe("the ETA of a run whose documents all finish near the end", () => {
  it("comes from the calls left and the recent pace, not from the documents done", () => {
    const stream = fakeStream();
    const clock = fakeClock();
    const progress = createProgress({ stream, isTTY: false, quiet: false, intervalMs: 5000, now: clock.now });
    const start = clock.now();
    // 48 documents side by side, 910 calls planned, 40 calls a second, one document finished early.
    for (let tick = 0; tick <= 80; tick++) {
      const calls = tick * 10;
      progress.update(snapshot(start, { documentsDone: tick >= 8 ? 1 : 0, documentsTotal: 48, items: 0, calls, callsDone: calls, callsPlanned: 910 }));
      clock.advance(250);
    }
    progress.stop();
    const etas = stream.text().trim().split("\n").map((line) => /ETA (.+)$/.exec(line)?.[1]);
    // At 5 s: 200 calls done, 710 left at 40 a second; at 10 s and 15 s, 510 and 310 left; at 20 s, 110.
    // Counting by documents, 1 done in 5 s would have said 47 x 5 s = 4 min.
    expect(etas).toEqual(["18 s", "13 s", "8 s", "3 s"]);
  });
});

describe("createProgress, quiet", () => {
  it("prints nothing at all", () => {
    const stream = fakeStream(true);
    const clock = fakeClock();
    const progress = createProgress({ stream, isTTY: true, quiet: true, now: clock.now });
    progress.update(snapshot(clock.now()));
    clock.advance(60_000);
    progress.update(snapshot(clock.now()));
    progress.log("hidden");
    progress.stop();
    expect(stream.text()).toBe("");
  });
});

describe("createProgress, on a terminal", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("redraws a bar a few times a second and leaves the final state on stop", () => {
    vi.useFakeTimers();
    const stream = fakeStream(true);
    const clock = fakeClock();
    const progress = createProgress({ stream, isTTY: true, quiet: false, now: clock.now });
    const start = clock.now();
    const plan = { callsPlanned: 12_000 };
    progress.update(snapshot(start, { documentsDone: 100, calls: 2_000, callsDone: 2_000, ...plan }));
    clock.advance(10_000);
    // 1,000 calls in 10 s: 100 a second, and 9,000 calls left.
    progress.update(snapshot(start, { documentsDone: 120, calls: 3_000, callsDone: 3_000, ...plan }));
    expect(stream.text()).not.toContain("documents"); // not drawn on every update
    vi.advanceTimersByTime(300);
    expect(stream.text()).toContain("120/480 documents | 2,811 items | 100.0 calls/s | 1.2M tokens | $0.84 | ETA 2 min");
    expect(stream.text()).toMatch(/█{8}░{22} 120\/480/);

    progress.log("warning: a skipped record");
    progress.update(snapshot(start, { documentsDone: 480 }));
    progress.stop();
    const text = stream.text();
    expect(text).toContain("warning: a skipped record\n");
    expect(text).toMatch(/█{30} 480\/480 documents/);
    expect(text.endsWith("\n")).toBe(true);
    // Stopped: no timer keeps the process alive, and later calls print nothing.
    expect(vi.getTimerCount()).toBe(0);
    const length = text.length;
    progress.update(snapshot(start));
    progress.stop();
    vi.advanceTimersByTime(1000);
    expect(stream.text().length).toBe(length);
  });

  it("shows counts without a bar while the total is unknown", () => {
    vi.useFakeTimers();
    const stream = fakeStream(true);
    const clock = fakeClock();
    const progress = createProgress({ stream, isTTY: true, quiet: false, now: clock.now });
    progress.update(snapshot(clock.now(), { documentsTotal: undefined, costUsd: undefined }));
    progress.stop();
    expect(stream.text()).toContain("120 documents | 2,811 items");
    expect(stream.text()).not.toContain("█");
    expect(stream.text()).not.toContain("ETA");
  });
});
