import { cpSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimServer } from "../support/sim-server.js";
import { tempDir } from "../support/temp-dir.js";

// Issue 12, case 7: a run to standard output keeps its store under a name of its own, says where,
// and finds it again when the same command is run again.

let sim: SimServer;
beforeAll(async () => {
  sim = await startSimServer();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.setOptions(DEFAULT_SIM_OPTIONS);
  sim.resetStats();
});

const STORE_LINE = /^Run store: (\S+) \(named for the corpus and settings; the same command resumes from it, --store picks another\)$/;

/** A small run to standard output from the working folder `cwd` (the store's default place). */
async function synthIn(cwd: string, corpus: string, ...args: string[]) {
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const result = await runCli(["synth", corpus, "--base-url", sim.baseURL, "--model", "sim-model", "--limit", "2", "--mu", "2", "--levels", "micro", ...args]);
    const store = STORE_LINE.exec(result.stderr.split("\n")[0] ?? "")?.[1];
    return { ...result, store };
  } finally {
    process.chdir(before);
  }
}

const stores = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".foveate.db")).sort();

describe("case 7: standard output runs no longer share one hidden store", () => {
  it("an unrelated later run (another corpus) in the same folder runs, with a store of its own", async () => {
    const dir = tempDir("foveate-stdout-store-");
    await writeFile(join(dir, "news.jsonl"), readFileSync(SAMPLE_CORPUS, "utf8"));
    await writeFile(join(dir, "other.jsonl"), readFileSync(SAMPLE_CORPUS, "utf8").split("\n").slice(2).join("\n"));
    const corpora = { news: await readFile(join(dir, "news.jsonl"), "utf8"), other: await readFile(join(dir, "other.jsonl"), "utf8") };

    const first = await synthIn(dir, "news.jsonl");
    expect(first.code, first.stderr).toBe(0);
    expect(first.store).toMatch(/^foveate-news-[0-9a-f]{10}\.foveate\.db$/);
    expect(first.stdout.trim().split("\n").length).toBeGreaterThan(0);
    expect(first.stderr).toContain(`Run store: ${first.store}\n`); // the summary names it too

    const second = await synthIn(dir, "other.jsonl");
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain("other settings");
    expect(second.store).toMatch(/^foveate-other-[0-9a-f]{10}\.foveate\.db$/);
    expect(stores(dir)).toEqual([first.store, second.store].sort());
    expect({ news: await readFile(join(dir, "news.jsonl"), "utf8"), other: await readFile(join(dir, "other.jsonl"), "utf8") }).toEqual(corpora);
  });

  it("the same command run again finds its store: nothing is asked twice and the dataset is the same", async () => {
    const dir = tempDir("foveate-stdout-store-");
    const first = await synthIn(dir, SAMPLE_CORPUS);
    expect(first.code, first.stderr).toBe(0);
    const asked = sim.stats.requests;
    expect(asked).toBeGreaterThan(0);
    const again = await synthIn(dir, SAMPLE_CORPUS);
    expect(again.code, again.stderr).toBe(0);
    expect(again.store).toBe(first.store);
    expect(sim.stats.requests).toBe(asked);
    expect(again.stdout).toBe(first.stdout);
    expect(stores(dir)).toEqual([first.store]);
  });

  it("other settings on the same corpus get another store instead of a refusal", async () => {
    const dir = tempDir("foveate-stdout-store-");
    const two = await synthIn(dir, SAMPLE_CORPUS);
    const three = await synthIn(dir, SAMPLE_CORPUS, "--mu", "3");
    expect(two.code, two.stderr).toBe(0);
    expect(three.code, three.stderr).toBe(0);
    expect(three.store).not.toBe(two.store);
    expect(stores(dir)).toEqual([two.store, three.store].sort());
  });

  it("`synth .` in the corpus folder keeps the store beside that folder, leaving the corpus as it was", async () => {
    const dir = realpathSync(tempDir("foveate-stdout-store-"));
    const docs = join(dir, "docs");
    await mkdir(docs);
    cpSync(SAMPLE_CORPUS, join(docs, "sample.jsonl"));
    const before = await readFile(join(docs, "sample.jsonl"), "utf8");
    const run = await synthIn(docs, ".");
    expect(run.code, run.stderr).toBe(0);
    expect(run.store).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/foveate-docs-[0-9a-f]{10}\\.foveate\\.db$`));
    expect(await readdir(docs)).toEqual(["sample.jsonl"]);
    expect(await readFile(join(docs, "sample.jsonl"), "utf8")).toBe(before);
    expect(stores(dir)).toEqual([run.store!.slice(dir.length + 1)]);
    // and run again from there, it resumes from the same store
    const asked = sim.stats.requests;
    const again = await synthIn(docs, ".");
    expect(again.code, again.stderr).toBe(0);
    expect(again.store).toBe(run.store);
    expect(sim.stats.requests).toBe(asked);
  });

  it("--store still names the store, and no line is added for it", async () => {
    const dir = tempDir("foveate-stdout-store-");
    const run = await synthIn(dir, SAMPLE_CORPUS, "--store", "mine.db");
    expect(run.code, run.stderr).toBe(0);
    expect(run.store).toBeUndefined();
    expect(readdirSync(dir)).toEqual(["mine.db"]);
  });
});
