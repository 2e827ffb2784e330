import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStore } from "../../src/store/run-store.js";
import { runCli } from "../support/run-cli.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimServer } from "../support/sim-server.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";

let sim: SimServer;
beforeAll(async () => (sim = await startSimServer()));
afterAll(() => sim.close());

const synthArgs = (output: string, ...more: string[]) => ["synth", SAMPLE_CORPUS, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--mu", "2", ...more];
const lines = (path: string) => readFileSync(path, "utf8").trim().split("\n");

describe("synth --batch (issue 16)", () => {
  it("writes the same dataset as a live run against the same simulator, the first pass in batches and re-synthesis live", async () => {
    const dir = tempDir("foveate-batch-");
    sim.setOptions(DEFAULT_SIM_OPTIONS);
    const live = await runCli(synthArgs(join(dir, "live.jsonl")));
    expect(live.code).toBe(0);
    sim.resetStats();
    const batched = await runCli(synthArgs(join(dir, "batched.jsonl"), "--batch", "--batch-poll", "0.01"));
    expect(batched.stderr).toMatch(/wave 0 submitted: \d+ calls in 1 batch/);
    expect(batched.code).toBe(0);
    expect(lines(join(dir, "batched.jsonl"))).toEqual(lines(join(dir, "live.jsonl")));
    expect(sim.stats.batch.batchesCreated).toBeGreaterThan(1);
  });

  it("a SIGKILL while a batch runs loses nothing: the same command collects the batch it submitted and submits none twice", async () => {
    const dir = tempDir("foveate-batch-");
    // A clock of the test's own: the first run's batch stays in progress until the test moves it on.
    let ahead = 0;
    const slow = await startSimServer({ batchTurnaroundMs: 60_000 }, { now: () => Date.now() + ahead });
    try {
      const args = (output: string, ...more: string[]) => ["synth", SAMPLE_CORPUS, "-o", output, "--base-url", slow.baseURL, "--model", "sim-model", "--mu", "2", ...more];
      const live = await runCli(args(join(dir, "live.jsonl")));
      expect(live.code).toBe(0);
      const output = join(dir, "batched.jsonl");
      const root = fileURLToPath(new URL("../..", import.meta.url));
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args(output, "--batch", "--batch-poll", "0.05", "--quiet")], { cwd: root, stdio: "ignore" });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
      // Killed once its first batch is recorded in the store.
      const store = `${output}.foveate.db`;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (slow.stats.batch.batchesCreated > 0 && recordedBatches(store) > 0) break;
      }
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      expect(slow.stats.batch.batchesCreated).toBe(1);

      ahead += 120_000;
      slow.setOptions({ batchTurnaroundMs: 20 });
      const resumed = await runCli(args(output, "--batch", "--batch-poll", "0.01"));
      expect(resumed.code).toBe(0);
      expect(resumed.stderr).not.toMatch(/wave 0 submitted/);
      expect(resumed.stderr).toMatch(/wave 0: batch \S+ collected/);
      // Three waves (features, instructions, answers), each submitted once.
      expect(slow.stats.batch.batchesCreated).toBe(3);
      expect(lines(output)).toEqual(lines(join(dir, "live.jsonl")));
    } finally {
      await slow.close();
    }
  });
});

/** Batches recorded in a store that may not exist yet, or be mid-write. */
function recordedBatches(path: string): number {
  try {
    const store = RunStore.open(path, { readonly: true });
    try {
      return store.batches().length;
    } finally {
      store.close();
    }
  } catch {
    return 0;
  }
}
