import type { Level } from "../method/levels.js";
import type { LevelOutcome } from "../method/run-level.js";
import type { DocumentProgress, FinishedLevel, StoredDocument } from "../store/run-store.js";

/** Where each level's records stand among a document's records; stores have always used these ranks. */
const LEVEL_RANK: Record<Level | "self-qa", number> = { micro: 0, scatter: 1, macro: 2, "self-qa": 3 };

/** A level outcome as the store keeps it: the records kept, the dropped items with their level and source. */
export function storedLevel(document: StoredDocument, outcome: LevelOutcome): FinishedLevel {
  return {
    level: outcome.level,
    rank: LEVEL_RANK[outcome.level],
    kept: outcome.records,
    dropped: outcome.dropped.map((item) => ({ ...item, level: outcome.level, source_id: document.sourceId })),
    outcome,
  };
}

/** The level outcomes a resumed document already has, by level: what storedLevel saved. */
export function savedOutcomes(progress: DocumentProgress | undefined): Map<string, LevelOutcome> {
  return (progress?.levels ?? new Map()) as Map<string, LevelOutcome>;
}
