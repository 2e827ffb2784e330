import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import type { LevelOutcome } from "../method/run-level.js";
import { RunStore } from "../store/run-store.js";
import { savedOutcomes, storedLevel } from "./stored-level.js";

const doc = { key: "k0", index: 0, sourceId: "c.jsonl:1" };

const outcome = (level: "micro" | "macro"): LevelOutcome => ({
  level,
  budget: 2,
  features: 2,
  records: [
    { instruction: `${level}?`, output: "a", article_index: 0, level, features: ["f"], resynthesized: false, rounds: 0, source_id: doc.sourceId },
  ],
  dropped: [{ features: ["g"], instruction: "why?", failure: "unanswerable", rounds: 5, reply: { text: "{}", usage: { promptTokens: 9, completionTokens: 1, cachedPromptTokens: 0 } } }],
  recovered: 0,
  chain: 3,
});

describe("storedLevel", () => {
  it("ranks levels micro, scatter, macro, self-qa and tags dropped items with their level and source", () => {
    expect(storedLevel(doc, outcome("micro")).rank).toBeLessThan(storedLevel(doc, outcome("macro")).rank);
    expect(storedLevel(doc, outcome("macro")).dropped).toEqual([
      {
        features: ["g"],
        instruction: "why?",
        failure: "unanswerable",
        rounds: 5,
        reply: { text: "{}", usage: { promptTokens: 9, completionTokens: 1, cachedPromptTokens: 0 } },
        level: "macro",
        source_id: "c.jsonl:1",
      },
    ]);
  });

  it("gives back from the store the outcomes it saved, and the records in level order", () => {
    const store = RunStore.open(join(tempDir("foveate-stored-"), "s.db"));
    store.startDocument(doc);
    store.saveLevel(doc, storedLevel(doc, outcome("macro")));
    store.saveLevel(doc, storedLevel(doc, outcome("micro")));
    const saved = savedOutcomes(store.progress(doc.key));
    expect(saved.get("micro")).toEqual(outcome("micro"));
    expect(saved.get("macro")).toEqual(outcome("macro"));
    expect(savedOutcomes(store.progress("unknown")).size).toBe(0);
    expect([...store.records()].map((r) => (r as { instruction: string }).instruction)).toEqual(["micro?", "macro?"]);
    store.close();
  });
});
