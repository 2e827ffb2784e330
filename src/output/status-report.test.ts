import { describe, expect, it } from "vitest";
import type { RunStatus } from "../run/store-tools.js";
import type { BatchRecord } from "../store/run-store.js";
import { formatAge, formatBatches, formatStatus } from "./status-report.js";

const HOUR = 3_600_000;
const NOW = 1_700_000_000_000;

const batch = (over: Partial<BatchRecord>): BatchRecord => ({
  id: "batch_a",
  wave: 0,
  label: "micro extraction",
  service: "https://api.example/v1",
  inputFileId: "file-a",
  status: "in_progress",
  submittedAt: NOW - 2 * HOUR - 5 * 60_000,
  updatedAt: NOW,
  lines: 500,
  answered: 0,
  ...over,
});

describe("formatBatches", () => {
  it("shows each wave's batches with status, counts, age and lines left, or that they were collected", () => {
    const lines = formatBatches(
      [
        batch({ id: "batch_a", status: "completed", counts: { total: 500, completed: 497, failed: 3 }, answered: 497, collectedAt: NOW - HOUR }),
        batch({ id: "batch_b", counts: { total: 400, completed: 120, failed: 2 }, lines: 400, answered: 0, submittedAt: NOW - 12 * 60_000 }),
        batch({ id: "batch_long_id", wave: 1, label: "micro synthesis", status: "validating", lines: 1, answered: 0, submittedAt: NOW - 45_000 }),
        batch({ id: "batch_c", wave: 0, status: "expired", error: "not done within 24h", lines: 3, answered: 1, submittedAt: NOW - 27 * HOUR }),
      ],
      NOW,
    );
    expect(lines).toEqual([
      "Batches: 4 (3 open)",
      "  wave 0 (micro extraction): 3 batches, 903 lines, 405 not answered yet",
      "    batch_a        completed    done 497/500, failed 3, age 2h 05m, collected",
      "    batch_b        in_progress  done 120/400, failed 2, age 12m, 400 left",
      "    batch_c        expired      no counts yet, age 1d 3h, 2 left: not done within 24h",
      "  wave 1 (micro synthesis): 1 batch, 1 line, 1 not answered yet",
      "    batch_long_id  validating   no counts yet, age 45s, 1 left",
    ]);
  });

  it("shows nothing for a run that never batched", () => {
    expect(formatBatches([], NOW)).toEqual([]);
  });

  it("writes ages for people", () => {
    expect([0, 59_999, 60_000, HOUR - 1, HOUR, 24 * HOUR + 90 * 60_000, -5].map(formatAge)).toEqual(["0s", "59s", "1m", "59m", "1h 00m", "1d 1h", "0s"]);
  });
});

describe("formatStatus", () => {
  const none = { replies: 0, promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 };
  const status = (over: Partial<RunStatus>): RunStatus => ({
    documents: { running: 0, done: 1, failed: 0 },
    levels: {},
    replies: 10,
    promptTokens: 1000,
    completionTokens: 200,
    cachedPromptTokens: 0,
    batched: none,
    config: undefined,
    counts: { levels: {}, droppedReasons: {} },
    thin: false,
    batches: [],
    pendingBatches: 0,
    ...over,
  });

  it("splits the cost live and batched when replies came from batches, with the batches by wave", () => {
    const text = formatStatus(
      "run.db",
      status({
        batched: { replies: 6, promptTokens: 600, completionTokens: 100, cachedPromptTokens: 0 },
        costUsd: 1.5,
        cost: { liveUsd: 1, batchUsd: 0.5, totalUsd: 1.5 },
        batches: [batch({ status: "completed", lines: 6, answered: 6, collectedAt: NOW })],
      }),
      NOW,
    );
    expect(text).toContain("Batches: 1 (0 open)\n  wave 0 (micro extraction): 1 batch, 6 lines, 0 not answered yet\n    batch_a  completed  no counts yet, age 2h 05m, collected");
    expect(text).toContain("LLM replies stored: 10 (6 from batches)");
    expect(text).toContain("Cost: $1.50 ($1.00 live, $0.50 batched at the batch price)");
  });

  it("names batches a stopped run was creating", () => {
    const text = formatStatus("run.db", status({ pendingBatches: 1 }), NOW);
    expect(text).toContain("1 batch being created when a run stopped: the next run finds it at the service or makes it from the uploaded file");
  });

  it("says no more than before for a run without batches", () => {
    const text = formatStatus("run.db", status({ costUsd: 1, cost: { liveUsd: 1, batchUsd: 0, totalUsd: 1 } }), NOW);
    expect(text).not.toContain("Batches");
    expect(text).toContain("LLM replies stored: 10\n");
    expect(text).toMatch(/Cost: \$1\.00$/);
  });
});
