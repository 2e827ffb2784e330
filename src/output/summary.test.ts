import { describe, expect, it } from "vitest";
import { emptyLevelStats, emptyStats, type LevelStats, type RunStats } from "../pipeline/run-stats.js";
import { formatSummary } from "./summary.js";

const level = (counts: Partial<LevelStats>): LevelStats => ({ ...emptyLevelStats(), ...counts });

function stats(levels: Record<string, LevelStats>): RunStats {
  const droppedReasons: Record<string, number> = {};
  for (const v of Object.values(levels)) for (const [reason, n] of Object.entries(v.droppedReasons)) droppedReasons[reason] = (droppedReasons[reason] ?? 0) + n;
  return { ...emptyStats(), documents: 2, levels, droppedReasons };
}

describe("formatSummary", () => {
  it("says apart what the documents did not yield, what cut-off replies lost, what was re-synthesized and dropped by reason", () => {
    const text = formatSummary(
      stats({
        micro: level({ budget: 8, features: 6, notYielded: 2, kept: 5, dropped: 1, droppedReasons: { "contains its answer": 1 }, resynthesized: 3, recovered: 2 }),
        macro: level({ budget: 8, features: 5, notYielded: 1, lostToUnusable: 2, unusableExtractions: 1, kept: 4, dropped: 1, droppedReasons: { unanswerable: 1 }, resynthesized: 1 }),
      }),
    );
    expect(text).toContain("  total          16        9        2          2");
    expect(text).toContain("  Not in the documents: 3 features asked for were not found, even when asked again (micro 2, macro 1); not counted as dropped");
    expect(text).toContain("  Extraction replies cut off or unusable: 1 (macro 1), losing 2 features (macro 2); not counted as dropped");
    expect(text).toContain("  Re-synthesized: 4 items (micro 3, macro 1), 2 of them recovered");
    expect(text).toContain("Dropped after every round: contains its answer 1 (micro 1), unanswerable 1 (macro 1)");
    expect(text).not.toContain("short documents");
    expect(text).not.toContain("Only");
    expect(text).not.toContain("older foveate");
  });

  it("says in one line when less than half of what was asked for was kept", () => {
    const text = formatSummary(stats({ micro: level({ budget: 288, features: 288, kept: 40, dropped: 248, droppedReasons: { unanswerable: 248 } }) }));
    expect(text.split("\n").filter((l) => l.startsWith("Only"))).toEqual([
      "Only 40 of 288 instructions asked for were kept (14%): see the drops above; --accept-thin keeps such a run's exit code 0",
    ]);
    expect(formatSummary(stats({ micro: level({ budget: 288, features: 288, kept: 144 }) }))).not.toContain("Only");
  });

  it("counts every request sent, the 429s and the time backing off, when no call was answered", () => {
    const text = formatSummary({ ...stats({}), limits: { rateLimited: 160, decreases: 5, pauses: 2, outages: 0, waitedMs: 600, ceilings: [4] } }, {
      transport: { requests: 250, retries: 216, rateLimited: 250, backoffMs: 95_000 },
    });
    expect(text).toContain("LLM calls: 0 (250 requests sent, transport retries 216, unusable replies asked again 0)");
    expect(text).toContain("Rate limits: 250 replies 429, concurrency lowered 5 times (held at 4), paused 2 times when the server had no room for anyone, 0.6 s waiting for room, 1 min 35 s backing off before retries");
  });
});
