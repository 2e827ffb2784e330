import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { startSimServer, type SimServer } from "../support/sim-server.js";
import { tempDir } from "../support/temp-dir.js";

let one: SimServer;
let two: SimServer;
/** Addresses where nothing listens: servers started and closed again. */
let dead: string;
let dead2: string;
const dir = tempDir("foveate-endpoints-");

beforeAll(async () => {
  [one, two] = await Promise.all([startSimServer(), startSimServer()]);
  const gone = await Promise.all([startSimServer(), startSimServer()]);
  [dead, dead2] = gone.map((server) => server.baseURL) as [string, string];
  await Promise.all(gone.map((server) => server.close()));
});
afterAll(() => Promise.all([one.close(), two.close()]));

async function synth(name: string, ...args: string[]) {
  const output = join(dir, `${name}.jsonl`);
  const result = await runCli(["synth", SAMPLE_CORPUS, "-o", output, "--model", "sim-model", "--seed", "1", "--mu", "4", ...args]);
  return { ...result, text: await readFile(output, "utf8").catch(() => "") };
}

describe("foveate synth over several endpoints", () => {
  it("spreads one run over two servers, and makes the dataset one server alone makes", async () => {
    const alone = await synth("alone", "--base-url", one.baseURL);
    expect(alone.code).toBe(0);
    one.resetStats();
    two.resetStats();
    const both = await synth("both", "--base-url", one.baseURL, "--base-url", two.baseURL, "--concurrency", "4");
    expect(both.code, both.stderr).toBe(0);
    expect(one.stats.chatRequests).toBeGreaterThan(20);
    expect(two.stats.chatRequests).toBeGreaterThan(20);
    expect(both.text).toBe(alone.text);
    expect(both.text.length).toBeGreaterThan(0);
  });

  it("takes an endpoint where no server answers out of the run, and finishes on the other", async () => {
    two.resetStats();
    const run = await synth("one-dead", "--base-url", dead, "--base-url", two.baseURL, "--max-retries", "3");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Rate limits: .*endpoints taken out \d+ times? for failing/);
    expect(run.text.trim().split("\n").length).toBeGreaterThan(12);
  });

  it("stops in one line when no endpoint answers", async () => {
    const run = await synth("all-dead", "--base-url", dead, "--base-url", dead2, "--max-retries", "1");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot connect to http:\/\/127\.0\.0\.1:\d+\/v1\/?: connection refused \(is the server running\?\)/);
  });
});
