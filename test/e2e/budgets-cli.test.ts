import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { SynthRecord } from "../../src/method/record.js";
import { runCli } from "../support/run-cli.js";
import { startSimServer, type SimServer } from "../support/sim-server.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";

const SAMPLE = SAMPLE_CORPUS;
let sim: SimServer;
const dir = tempDir("foveate-budgets-");

beforeAll(async () => {
  sim = await startSimServer();
});
afterAll(() => sim.close());

const args = (output: string, ...more: string[]) => [
  "synth", SAMPLE, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--embed-model", "sim-embedding", "--alpha", "2", ...more,
];

it("adaptive budgets: shown before the run, followed by every level, embedded in a few batched requests, cached for a rerun", async () => {
  const output = join(dir, "adaptive.jsonl");
  sim.resetStats();
  const dry = await runCli([...args(output), "--dry-run"]);
  expect(dry.code).toBe(0);
  expect(dry.stderr).toMatch(/Budgets per document and level: min \d+, median [\d.]+, max \d+ \(12 documents\)/);
  expect(sim.stats.chatRequests).toBe(0);
  // 12 documents and about 1,100 distinct words in batches of 256: a handful of requests.
  expect(sim.stats.embeddingRequests).toBeGreaterThan(0);
  expect(sim.stats.embeddingRequests).toBeLessThanOrEqual(12);
  const histogram = [...dry.stderr.matchAll(/^\s+(\d+) #+ (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
  expect(histogram.length).toBeGreaterThan(1);

  sim.resetStats();
  const run = await runCli(args(output));
  expect(run.code).toBe(0);
  // The dry run put every vector in the store already.
  expect(sim.stats.embeddingRequests).toBe(0);
  const records = (await readFile(output, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as SynthRecord);
  const perDocument = new Map<number, number>();
  for (const r of records.filter((r) => r.level === "micro")) perDocument.set(r.article_index, (perDocument.get(r.article_index) ?? 0) + 1);
  const budgets = histogram.flatMap(([budget, n]) => Array<number>(n!).fill(budget!));
  expect(Math.max(...perDocument.values())).toBeLessThanOrEqual(Math.max(...budgets));
  expect(new Set(perDocument.values()).size).toBeGreaterThan(1);

  const changed = await runCli(args(output, "--alpha", "1"));
  expect(changed.code).toBe(1);
  expect(changed.stderr).toMatch(/made with other settings \(budgets: .*"alpha":2.* then, .*"alpha":1.* now\)/);
});
