import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimServer } from "../support/sim-server.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";

let sim: SimServer;
const dir = tempDir("foveate-max-cost-");

beforeAll(async () => {
  // Enough latency that the calls of many documents are in flight at once, as against a real server.
  sim = await startSimServer({ ...DEFAULT_SIM_OPTIONS, latencyMs: 20 });
});
afterAll(() => sim.close());

// A high price makes the run cost hundreds of dollars, so that the summary's cents are precise enough.
const args = (output: string, ...more: string[]) => [
  "synth", SAMPLE_CORPUS, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--seed", "3",
  "--price-in", "1000", "--price-out", "1000", "--concurrency", "48", ...more,
];
const costOf = (stderr: string) => Number(/^Cost: \$([\d,.]+)$/m.exec(stderr)![1]!.replace(/,/g, ""));

it("spends between 90% and 100% of --max-cost, nothing more on a rerun with it, and finishes with a larger one", async () => {
  const clean = await runCli(args(join(dir, "clean.jsonl")));
  expect(clean.code).toBe(0);
  const full = costOf(clean.stderr);
  const cap = Math.round(full / 2);

  const output = join(dir, "capped.jsonl");
  const stopped = await runCli(args(output, "--max-cost", String(cap)));
  expect(stopped.code).toBe(3);
  expect(stopped.stderr).toMatch(new RegExp(`stopped before crossing the budget of \\$${cap}\\.00`));
  const spent = costOf(stopped.stderr);
  console.log(`clean run $${full}; cap $${cap}; spent $${spent}; spent/cap ${(spent / cap).toFixed(4)}`);
  expect(spent / cap).toBeGreaterThanOrEqual(0.9);
  expect(spent / cap).toBeLessThanOrEqual(1);

  sim.resetStats();
  const again = await runCli(args(output, "--max-cost", String(cap)));
  expect(again.code).toBe(3);
  expect(sim.stats.chatRequests).toBe(0);

  const finished = await runCli(args(output, "--max-cost", String(2 * full)));
  expect(finished.code).toBe(0);
  expect(await readFile(output, "utf8")).toBe(await readFile(join(dir, "clean.jsonl"), "utf8"));
});
