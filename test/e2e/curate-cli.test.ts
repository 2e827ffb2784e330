import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SynthRecord } from "../../src/method/record.js";
import { RunStore } from "../../src/store/run-store.js";
import { runCli } from "../support/run-cli.js";
import { startSimServer, type SimServer } from "../support/sim-server.js";
import { tempDir } from "../support/temp-dir.js";

let sim: SimServer;
beforeAll(async () => (sim = await startSimServer()));
afterAll(() => sim.close());

const record = (document: number, instruction: string): SynthRecord => ({
  instruction,
  output: `An answer about ${instruction.toLowerCase()}`,
  article_index: document,
  level: "micro",
  features: ["bridge"],
  resynthesized: false,
  rounds: 0,
  source_id: `corpus.jsonl:${document + 1}`,
});

/** The instructions of three documents: an exact copy (in another document), a near copy, and a copy in other words. */
const DOCUMENTS = [
  ["When did the old stone bridge over the river open to traffic?", "Who paid for the repairs of the harbour wall in the spring?"],
  [
    "When did the old stone bridge over the river open to traffic?!",
    "Which engineer drew the plans for the new railway station and its clock tower?",
    "Which engineer drew the plans for the new railway station and its clock tower today?",
  ],
  ["How many ships could the northern quay hold at once during the winter storms?", "What did the town council decide about the market square?"],
];

/** A store as a finished run leaves it, with a third document still unfinished. */
function plantedStore(path: string): void {
  const store = RunStore.open(path);
  store.writeConfig({ model: "sim-model", method: "foveate", mu: 2, levels: ["micro"], seed: 0 });
  DOCUMENTS.forEach((instructions, index) => {
    const doc = { key: `doc${index}`, index, sourceId: `corpus.jsonl:${index + 1}` };
    store.startDocument(doc);
    const records = instructions.map((text) => record(index, text));
    const outcome = { level: "micro", budget: records.length, features: records.length, records, dropped: [], recovered: 0, chain: 2 };
    store.saveLevel(doc, { level: "micro", rank: 0, kept: records, dropped: [], outcome });
    if (index < 2) store.finishDocument(doc);
  });
  store.close();
}

const hash = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const exported = async (store: string, dir: string) => {
  const out = join(dir, `export-${Math.random().toString(36).slice(2)}.jsonl`);
  expect((await runCli(["export", store, "-o", out])).code).toBe(0);
  return readFileSync(out, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as SynthRecord).instruction);
};

describe("foveate curate (issue 15)", () => {
  it("--dedup removes exact and near duplicates of finished documents, records their twins, and export and status follow", async () => {
    const dir = tempDir("foveate-curate-");
    const store = join(dir, "data.jsonl.foveate.db");
    plantedStore(store);

    const curated = await runCli(["curate", store, "--dedup"]);
    expect(curated.code).toBe(0);
    expect(curated.stderr).toContain("Curated 5 items of 2 finished documents: kept 3, removed 2 (1 exact-duplicate, 1 near-duplicate)");
    expect(curated.stderr).toContain("Left out 1 unfinished or failed documents");

    const reader = RunStore.open(store, { readonly: true });
    const decisions = [...reader.curationDecisions()];
    reader.close();
    expect(decisions.map((d) => ({ removedFor: d.removedFor, twin: (d.detail as { twin: { instruction: string } }).twin.instruction }))).toEqual([
      { removedFor: "exact-duplicate", twin: DOCUMENTS[0]![0] },
      { removedFor: "near-duplicate", twin: DOCUMENTS[1]![1] },
    ]);

    // Export writes what curation kept (and the unfinished document's items, which it has not judged).
    expect(await exported(store, dir)).toEqual([DOCUMENTS[0]![0], DOCUMENTS[0]![1], DOCUMENTS[1]![1], ...DOCUMENTS[2]!]);
    const status = await runCli(["status", store]);
    expect(status.stdout).toMatch(/Curation \(.+\): removed 2 of the 5 items of its 2 documents \(1 exact-duplicate, 1 near-duplicate\)/);
    const out = join(dir, "with-unfinished.jsonl");
    const noted = await runCli(["export", store, "-o", out]);
    expect(noted.stderr).toContain("note: 2 of these records are of documents the last curation did not see (unfinished then, or finished since): curate again");

    // Curating again with a stricter threshold replaces the decisions: the near copy comes back.
    expect((await runCli(["curate", store, "--dedup", "--dedup-threshold", "0.95"])).code).toBe(0);
    expect(await exported(store, dir)).toContain(DOCUMENTS[1]![2]);
  });

  it("--dedup-embeddings removes an instruction alike in meaning, with embeddings cached in the store", async () => {
    const dir = tempDir("foveate-curate-");
    const store = join(dir, "data.jsonl.foveate.db");
    plantedStore(store);
    const args = ["curate", store, "--dedup-embeddings", "--dedup-cosine", "0.9", "--embed-base-url", sim.baseURL, "--embed-model", "sim-embedding"];
    sim.resetStats();
    const first = await runCli(args);
    expect(first.stderr).toContain("removed 2 (2 embedding-duplicate)");
    expect(first.code).toBe(0);
    const calls = sim.stats.requests;
    expect(calls).toBeGreaterThan(0);
    expect((await runCli(args)).code).toBe(0);
    expect(sim.stats.requests).toBe(calls);
  });

  it("refuses, in one line and leaving the files as they were: no step, a store a run is writing, no store, an empty file", async () => {
    const dir = tempDir("foveate-curate-");
    const store = join(dir, "data.jsonl.foveate.db");
    plantedStore(store);
    const before = hash(store);

    const none = await runCli(["curate", store]);
    expect(none).toMatchObject({ code: 1, stderr: "foveate: curate: say what to do: --dedup, --dedup-embeddings, --judge-model, or several of them\n" });
    expect(hash(store)).toBe(before);

    const running = RunStore.open(store, { writer: true });
    try {
      const busy = await runCli(["curate", store, "--dedup"]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/^foveate: run store .+: in use by another run \(process \d+\); curate it when the run has ended\n$/);
    } finally {
      running.close();
    }
    const reader = RunStore.open(store, { readonly: true });
    expect(reader.curationSummary()).toBeUndefined();
    reader.close();

    const missing = await runCli(["curate", join(dir, "nothing.db"), "--dedup"]);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toMatch(/no such file/);
    const empty = join(dir, "empty.db");
    writeFileSync(empty, "");
    expect(await runCli(["curate", empty, "--dedup"])).toMatchObject({ code: 1, stderr: `foveate: run store ${empty}: an empty file, not a foveate store\n` });
    expect(readFileSync(empty, "utf8")).toBe("");
  });

  it("eval diversity --store RUN_STORE records its figures in the run's store, for the dataset card; an eval store is left alone", async () => {
    const dir = tempDir("foveate-curate-");
    const store = join(dir, "data.jsonl.foveate.db");
    plantedStore(store);
    const data = join(dir, "data.jsonl");
    writeFileSync(data, DOCUMENTS.flat().map((instruction, i) => JSON.stringify(record(i, instruction))).join("\n"));
    const measured = await runCli(["eval", "diversity", data, "--store", store, "--json"]);
    expect(measured.code).toBe(0);
    const reader = RunStore.open(store, { readonly: true });
    const recorded = JSON.parse(reader.meta("eval:diversity")!) as { data: string; result: unknown };
    reader.close();
    expect(recorded).toMatchObject({ data, result: JSON.parse(measured.stdout) });

    const evalStore = join(dir, "eval.foveate.db");
    expect((await runCli(["eval", "diversity", data, "--store", evalStore])).code).toBe(0);
    expect(existsSync(evalStore)).toBe(false);
  });

  describe("--judge-model", () => {
    const TEXTS = [
      "The old stone bridge over the Kessel river opened to traffic in 1911, eight years after the flood of 1903 destroyed the wooden crossing.",
      "The harbour wall was repaired in the spring of 1920, paid for by the merchants of the town and a loan from the provincial bank.",
    ];
    /** Two documents of a corpus file, each with a grounded item and one whose answer the passage does not support. */
    function judgedStore(dir: string, withCopy = false, field = "content"): string {
      const corpus = join(dir, "corpus.jsonl");
      writeFileSync(corpus, TEXTS.map((text) => JSON.stringify({ [field]: text })).join("\n") + "\n");
      const path = join(dir, "data.jsonl.foveate.db");
      const store = RunStore.open(path);
      store.writeConfig({ model: "sim-model", method: "foveate", mu: 2, levels: ["micro"], seed: 0 });
      store.setMeta("corpus", JSON.stringify({ path: corpus, textField: field }));
      TEXTS.forEach((text, index) => {
        const doc = { key: `doc${index}`, index, sourceId: `corpus.jsonl:${index + 1}` };
        const grounded = { ...record(index, index === 0 ? "When did the stone bridge open to traffic?" : "Who paid for the harbour wall repairs?"), output: text };
        const invented = {
          ...record(index, index === 0 ? "Which architect designed the bridge's towers?" : "Which admiral inspected the harbour?"),
          output: "Johann Brennermann, the celebrated Viennese architect, drafted elaborate granite towers.",
        };
        // A copy, with a grounded answer, of the first document's invented item: dedup removes it, the judge removes its twin.
        const copy = { ...record(index, "Which architect designed the bridge's towers?"), output: text };
        const records = [grounded, invented, ...(withCopy && index === 1 ? [copy] : [])].map((r) => ({ ...r, features: ["bridge"] }));
        const outcome = { level: "micro", budget: 2, features: 2, records, dropped: [], recovered: 0, chain: 2 };
        store.startDocument(doc);
        store.saveLevel(doc, { level: "micro", rank: 0, kept: records, dropped: [], outcome });
        store.finishDocument(doc);
      });
      store.close();
      return path;
    }
    const judgeArgs = (store: string, ...more: string[]) => ["curate", store, "--judge-model", "sim-model", "--judge-base-url", sim.baseURL, ...more];

    it("removes the items the judge scores under --min-score, with its score and reason, and a second curation makes no call", async () => {
      const dir = tempDir("foveate-curate-");
      const store = judgedStore(dir);
      sim.resetStats();
      const first = await runCli(judgeArgs(store, "--min-score", "5"));
      expect(first.stderr).toContain("Curated 4 items of 2 finished documents: kept 2, removed 2 (2 low-score)");
      expect(first.stderr).toMatch(/Judge: scored 4 items, mean score [\d.]+, 4 calls made/);
      expect(first.code).toBe(0);
      expect(await exported(store, dir)).toEqual(["When did the stone bridge open to traffic?", "Who paid for the harbour wall repairs?"]);
      const reader = RunStore.open(store, { readonly: true });
      const removed = [...reader.curationDecisions()].filter((d) => d.removedFor === "low-score");
      // The judge's replies are the curation's: the run's counts are untouched.
      expect(reader.status().replies).toBe(0);
      reader.close();
      expect(removed).toHaveLength(2);
      for (const d of removed) expect(d.detail).toMatchObject({ score: expect.any(Number), reason: expect.stringMatching(/\S/) });

      expect((await runCli(["status", store])).stdout).toMatch(/judge sim-model \(min score 5\): 4 items scored, mean score [\d.]+/);

      const calls = sim.stats.requests;
      const again = await runCli(judgeArgs(store, "--min-score", "5"));
      expect(again.stderr).toContain("0 calls made");
      expect(sim.stats.requests).toBe(calls);
    });

    it("reads the corpus with the field the run read it with", async () => {
      const dir = tempDir("foveate-curate-");
      const store = judgedStore(dir, false, "body");
      const curated = await runCli(judgeArgs(store, "--min-score", "5"));
      expect(curated.stderr).toContain("kept 2, removed 2 (2 low-score)");
      expect(curated.code).toBe(0);
    });

    it("judges a duplicate in the place of a twin the judge removed, so that one copy of the instruction stays", async () => {
      const dir = tempDir("foveate-curate-");
      const store = judgedStore(dir, true);
      const curated = await runCli(judgeArgs(store, "--dedup", "--min-score", "5"));
      expect(curated.code).toBe(0);
      expect(curated.stderr).toContain("Curated 5 items of 2 finished documents: kept 3, removed 2 (2 low-score)");
      const kept = await exported(store, dir);
      expect(kept.filter((instruction) => instruction === "Which architect designed the bridge's towers?")).toHaveLength(1);
    });

    it("stops at --max-cost with exit 3, keeps what is not judged, and goes on where it stopped", async () => {
      const dir = tempDir("foveate-curate-");
      const store = judgedStore(dir);
      const capped = await runCli(judgeArgs(store, "--concurrency", "1", "--max-cost", "0.2", "--price-in", "100", "--price-out", "100"));
      expect(capped.code).toBe(3);
      const judged = Number(/Judge: scored (\d+) items/.exec(capped.stderr)![1]);
      expect(judged).toBeGreaterThan(0);
      expect(judged).toBeLessThan(4);
      expect(capped.stderr).toContain(`stopped at --max-cost with ${4 - judged} items not judged`);
      const resumed = await runCli(judgeArgs(store, "--max-cost", "1", "--price-in", "100", "--price-out", "100"));
      expect(resumed.code).toBe(0);
      // Only the items not judged before are paid for.
      expect(resumed.stderr).toContain(`${4 - judged} calls made`);
      expect(resumed.stderr).toMatch(/Judge: scored 4 items/);
    });

    it("refuses, recording nothing, a curation that would remove every item, and --max-cost for a judge without a price", async () => {
      const dir = tempDir("foveate-curate-");
      const store = judgedStore(dir);
      const all = await runCli(judgeArgs(store, "--min-score", "10"));
      expect(all.code).toBe(1);
      expect(all.stderr).toMatch(/^foveate: .+: this curation would remove every one of the 4 items \(4 low-score\); nothing was recorded: loosen its thresholds\n$/);
      const reader = RunStore.open(store, { readonly: true });
      expect(reader.curationSummary()).toBeUndefined();
      reader.close();
      const unpriced = await runCli(judgeArgs(store, "--max-cost", "1"));
      expect(unpriced).toMatchObject({ code: 1, stderr: "foveate: --max-cost: no built-in price for the judge sim-model; give --price-in and --price-out\n" });
    });
  });
});
