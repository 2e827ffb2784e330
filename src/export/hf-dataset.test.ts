import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { plainRows, readParquetTable } from "../../test/support/parquet-reader.js";
import { repoRoot } from "../../test/support/repo-root.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { ConfigError } from "../errors.js";
import type { SynthRecord } from "../method/record.js";
import { RunStore } from "../store/run-store.js";
import { hfRow } from "./parquet-table.js";
import { writeHfDataset } from "./hf-dataset.js";

const LEVELS = [["micro", 0], ["scatter", 1], ["macro", 2]] as const;

function record(doc: number, level: string, i: number): SynthRecord {
  return {
    instruction: `What does document ${doc} say about the ${level} topic number ${i} of the harbour records?`,
    output: `Document ${doc} says the harbour kept ${i} ships at anchor through the winter.`,
    article_index: doc,
    level: level as SynthRecord["level"],
    features: [`topic ${i}`, level],
    resynthesized: i % 2 === 1,
    rounds: i % 3,
    source_id: `corpus.jsonl:${doc + 1}`,
    ...(doc % 2 === 0 ? { source_span: [0, 100 + doc] as [number, number], page: doc + 1, section: `Part ${doc}` } : {}),
  };
}

/** A finished store of `documents` documents, `perLevel` items at each of three levels, and the corpus meta synth writes. */
function makeStore(dir: string, documents: number, perLevel = 2, corpus = join(dir, "corpus.jsonl")): string {
  const path = join(dir, "run.foveate.db");
  const store = RunStore.open(path);
  store.writeConfig({ model: "gpt-4o-mini", method: "foveate", mu: perLevel, levels: ["micro", "scatter", "macro"], seed: 0 });
  store.setMeta("corpus", JSON.stringify({ path: corpus, textField: "content" }));
  for (let d = 0; d < documents; d++) {
    const doc = { key: `k${d}`, index: d, sourceId: `corpus.jsonl:${d + 1}` };
    store.startDocument(doc);
    for (const [level, rank] of LEVELS) {
      const kept = Array.from({ length: perLevel }, (_, i) => record(d, level, i));
      store.saveLevel(doc, { level, rank, kept, dropped: [], outcome: {} });
    }
    store.finishDocument(doc);
  }
  store.close();
  return path;
}

const parquetRows = (file: string) => plainRows(readParquetTable(readFileSync(file)));
const frontMatter = (dir: string) => parse(/^---\n([\s\S]*?)\n---\n/.exec(readFileSync(join(dir, "README.md"), "utf8"))![1]!) as Record<string, any>;

describe("writeHfDataset", () => {
  it("writes what curation kept, with the judge's scores, as data/train-00000-of-00001.parquet and a card, leaving nothing beside", async () => {
    const dir = tempDir("foveate-hf-");
    const path = makeStore(dir, 3);
    const store = RunStore.open(path);
    const items = [...store.finishedItems<SynthRecord>()];
    // The second item is a duplicate of the first, the third scored too low, the fourth scored 8.
    store.saveCuration(
      [
        { id: items[1]!.id, removedFor: "duplicate", detail: { of: items[0]!.id } },
        { id: items[2]!.id, removedFor: "low-score", detail: { score: 2, reason: "vague" } },
        { id: items[3]!.id, detail: { score: 8, reason: "grounded" } },
        { id: items[4]!.id, detail: { score: 10 } },
      ],
      { dedup: true, minScore: 5 },
    );
    store.close();
    const out = join(dir, "dataset");
    const summary = await writeHfDataset(path, out);

    expect(readdirSync(out).sort()).toEqual(["README.md", "data"]);
    expect(readdirSync(join(out, "data"))).toEqual(["train-00000-of-00001.parquet"]);
    expect(readdirSync(dir).sort()).toEqual(["dataset", "run.foveate.db"]);
    const kept = items.filter((_, i) => i !== 1 && i !== 2);
    const expected = kept.map((item, i) => hfRow(item.record, i === 1 ? 8 : i === 2 ? 10 : undefined));
    expect(parquetRows(join(out, "data", "train-00000-of-00001.parquet"))).toEqual(expected);
    expect(summary).toMatchObject({ rows: 16, splits: [{ name: "train", rows: 16, documents: 3, files: ["data/train-00000-of-00001.parquet"] }], languages: ["en"] });

    const yaml = frontMatter(out);
    expect(yaml.dataset_info.splits).toEqual([{ name: "train", num_examples: 16, num_bytes: expect.any(Number) }]);
    expect(yaml.dataset_info.download_size).toBe(readFileSync(join(out, "data", "train-00000-of-00001.parquet")).length);
    expect(yaml.language).toEqual(["en"]);
    const card = readFileSync(join(out, "README.md"), "utf8");
    expect(card).toContain("- duplicate: 1");
    expect(card).toContain("- low-score: 1");
    expect(card).toContain("| train | 3 | 5 | 5 | 6 | 16 |");
  });

  it("splits by document, numbering shards as the Hub expects, and no document is in two splits", async () => {
    const dir = tempDir("foveate-hf-");
    const path = makeStore(dir, 40, 3);
    const out = join(dir, "dataset");
    const summary = await writeHfDataset(path, out, { split: "train=0.75,test=0.25", seed: 5, shardRows: 100 });
    const files = readdirSync(join(out, "data")).sort();
    expect(files).toEqual(["test-00000-of-00001.parquet", "train-00000-of-00003.parquet", "train-00001-of-00003.parquet", "train-00002-of-00003.parquet"]);
    const docsOf = (split: string) => new Set(files.filter((f) => f.startsWith(split)).flatMap((f) => parquetRows(join(out, "data", f)).map((r) => r.source_id)));
    const train = docsOf("train");
    const test = docsOf("test");
    expect([...train].filter((d) => test.has(d))).toEqual([]);
    expect(train.size + test.size).toBe(40);
    // Documents of 9 items: 30 and 10 documents give exactly 0.75 and 0.25.
    expect(summary.splits.map((s) => [s.name, s.rows, s.documents])).toEqual([["train", 270, 30], ["test", 90, 10]]);
    const yaml = frontMatter(out);
    expect(yaml.configs[0].data_files).toEqual([
      { split: "train", path: ["data/train-00000-of-00003.parquet", "data/train-00001-of-00003.parquet", "data/train-00002-of-00003.parquet"] },
      { split: "test", path: ["data/test-00000-of-00001.parquet"] },
    ]);
    expect(yaml.dataset_info.splits.map((s: { num_examples: number }) => s.num_examples)).toEqual([270, 90]);
    // Another seed, another split of the documents.
    const other = join(dir, "other");
    await writeHfDataset(path, other, { split: "train=0.75,test=0.25", seed: 6 });
    const otherTest = new Set(parquetRows(join(other, "data", "test-00000-of-00001.parquet")).map((r) => r.source_id));
    expect(otherTest).not.toEqual(test);
  });

  it("refuses a split that leaves a part empty, writing nothing", async () => {
    const dir = tempDir("foveate-hf-");
    const path = makeStore(dir, 2);
    const out = join(dir, "dataset");
    await expect(writeHfDataset(path, out, { split: "train=0.9,validation=0.05,test=0.05" })).rejects.toThrow(/the part "(validation|test)" \(0\.05\) would get no item: the dataset has 2 documents/);
    expect(readdirSync(dir)).toEqual(["run.foveate.db"]);
  });

  it("replaces an earlier foveate export whole, and refuses a folder holding anything else, a file, or a folder inside the corpus", async () => {
    const dir = tempDir("foveate-hf-");
    const corpus = join(dir, "docs");
    mkdirSync(corpus);
    const path = makeStore(dir, 40, 3, corpus);
    const out = join(dir, "dataset");
    await writeHfDataset(path, out, { shardRows: 100 });
    expect(readdirSync(join(out, "data"))).toHaveLength(4);
    await writeHfDataset(path, out, { split: "train=0.5,test=0.5" });
    expect(readdirSync(join(out, "data")).sort()).toEqual(["test-00000-of-00001.parquet", "train-00000-of-00001.parquet"]);
    expect(readdirSync(dir).sort()).toEqual(["dataset", "docs", "run.foveate.db"]);

    const mine = join(dir, "mine");
    mkdirSync(mine);
    writeFileSync(join(mine, "notes.txt"), "keep me");
    await expect(writeHfDataset(path, mine)).rejects.toThrow(ConfigError);
    await expect(writeHfDataset(path, mine)).rejects.toThrow(`-o "${mine}" exists and holds other files than an earlier foveate hf export`);
    expect(readdirSync(mine)).toEqual(["notes.txt"]);
    // A folder that looks like an export but whose card is not foveate's is someone else's.
    const theirs = join(dir, "theirs");
    mkdirSync(join(theirs, "data"), { recursive: true });
    writeFileSync(join(theirs, "README.md"), "---\ntags: [x]\n---\n");
    await expect(writeHfDataset(path, theirs)).rejects.toThrow("holds other files than an earlier foveate hf export");
    expect(readFileSync(join(theirs, "README.md"), "utf8")).toBe("---\ntags: [x]\n---\n");
    await expect(writeHfDataset(path, join(mine, "notes.txt"))).rejects.toThrow("is a file; --format hf writes a folder");
    await expect(writeHfDataset(path, join(corpus, "out"))).rejects.toThrow("lies inside the corpus folder");
    await expect(writeHfDataset(path, dir)).rejects.toThrow("holds the run store");
    await expect(writeHfDataset(path, join(dir, "no", "such"))).rejects.toThrow("does not exist; create it first");
    expect(readdirSync(corpus)).toEqual([]);
  });

  it("refuses a store with nothing to export, saying when curation removed it all", async () => {
    const dir = tempDir("foveate-hf-");
    const path = makeStore(dir, 1, 1);
    const store = RunStore.open(path);
    store.saveCuration([...store.finishedItems()].map((item) => ({ id: item.id, removedFor: "low-score", detail: { score: 1 } })), {});
    store.close();
    await expect(writeHfDataset(path, join(dir, "out"))).rejects.toThrow("holds no records to export: its curation removed every one");
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  // A file-size limit (ulimit -f, with SIGXFSZ ignored) makes the Parquet write fail with EFBIG, also for root.
  it.runIf(process.platform === "linux")("leaves the folder whole or absent when writing fails", async () => {
    const dir = tempDir("foveate-hf-");
    const path = makeStore(dir, 60, 20);
    const fresh = join(dir, "fresh");
    const earlier = join(dir, "earlier");
    const small = makeStore(mkdirSync(join(dir, "small"), { recursive: true })!, 1, 1);
    await writeHfDataset(small, earlier);
    const before = readFileSync(join(earlier, "data", "train-00000-of-00001.parquet"));
    const script = join(dir, "write.mts");
    const module = pathToFileURL(join(repoRoot, "src/export/hf-dataset.ts")).href;
    writeFileSync(
      script,
      `import { writeHfDataset } from ${JSON.stringify(module)};\n` +
        `for (const out of process.argv.slice(3)) await writeHfDataset(process.argv[2], out).then(() => console.log("written"), (e) => console.log(e.code ?? e.message));\n`,
    );
    const run = () =>
      new Promise<string>((resolve, reject) =>
        execFile("sh", ["-c", `trap '' XFSZ; ulimit -f 64; exec "${process.execPath}" --import tsx "${script}" "${path}" "${fresh}" "${earlier}"`], { cwd: repoRoot }, (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
        ),
      );
    expect((await run()).trim().split("\n")).toEqual(["EFBIG", "EFBIG"]);
    expect(existsSync(fresh)).toBe(false);
    expect(readFileSync(join(earlier, "data", "train-00000-of-00001.parquet"))).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(["earlier", "run.foveate.db", "small", "write.mts"]);
  });
});
