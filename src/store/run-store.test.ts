import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { StoreError } from "../errors.js";
import { RunStore, type FinishedLevel } from "./run-store.js";

let dir: string;
beforeEach(() => {
  dir = tempDir("foveate-store-");
});

const reply = (text: string) => ({ text, usage: { promptTokens: 100, completionTokens: 20, cachedPromptTokens: 60 }, finishReason: "stop", attempts: 2 });

interface Item {
  instruction: string;
}

const RANK = { micro: 0, macro: 2 };

function outcome(level: "micro" | "macro", index: number, kept: number, dropped = 0): FinishedLevel {
  const records: Item[] = Array.from({ length: kept }, (_, i) => ({ instruction: `${level} q${i} of ${index}` }));
  return {
    level,
    rank: RANK[level],
    kept: records,
    dropped: Array.from({ length: dropped }, (_, i) => ({ instruction: `why ${i}?` })),
    outcome: { level, records },
  };
}

const doc = (index: number) => ({ key: `k${index}`, index, sourceId: `c:${index + 1}` });

describe("RunStore", () => {
  it("keeps replies across opening and closing, content-addressed", () => {
    const path = join(dir, "a.db");
    const store = RunStore.open(path);
    store.putReply("key1", "answer", reply("hello"));
    store.close();
    const again = RunStore.open(path);
    expect(again.getReply("key1")).toEqual({ text: "hello", finishReason: "stop", promptTokens: 100, completionTokens: 20, cachedPromptTokens: 60, attempts: 2 });
    expect(again.getReply("other")).toBeUndefined();
    again.close();
  });

  it("gives back the dataset in document and level order, kept items only", () => {
    const store = RunStore.open(join(dir, "b.db"));
    store.startDocument(doc(1));
    store.saveLevel(doc(1), outcome("macro", 1, 1));
    store.saveLevel(doc(1), outcome("micro", 1, 2, 1));
    store.finishDocument(doc(1));
    store.saveLevel(doc(0), outcome("micro", 0, 1));
    store.finishDocument(doc(0));
    expect([...store.records<Item>()].map((r) => r.instruction)).toEqual(["micro q0 of 0", "micro q0 of 1", "micro q1 of 1", "macro q0 of 1"]);
    expect(store.status()).toMatchObject({
      documents: { done: 2, running: 0, failed: 0 },
      levels: { micro: { documents: 2, kept: 3, dropped: 1 }, macro: { documents: 1, kept: 1, dropped: 0 } },
    });
    store.close();
  });

  it("holds one curation: finished documents' items are decided on, export leaves out what it removed, a new curation replaces it", () => {
    const path = join(dir, "cur.db");
    const store = RunStore.open(path);
    store.saveLevel(doc(0), outcome("micro", 0, 3, 1));
    store.finishDocument(doc(0));
    store.startDocument(doc(1));
    store.saveLevel(doc(1), outcome("micro", 1, 1));
    store.putReply("run", "micro_questions", reply("q"));
    store.putReply("judged", "curate_item_judgement", reply("{}"));
    // A judge's replies are the curation's, not the run's: they count apart.
    expect(store.status()).toMatchObject({ replies: 1, promptTokens: 100 });
    expect(store.curationUsage()).toEqual({ replies: 1, promptTokens: 100, completionTokens: 20, cachedPromptTokens: 60 });
    const items = [...store.finishedItems<Item>()];
    // The unfinished document's item is not offered.
    expect(items.map((i) => i.record.instruction)).toEqual(["micro q0 of 0", "micro q1 of 0", "micro q2 of 0"]);
    store.saveCuration(
      [
        { id: items[1]!.id, removedFor: "duplicate", detail: { of: items[0]!.id } },
        { id: items[2]!.id, detail: { score: 9 } },
      ],
      { dedup: true },
    );
    store.close();
    const reader = RunStore.open(path, { readonly: true });
    expect([...reader.records<Item>({ curated: true })].map((r) => r.instruction)).toEqual(["micro q0 of 0", "micro q2 of 0", "micro q0 of 1"]);
    expect([...reader.records<Item>()]).toHaveLength(4);
    expect(reader.removedCounts()).toEqual({ duplicate: 1 });
    expect(reader.curationSummary()).toEqual({ dedup: true });
    expect([...reader.curationDecisions()]).toEqual([
      { id: items[1]!.id, removedFor: "duplicate", detail: { of: items[0]!.id } },
      { id: items[2]!.id, detail: { score: 9 } },
    ]);
    // The same records with where each is: what matches a record with its decision.
    const curated = [...reader.curatedItems<Item>()];
    expect(curated.map((i) => i.record)).toEqual([...reader.records<Item>({ curated: true })]);
    expect(curated.map((i) => i.id)).toEqual([items[0]!.id, items[2]!.id, { docKey: "k1", rank: 0, position: 0 }]);
    reader.close();
    const again = RunStore.open(path);
    again.saveCuration([], { dedup: false });
    expect(again.removedCounts()).toEqual({});
    // A level saved again loses its decisions with its items.
    again.saveCuration([{ id: items[0]!.id, removedFor: "low-score", detail: {} }], {});
    again.saveLevel(doc(0), outcome("micro", 0, 2));
    expect(again.removedCounts()).toEqual({});
    again.close();
  });

  it("ends a query its reader stops early, so that the store still closes", () => {
    const path = join(dir, "early.db");
    const store = RunStore.open(path);
    store.saveLevel(doc(0), outcome("micro", 0, 3));
    store.finishDocument(doc(0));
    for (const _ of store.records()) break;
    expect(() => {
      for (const _ of store.finishedLevelOutcomes()) throw new Error("a reader fails");
    }).toThrow("a reader fails");
    expect(() => store.close()).not.toThrow();
  });

  it("keeps a new store whose only content is a batch being created, and clears that record when the batch is recorded", () => {
    const path = join(dir, "pending.db");
    const store = RunStore.open(path);
    store.writeConfig({ model: "m" });
    const pending = { wave: 0, label: "x", service: "s", inputFileId: "file-1", keys: ["k1"] };
    store.setPendingBatch(pending);
    store.close();
    expect(existsSync(path)).toBe(true);
    const again = RunStore.open(path);
    expect(again.pendingBatches()).toEqual([pending]);
    expect(again.lastWave()).toBe(0);
    again.recordBatch({ ...pending, id: "batch-1", submittedAt: 1 });
    again.recordBatch({ ...pending, id: "batch-1", submittedAt: 2 });
    expect(again.pendingBatches()).toEqual([]);
    expect(again.openBatches().map((b) => b.id)).toEqual(["batch-1"]);
    again.close();
  });

  it("reads a store made before curation existed, read-only, as never curated", () => {
    const path = join(dir, "old.db");
    const store = RunStore.open(path);
    store.saveLevel(doc(0), outcome("micro", 0, 2));
    store.close();
    const db = new Database(path);
    db.exec("DROP TABLE curation");
    db.close();
    const reader = RunStore.open(path, { readonly: true });
    expect([...reader.records({ curated: true })]).toHaveLength(2);
    expect([...reader.curatedItems()]).toHaveLength(2);
    expect(reader.removedCounts()).toEqual({});
    expect([...reader.curationDecisions()]).toEqual([]);
    reader.close();
  });

  it("orders and names levels as the caller ranked and named them, also after reopening read-only", () => {
    const path = join(dir, "names.db");
    const store = RunStore.open(path);
    const level = (name: string, rank: number, kept: number, dropped: number): FinishedLevel => ({
      level: name,
      rank,
      kept: Array.from({ length: kept }, (_, i) => ({ instruction: `${name} ${i}` })),
      dropped: Array.from({ length: dropped }, () => ({ instruction: "lost" })),
      outcome: {},
    });
    store.saveLevel(doc(0), level("second", 7, 1, 2));
    store.saveLevel(doc(0), level("first", 5, 2, 0));
    expect([...store.records<Item>()].map((r) => r.instruction)).toEqual(["first 0", "first 1", "second 0"]);
    store.close();
    const reader = RunStore.open(path, { readonly: true });
    const levels = reader.status().levels;
    expect(Object.keys(levels)).toEqual(["first", "second"]);
    expect(levels).toEqual({ first: { documents: 1, kept: 2, dropped: 0 }, second: { documents: 1, kept: 1, dropped: 2 } });
    reader.close();
  });

  it("names the levels of a store written before it recorded level names by the ranks synthesis used", () => {
    const path = join(dir, "old.db");
    const store = RunStore.open(path);
    store.saveLevel(doc(0), outcome("macro", 0, 1, 1));
    store.saveLevel(doc(0), outcome("micro", 0, 2));
    store.close();
    const raw = new Database(path);
    raw.prepare("DELETE FROM meta WHERE key = 'level_names'").run();
    raw.close();
    const old = RunStore.open(path, { readonly: true });
    const levels = old.status().levels;
    expect(Object.keys(levels)).toEqual(["micro", "macro"]);
    expect(levels).toEqual({ micro: { documents: 1, kept: 2, dropped: 0 }, macro: { documents: 1, kept: 1, dropped: 1 } });
    old.close();
  });

  it("tells where a document stands, level by level", () => {
    const store = RunStore.open(join(dir, "c.db"));
    expect(store.progress("k0")).toBeUndefined();
    store.startDocument(doc(0));
    store.saveLevel(doc(0), outcome("micro", 0, 2));
    const progress = store.progress("k0")!;
    expect(progress.status).toBe("running");
    expect([...progress.levels.keys()]).toEqual(["micro"]);
    expect((progress.levels.get("micro") as { records: Item[] }).records).toHaveLength(2);
    store.failDocument(doc(0), "boom");
    expect(store.progress("k0")!.status).toBe("failed");
    store.finishDocument(doc(0));
    expect(store.doneDocuments()).toEqual(new Set(["k0"]));
    store.close();
  });

  it("saving a level again replaces its items instead of duplicating them", () => {
    const store = RunStore.open(join(dir, "d.db"));
    store.saveLevel(doc(0), outcome("micro", 0, 3));
    store.saveLevel(doc(0), outcome("micro", 0, 2));
    expect([...store.records()]).toHaveLength(2);
    store.close();
  });

  it("forgets the run but keeps its replies when started over", () => {
    const store = RunStore.open(join(dir, "e.db"));
    store.writeConfig({ mu: 8 });
    store.putReply("r", "answer", reply("kept"));
    store.saveLevel(doc(0), outcome("micro", 0, 2));
    store.finishDocument(doc(0));
    store.resetRun();
    expect(store.readConfig()).toBeUndefined();
    expect([...store.records()]).toHaveLength(0);
    expect(store.progress("k0")).toBeUndefined();
    expect(store.getReply("r")?.text).toBe("kept");
    store.close();
  });

  it("reports a full disk as one clear error and stays readable with everything committed before", () => {
    const path = join(dir, "full.db");
    const store = RunStore.open(path);
    store.putReply("small", "answer", reply("fits"));
    store.limitPages(8);
    expect(() => {
      for (let i = 0; i < 100; i++) store.putReply(`big${i}`, "answer", reply("x".repeat(20_000)));
    }).toThrow(StoreError);
    try {
      store.putReply("big-again", "answer", reply("x".repeat(50_000)));
    } catch (error) {
      expect((error as Error).message).toMatch(/full\.db: cannot save a reply: the disk \(or the store's size limit\) is full/);
    }
    store.close();
    const reopened = RunStore.open(path);
    expect(reopened.getReply("small")?.text).toBe("fits");
    reopened.close();
  });

  it("refuses a file that is not a store, and a store of another schema version", async () => {
    const junk = join(dir, "junk.db");
    await writeFile(junk, "this is not sqlite at all, just some text that is long enough".repeat(20));
    expect(() => RunStore.open(junk)).toThrow(/not a foveate store/);

    const path = join(dir, "v.db");
    const store = RunStore.open(path);
    store.setMeta("schema_version", "99");
    store.close();
    expect(() => RunStore.open(path)).toThrow(/schema version 99/);
  });

  it("refuses another program's SQLite database, for a run and to read, and leaves it untouched", () => {
    const path = join(dir, "theirs.db");
    const theirs = new Database(path);
    theirs.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada')");
    theirs.close();
    const bytes = readFileSync(path);
    const refusal = `run store ${path}: another program's SQLite database, not a foveate store; it was left untouched`;
    expect(() => RunStore.open(path)).toThrow(refusal);
    expect(() => RunStore.open(path, { readonly: true })).toThrow(refusal);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(readdirSync(dir)).toEqual(["theirs.db"]);
  });

  it("takes an empty file or a new SQLite file as a new store", async () => {
    const empty = join(dir, "empty.db");
    await writeFile(empty, "");
    expect(() => RunStore.open(empty, { readonly: true })).toThrow(`run store ${empty}: an empty file, not a foveate store`);
    const fresh = join(dir, "fresh.db");
    new Database(fresh).close();
    for (const path of [empty, fresh]) {
      const store = RunStore.open(path);
      store.putReply("k", "answer", reply("kept"));
      store.close();
      const reader = RunStore.open(path, { readonly: true });
      expect(reader.getReply("k")?.text).toBe("kept");
      reader.close();
    }
  });

  it("refuses a damaged store when it is opened, and leaves it as it is", async () => {
    const path = join(dir, "damaged.db");
    const store = RunStore.open(path);
    for (let i = 0; i < 200; i++) store.putReply(`k${i}`, "answer", reply("x".repeat(500)));
    store.close();
    const bytes = await readFile(path);
    // The header and the schema page stay sound; the pages of the replies do not.
    for (let i = 4096 * 3; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    await writeFile(path, bytes);
    for (const readonly of [false, true]) {
      expect(() => RunStore.open(path, { readonly })).toThrow(`run store ${path}: cannot open it: the store is damaged (corrupt)`);
    }
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it("names the store when a read fails after it was opened", () => {
    const path = join(dir, "later.db");
    const store = RunStore.open(path);
    store.saveLevel(doc(0), outcome("micro", 0, 2));
    // Another program drops a table under the open store.
    const other = new Database(path);
    other.exec("DROP TABLE items");
    other.close();
    expect(() => store.status()).toThrow(`run store ${path}: cannot read its status: no such table: items`);
    expect(() => [...store.records()]).toThrow(`run store ${path}: cannot read its records: no such table: items`);
    store.close();
  });

  it("has one writer: a second is refused naming the process, readers go on, and the store is free again at close", () => {
    const path = join(dir, "one.db");
    const first = RunStore.open(path, { writer: true });
    first.putReply("k", "answer", reply("first"));
    expect(() => RunStore.open(path, { writer: true })).toThrow(
      `run store ${path}: in use by another run (process ${process.pid}); wait for it to end, or give this run another --store`,
    );
    const reader = RunStore.open(path, { readonly: true });
    expect(reader.getReply("k")?.text).toBe("first");
    reader.close();
    first.putReply("k2", "answer", reply("still writing"));
    first.close();
    const second = RunStore.open(path, { writer: true });
    expect(second.getReply("k2")?.text).toBe("still writing");
    second.close();
  });

  it("refuses a writer while another live process holds the store, and takes over the claim of a dead one", () => {
    const path = join(dir, "claimed.db");
    RunStore.open(path).close();
    const claimBy = (pid: number) => {
      const db = new Database(path);
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('writer', ?)").run(`${pid}:someone`);
      db.close();
    };
    claimBy(process.ppid);
    expect(() => RunStore.open(path, { writer: true })).toThrow(`in use by another run (process ${process.ppid})`);
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    claimBy(gone);
    const store = RunStore.open(path, { writer: true });
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM meta WHERE key = 'writer'").pluck().get()).toBe(0);
    db.close();
  });

  it("opens read-only for status and export without creating anything", () => {
    expect(() => RunStore.open(join(dir, "missing.db"), { readonly: true })).toThrow(StoreError);
    const path = join(dir, "r.db");
    RunStore.open(path).close();
    const store = RunStore.open(path, { readonly: true });
    expect(store.status().documents).toEqual({ running: 0, done: 0, failed: 0 });
    store.close();
  });

  it("truncates its WAL at close, even while a reader (an export) holds the store open", () => {
    const path = join(dir, "wal.db");
    const store = RunStore.open(path);
    const reader = new Database(path, { readonly: true });
    for (let i = 0; i < 300; i++) store.putReply(`k${i}`, "answer", reply("x".repeat(4000)));
    expect(reader.prepare("SELECT count(*) FROM replies").pluck().get()).toBe(300);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(statSync(path).size);
    store.close();
    expect(statSync(`${path}-wal`).size).toBe(0);
    reader.close();
  });

  it("removes at close a run's store it created that holds nothing paid for, and keeps one that does", () => {
    const failed = join(dir, "failed.db");
    const store = RunStore.open(failed);
    store.writeConfig({ model: "m" });
    store.startDocument({ key: "d", index: 0, sourceId: "a:1" });
    store.close();
    expect(existsSync(failed)).toBe(false);

    const paid = join(dir, "paid.db");
    const kept = RunStore.open(paid);
    kept.writeConfig({ model: "m" });
    kept.putReply("k", "answer", reply("bought"));
    kept.close();
    expect(existsSync(paid)).toBe(true);
  });
});

describe("batches", () => {
  const submitted = (id: string, wave: number, keys: string[], submittedAt = 1_000) => ({
    id,
    wave,
    label: wave === 0 ? "micro extraction" : "micro synthesis",
    service: "https://api.example/v1",
    inputFileId: `file-${id}`,
    keys,
    submittedAt,
  });

  it("records a batch with its keys before returning: a process killed (SIGKILL) right after leaves it open for the next run", () => {
    const path = join(dir, "b.db");
    const moduleUrl = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "run-store.ts")).href;
    const child = spawnSync(
      process.execPath,
      [
        "--import", "tsx", "--input-type=module", "-e",
        `import { RunStore } from ${JSON.stringify(moduleUrl)};
         const store = RunStore.open(${JSON.stringify(path)}, { writer: true });
         store.recordBatch(${JSON.stringify(submitted("batch_1", 0, ["k1", "k2", "k3"]))});
         process.kill(process.pid, "SIGKILL");`,
      ],
      { cwd: process.cwd(), encoding: "utf8" },
    );
    expect(child.signal, child.stderr).toBe("SIGKILL");
    // The dead writer's claim is taken over.
    const again = RunStore.open(path, { writer: true });
    expect(again.openBatches()).toEqual([
      {
        id: "batch_1", wave: 0, label: "micro extraction", service: "https://api.example/v1", inputFileId: "file-batch_1",
        status: "validating", submittedAt: 1_000, updatedAt: 1_000, lines: 3, answered: 0, keys: ["k1", "k2", "k3"],
      },
    ]);
    expect(again.batchOf("k2")?.id).toBe("batch_1");
    expect(again.batchOf("k9")).toBeUndefined();
    again.close();
  });

  it("saves the service's status and counts, counts answered lines, and closes a batch once collected", () => {
    const store = RunStore.open(join(dir, "u.db"));
    store.recordBatch(submitted("b1", 0, ["k1", "k2"]));
    store.recordBatch({ ...submitted("b2", 1, ["k3"], 2_000), status: "in_progress" });
    store.updateBatch("b1", { status: "in_progress", counts: { total: 2, completed: 1, failed: 0 } });
    store.updateBatch("b1", { status: "expired", error: "not done within 24h" });
    store.putReply("k1", "extract", reply("one"), { batchId: "b1" });
    const [b1, b2] = store.batches();
    expect(b1).toMatchObject({ id: "b1", status: "expired", counts: { total: 2, completed: 1, failed: 0 }, error: "not done within 24h", lines: 2, answered: 1 });
    expect(b1!.updatedAt).toBeGreaterThanOrEqual(1_000);
    expect(b2).toMatchObject({ id: "b2", wave: 1, status: "in_progress", lines: 1, answered: 0 });
    expect(b2!.counts).toBeUndefined();

    store.finishBatch("b1");
    expect(store.openBatches().map((b) => b.id)).toEqual(["b2"]);
    expect(store.batchOf("k1")).toBeUndefined();
    expect(store.batches()[0]!.collectedAt).toBeGreaterThan(0);
    expect(() => store.updateBatch("nope", { status: "failed" })).toThrow("no batch nope recorded");
    expect(() => store.finishBatch("nope")).toThrow("no batch nope recorded");
    store.close();
  });

  it("tells replies from batches apart from live ones, in the keys and in the status's tokens", () => {
    const store = RunStore.open(join(dir, "c.db"));
    store.recordBatch(submitted("b1", 0, ["k1", "k2"]));
    store.putReply("k1", "extract", reply("batched"), { batchId: "b1" });
    store.putReply("k2", "extract", reply("live"));
    // A reply already stored live keeps its origin when a batch brings it again.
    store.putReply("k2", "extract", reply("again"), { batchId: "b1" });
    expect(store.batchedKeys()).toEqual(new Set(["k1"]));
    const status = store.status();
    expect(status).toMatchObject({ replies: 2, promptTokens: 200, completionTokens: 40, cachedPromptTokens: 120 });
    expect(status.batched).toEqual({ replies: 1, promptTokens: 100, completionTokens: 20, cachedPromptTokens: 60 });
    store.close();
  });

  it("keeps at close a store it created whose only paid-for thing is a submitted batch (--no-wait)", () => {
    const path = join(dir, "nowait.db");
    const store = RunStore.open(path);
    store.writeConfig({ model: "m" });
    store.recordBatch(submitted("b1", 0, ["k1"]));
    store.close();
    expect(existsSync(path)).toBe(true);
  });

  it("reads a store made before batches existed, read-only, as having none; a writer adds the tables", () => {
    const path = join(dir, "old.db");
    const store = RunStore.open(path);
    store.putReply("k1", "extract", reply("live"));
    store.close();
    const raw = new Database(path);
    raw.exec("DROP TABLE batches; DROP TABLE batch_keys; DROP TABLE batched_replies");
    raw.close();
    const reader = RunStore.open(path, { readonly: true });
    expect(reader.batches()).toEqual([]);
    expect(reader.openBatches()).toEqual([]);
    expect(reader.batchOf("k1")).toBeUndefined();
    expect(reader.batchedKeys()).toEqual(new Set());
    expect(reader.status()).toMatchObject({ replies: 1, batched: { replies: 0, promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 } });
    reader.close();
    const writer = RunStore.open(path);
    writer.recordBatch(submitted("b1", 0, ["k2"]));
    expect(writer.openBatches()).toHaveLength(1);
    writer.close();
  });
});
