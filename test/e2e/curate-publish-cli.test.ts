import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUploadHub } from "../support/fake-hub-upload.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { plainRows, readParquetTable } from "../support/parquet-reader.js";
import { runCli } from "../support/run-cli.js";
import { startSimServer, type SimServer } from "../support/sim-server.js";
import { tempDir } from "../support/temp-dir.js";

let sim: SimServer;
beforeAll(async () => (sim = await startSimServer()));
afterAll(() => sim.close());

describe("synth, curate, export --format hf, push: the whole way (issue 15)", () => {
  it("a document given twice comes out once, judged, split by document, in Parquet an independent reader reads, on the Hub", async () => {
    const dir = tempDir("foveate-publish-");
    // The sample corpus with its first document again at the end: its items repeat the first document's.
    const lines = readFileSync(SAMPLE_CORPUS, "utf8").trim().split("\n");
    const corpus = join(dir, "corpus.jsonl");
    writeFileSync(corpus, [...lines, lines[0]!].join("\n") + "\n");
    const output = join(dir, "data.jsonl");
    const synth = await runCli(["synth", corpus, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--mu", "2"]);
    expect(synth.code).toBe(0);
    const store = `${output}.foveate.db`;
    // Its micro and macro items ask what the first document's ask (scatter draws its keyword groups by the document's place).
    const made = readFileSync(output, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { instruction: string; source_id: string; level: string });
    const first = new Set(made.filter((r) => r.source_id.endsWith(":1")).map((r) => r.instruction));
    const repeated = made.filter((r) => r.source_id.endsWith(`:${lines.length + 1}`) && first.has(r.instruction)).length;
    expect(repeated).toBeGreaterThan(0);

    const curate = await runCli(["curate", store, "--dedup", "--judge-model", "sim-model", "--judge-base-url", sim.baseURL, "--min-score", "2"]);
    expect(curate.code).toBe(0);
    const kept = Number(/kept (\d+), removed/.exec(curate.stderr)![1]);
    expect(curate.stderr).toMatch(new RegExp(`removed \\d+ \\(.*${repeated} exact-duplicate`));

    const folder = join(dir, "dataset");
    const exported = await runCli(["export", store, "--format", "hf", "-o", folder, "--split", "train=0.75,test=0.25"]);
    expect(exported.code).toBe(0);
    const rows: Array<Record<string, unknown>> = readdirSync(join(folder, "data")).flatMap((file) => {
      const split = file.split("-")[0]!;
      return plainRows(readParquetTable(readFileSync(join(folder, "data", file)))).map((row) => ({ ...row, split }));
    });
    expect(rows).toHaveLength(kept);
    // Each instruction once; every item judged; no document in two splits.
    expect(new Set(rows.map((r) => r.instruction)).size).toBe(rows.length);
    for (const row of rows) expect(row.judge_score).toEqual(expect.any(Number));
    const splitsOf = new Map<unknown, Set<unknown>>();
    for (const row of rows) splitsOf.set(row.source_id, (splitsOf.get(row.source_id) ?? new Set()).add(row.split));
    for (const splits of splitsOf.values()) expect(splits.size).toBe(1);
    expect(new Set(rows.map((r) => r.split))).toEqual(new Set(["train", "test"]));

    const hub = await startUploadHub();
    try {
      hub.addUser("hf_me_write", "me", []);
      const env = { HOME: tempDir("foveate-home-"), HF_TOKEN: "hf_me_write", HF_HOME: undefined, HF_TOKEN_PATH: undefined, XDG_CACHE_HOME: undefined, HF_ENDPOINT: hub.base };
      const push = await runCli(["push", folder, "--repo", "me/foveate-sample"], env);
      expect(push.code).toBe(0);
      const repo = hub.repos.get("me/foveate-sample")!;
      for (const file of ["README.md", ...readdirSync(join(folder, "data")).map((f) => `data/${f}`)]) {
        expect(repo.files.get(file)?.content.equals(readFileSync(join(folder, file)))).toBe(true);
      }
    } finally {
      await hub.close();
    }
  });
});
