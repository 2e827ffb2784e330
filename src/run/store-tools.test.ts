import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { formatStatus } from "../output/status-report.js";
import { storedLevel } from "../pipeline/stored-level.js";
import type { LevelOutcome } from "../method/run-level.js";
import { RunStore } from "../store/run-store.js";
import { ConfigError, InputError } from "../errors.js";
import type { SynthRecord } from "../method/record.js";
import { batchPriceFor, costOf, priceFor } from "../cost/prices.js";
import { exportStore, runStatus, storedRunCost, type DatasetInfoNote } from "./store-tools.js";

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

describe("the cost of a run with batches", () => {
  const usage = { promptTokens: 1_000_000, completionTokens: 100_000, cachedPromptTokens: 0 };
  const completion = { text: "x", usage, finishReason: "stop", attempts: 1 };

  function storeWithBatch() {
    const path = join(tempDir("foveate-batch-cost-"), "s.db");
    const store = RunStore.open(path);
    store.writeConfig({ model: "gpt-4o-mini", method: "self-foveate", mu: 8, levels: ["micro"], seed: 1 });
    store.recordBatch({ id: "batch_1", wave: 0, label: "micro extraction", service: "sim", inputFileId: "file-1", keys: ["a", "b", "c"], submittedAt: Date.now() });
    store.putReply("a", "extract", completion, { batchId: "batch_1" });
    store.putReply("b", "extract", completion, { batchId: "batch_1" });
    store.putReply("live", "answer", completion);
    store.close();
    return path;
  }

  it("prices batched replies at the batch price and live ones at the list price, in status and its report", () => {
    const path = storeWithBatch();
    const status = runStatus(path);
    const list = costOf(usage, priceFor("gpt-4o-mini")!);
    expect(status.cost!.liveUsd).toBeCloseTo(list, 12);
    expect(status.cost!.batchUsd).toBeCloseTo(2 * list * 0.5, 12);
    expect(status.costUsd).toBeCloseTo(2 * list, 12);
    expect(status.batches).toMatchObject([{ id: "batch_1", lines: 3, answered: 2 }]);
    const text = formatStatus(path, status);
    expect(text).toContain("wave 0 (micro extraction): 1 batch, 3 lines, 1 not answered yet");
    expect(text).toContain("LLM replies stored: 3 (2 from batches)");
    expect(text).toContain("Cost: $0.42 ($0.21 live, $0.21 batched at the batch price)");
  });

  it("gives the spending limit what a resumed run has spent, with the prices given", () => {
    const path = storeWithBatch();
    const store = RunStore.open(path, { readonly: true });
    const cost = storedRunCost(store.status(), "gpt-4o-mini", { list: { input: 1, output: 10 }, batch: { output: 2 } });
    store.close();
    // Live: 1M in at $1, 100k out at $10. Batched (two): 1M in at $0.50, 100k out at $2.
    expect(cost).toEqual({ liveUsd: 2, batchUsd: 2 * 0.7, totalUsd: 3.4 });
    expect(batchPriceFor("gpt-4o-mini", { output: 2 }, { input: 1, output: 10 })).toMatchObject({ input: 0.5, output: 2 });
    expect(storedRunCost({ ...runStatus(path) }, "unpriced-model")).toBeUndefined();
  });
});

describe("exportStore", () => {
  /** A store of two finished documents, two items each ("a?" and "b?"), and the id of each item. */
  function storeOfFour(dir: string) {
    const path = join(dir, "s.db");
    const store = RunStore.open(path);
    for (const n of [0, 1]) {
      store.startDocument(doc(n));
      store.saveLevel(doc(n), storedLevel(doc(n), oldOutcome(n)));
      store.finishDocument(doc(n));
    }
    const items = [...store.finishedItems()];
    return { path, store, items };
  }
  const readLines = async (path: string) => (await readFile(path, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as SynthRecord);

  it("writes what the last curation kept", async () => {
    const dir = tempDir("foveate-export-");
    const { path, store, items } = storeOfFour(dir);
    store.saveCuration([{ id: items[1]!.id, removedFor: "duplicate", detail: { of: items[0]!.id } }, { id: items[2]!.id, detail: { score: 8 } }], {});
    store.close();
    const out = join(dir, "out.jsonl");
    expect(await exportStore(path, out, "jsonl")).toBe(3);
    expect((await readLines(out)).map((r) => [r.article_index, r.instruction])).toEqual([[0, "a?"], [1, "a?"], [1, "b?"]]);
  });

  it("writes LLaMA-Factory's entry into the dataset_info.json beside the file, keeping the user's entries", async () => {
    const dir = tempDir("foveate-export-");
    const { path, store } = storeOfFour(dir);
    store.close();
    const info = join(dir, "dataset_info.json");
    await writeFile(info, JSON.stringify({ mine: { file_name: "mine.json" } }, null, 2));
    const notes: DatasetInfoNote[] = [];
    const out = join(dir, "manual.jsonl");
    expect(await exportStore(path, out, "llama-factory-sharegpt", { system: "Be brief.", onDatasetInfo: (n) => notes.push(n) })).toBe(4);
    const written = JSON.parse(await readFile(info, "utf8")) as Record<string, unknown>;
    expect(written).toEqual({
      mine: { file_name: "mine.json" },
      manual: { file_name: "manual.jsonl", formatting: "sharegpt", columns: { messages: "conversations", system: "system" } },
    });
    expect(notes).toEqual([{ name: "manual", entry: written.manual, path: info, replaced: false }]);
    const first = (await readFile(out, "utf8")).split("\n")[0]!;
    expect(JSON.parse(first)).toEqual({ conversations: [{ from: "human", value: "a?" }, { from: "gpt", value: "a" }], system: "Be brief." });
    expect(existsSync(`${info}.partial`)).toBe(false);
  });

  it("refuses a malformed dataset_info.json before writing anything, and leaves it and the old output as they were", async () => {
    const dir = tempDir("foveate-export-");
    const { path, store } = storeOfFour(dir);
    store.close();
    const info = join(dir, "dataset_info.json");
    await writeFile(info, '{"mine": {"file_name": ');
    const out = join(dir, "manual.jsonl");
    await writeFile(out, "old\n");
    await expect(exportStore(path, out, "llama-factory-alpaca")).rejects.toThrow(InputError);
    await expect(exportStore(path, out, "llama-factory-alpaca")).rejects.toThrow(/dataset_info\.json: not valid JSON/);
    expect(await readFile(info, "utf8")).toBe('{"mine": {"file_name": ');
    expect(await readFile(out, "utf8")).toBe("old\n");
    expect(existsSync(`${out}.partial`)).toBe(false);
    await expect(exportStore(path, info, "llama-factory-alpaca")).rejects.toThrow(/is LLaMA-Factory's dataset_info\.json/);
  });

  it("tells the entry to add, and writes no dataset_info.json, when the records go to a stream", async () => {
    const dir = tempDir("foveate-export-");
    const { path, store } = storeOfFour(dir);
    store.close();
    const chunks: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _e, done) => (chunks.push(chunk.toString()), done()) });
    const notes: DatasetInfoNote[] = [];
    expect(await exportStore(path, stream, "llama-factory-alpaca", { onDatasetInfo: (n) => notes.push(n) })).toBe(4);
    expect(notes).toEqual([
      { name: "data", entry: { file_name: "data.jsonl", formatting: "alpaca", columns: { prompt: "instruction", query: "input", response: "output" } } },
    ]);
    expect(JSON.parse(chunks.join("").split("\n")[0]!)).toEqual({ instruction: "a?", input: "", output: "a" });
    expect(existsSync(join(dir, "dataset_info.json"))).toBe(false);
  });

  it("refuses --system for a format without a system message before the output is touched", async () => {
    const dir = tempDir("foveate-export-");
    const { path, store } = storeOfFour(dir);
    store.close();
    const out = join(dir, "out.jsonl");
    await expect(exportStore(path, out, "alpaca", { system: "Be brief." })).rejects.toThrow(ConfigError);
    expect(existsSync(out)).toBe(false);
  });
});
