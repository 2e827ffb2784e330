import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SynthRecord } from "../../src/method/record.js";
import { RunStore } from "../../src/store/run-store.js";
import { plainRows, readParquetTable } from "../support/parquet-reader.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

/** A finished store of `documents` documents with two micro items each. */
function makeStore(dir: string, documents: number): string {
  const path = join(dir, "run.foveate.db");
  const store = RunStore.open(path);
  store.writeConfig({ model: "gpt-4o-mini", method: "foveate", mu: 2, levels: ["micro"], seed: 0 });
  for (let d = 0; d < documents; d++) {
    const doc = { key: `k${d}`, index: d, sourceId: `c.jsonl:${d + 1}` };
    const kept: SynthRecord[] = [0, 1].map((i) => ({
      instruction: `Which ship did the harbour master of town ${d} record as item ${i} in the winter ledger?`,
      output: `The ledger names the schooner of town ${d} as item ${i}.`,
      article_index: d, level: "micro", features: [`ship ${i}`], resynthesized: false, rounds: 0, source_id: doc.sourceId,
    }));
    store.saveLevel(doc, { level: "micro", rank: 0, kept, dropped: [], outcome: {} });
    store.finishDocument(doc);
  }
  store.close();
  return path;
}

describe("foveate export --format hf", () => {
  it("writes a dataset folder split by document and says what it wrote", async () => {
    const dir = tempDir("foveate-hf-cli-");
    const store = makeStore(dir, 10);
    const out = join(dir, "dataset");
    const result = await runCli(["export", store, "--format", "hf", "--split", "train=0.8,test=0.2", "--seed", "3", "--license", "cc-by-4.0", "-o", out]);
    expect(result.stderr).toBe(`Exported 20 records (hf) to ${out}: train 16 (8 documents), test 4 (2 documents)\n`);
    expect(result.code).toBe(0);
    expect(readdirSync(join(out, "data")).sort()).toEqual(["test-00000-of-00001.parquet", "train-00000-of-00001.parquet"]);
    const test = plainRows(readParquetTable(readFileSync(join(out, "data", "test-00000-of-00001.parquet"))));
    const train = plainRows(readParquetTable(readFileSync(join(out, "data", "train-00000-of-00001.parquet"))));
    const trainDocs = new Set(train.map((r) => r.source_id));
    expect(test.filter((r) => trainDocs.has(r.source_id))).toEqual([]);
    expect(readFileSync(join(out, "README.md"), "utf8")).toMatch(/^---\n(.*\n)*license: cc-by-4.0\n/);
  });

  it.each([
    [["--format", "hf"], "foveate: --format hf writes a folder: name it with -o DIR"],
    [["--format", "hf", "--split", "train=0.5,test=0.6", "-o", "OUT"], "the fractions sum to 1.1, not 1"],
    [["--split", "train=1", "-o", "OUT/x.jsonl"], "foveate: --split is for --format hf"],
    [["--format", "hf", "--system", "Be brief.", "-o", "OUT"], "foveate: --system is for the fine-tuning formats"],
    [["--license", "mit", "-o", "OUT/x.jsonl"], "foveate: --license is for --format hf"],
    [["--format", "hf", "--split", "train=0.9,test=0.05,dev=0.05", "-o", "OUT"], "would get no item: the dataset has 3 documents"],
    [["--format", "hf", "-o", "MINE"], "exists and holds other files than an earlier foveate hf export"],
  ])("refuses %j in one line, exit 1, leaving files as they were", async (args, message) => {
    const dir = tempDir("foveate-hf-cli-");
    const store = makeStore(dir, 3);
    mkdirSync(join(dir, "mine"));
    writeFileSync(join(dir, "mine", "notes.txt"), "keep");
    const before = readdirSync(dir).sort();
    const result = await runCli(["export", store, ...args.map((a) => a.replace("OUT", join(dir, "out")).replace("MINE", join(dir, "mine")))]);
    expect(result.code).toBe(1);
    // One line (commander adds its "(run with --help for usage)" after a bad flag value, as for every flag).
    expect(result.stderr.split("\n")[0]).toContain(message);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(readdirSync(join(dir, "mine"))).toEqual(["notes.txt"]);
  });
});
