import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimOptions, type SimServer } from "../support/sim-server.js";
import { tempDir } from "../support/temp-dir.js";

let sim: SimServer;
const dir = tempDir("foveate-limits-");

beforeAll(async () => {
  sim = await startSimServer();
});
afterAll(() => sim.close());

function simulate(changes: Partial<SimOptions>) {
  sim.setOptions({ ...DEFAULT_SIM_OPTIONS, ...changes });
  sim.resetStats();
}

async function synth(name: string, ...args: string[]) {
  const output = join(dir, `${name}.jsonl`);
  const result = await runCli(["synth", SAMPLE_CORPUS, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--seed", "1", "--mu", "2", ...args]);
  return { ...result, text: await readFile(output, "utf8").catch(() => "") };
}

describe("foveate synth under real rate limits", () => {
  it("learns how many calls a server takes at once and holds there", async () => {
    simulate({ maxConcurrent: 4, latencyMs: 30 });
    const run = await synth("capped", "--concurrency", "32");
    expect(run.code, run.stderr).toBe(0);
    expect(sim.stats.maxInFlight).toBeLessThanOrEqual(4);
    // The first burst is refused, then only an occasional probe one place higher.
    const calls = sim.stats.chatRequests - sim.stats.limited.concurrency;
    expect(sim.stats.limited.concurrency).toBeLessThan(28 + calls / 8);
    expect(run.stderr).toMatch(/Rate limits: \d+ replies 429, concurrency lowered \d+ times? \(held at [45]\)/);
  });

  it("keeps within the limits a server publishes in its headers", async () => {
    simulate({ limitRequests: 40, limitWindowMs: 400, latencyMs: 5 });
    const run = await synth("published", "--concurrency", "16");
    expect(run.code, run.stderr).toBe(0);
    // Told what is left, the run waits for the window instead of being refused, save for replies in flight.
    expect(sim.stats.limited.requests).toBeLessThanOrEqual(16);
    expect(sim.stats.chatRequests - sim.stats.limited.requests).toBeGreaterThan(100);
  });

  it("delays only the calls that got a 429, and keeps the dataset a clean run makes", async () => {
    simulate({ latencyMs: 5 });
    const clean = await synth("clean");
    simulate({ latencyMs: 5, rate429: 0.1, retryAfterSeconds: 0.2 });
    const noisy = await synth("noisy");
    expect(noisy.code, noisy.stderr).toBe(0);
    expect(sim.stats.faults.status429).toBeGreaterThan(5);
    expect(noisy.text).toBe(clean.text);
    expect(noisy.stderr).not.toMatch(/concurrency lowered|paused/);
  });
});
