import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { formatStatus } from "../output/status-report.js";
import { storedLevel } from "../pipeline/stored-level.js";
import type { LevelOutcome } from "../method/run-level.js";
import { RunStore } from "../store/run-store.js";
import { runStatus } from "./store-tools.js";

const doc = (n: number) => ({ key: `k${n}`, index: n, sourceId: `c.jsonl:${n + 1}` });

/** A micro outcome as an older foveate stored it: no notYielded, lostToUnusable or unusableExtractions. */
const oldOutcome = (n: number) =>
  ({
    level: "micro",
    budget: 4,
    features: 3,
    records: [
      { instruction: "a?", output: "a", article_index: n, level: "micro", features: ["a"], resynthesized: true, rounds: 1, source_id: doc(n).sourceId },
      { instruction: "b?", output: "b", article_index: n, level: "micro", features: ["b"], resynthesized: false, rounds: 0, source_id: doc(n).sourceId },
    ],
    dropped: [{ features: ["c"], instruction: "c?", failure: "unanswerable", rounds: 5 }],
    recovered: 1,
    chain: 3,
  }) as LevelOutcome;

describe("runStatus", () => {
  it("counts the finished documents' stored outcomes, taking counts an older store lacks as 0 and saying so", () => {
    const path = join(tempDir("foveate-status-"), "s.db");
    const store = RunStore.open(path);
    for (const n of [0, 1]) {
      store.startDocument(doc(n));
      store.saveLevel(doc(n), storedLevel(doc(n), oldOutcome(n)));
    }
    store.finishDocument(doc(0)); // the second stays unfinished and is not counted
    store.close();

    const status = runStatus(path);
    expect(status.counts).toEqual({
      levels: {
        micro: {
          budget: 4, features: 3, notYielded: 0, lostToUnusable: 0, unusableExtractions: 0,
          kept: 2, dropped: 1, droppedReasons: { unanswerable: 1 }, resynthesized: 2, recovered: 1,
        },
      },
      droppedReasons: { unanswerable: 1 },
    });
    expect(status.thin).toBe(false);
    const text = formatStatus(path, status);
    expect(text).toContain("Not found, for a reason the run store does not keep (stored by an older foveate): 1 features");
    expect(text).toContain("Re-synthesized: 2 items, 1 of them recovered");
    expect(text).toContain("Dropped after every round: unanswerable 1");
  });
});
