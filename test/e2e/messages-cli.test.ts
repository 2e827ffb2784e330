import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimServer } from "../support/sim-server.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";
import { DEFAULT_LOCAL_MODEL } from "../../src/llm/engine-choice.js";
import { SynthesisJob } from "../../src/index.js";
import type { RunProgress } from "../../src/run/job-events.js";

let sim: SimServer;
beforeAll(async () => (sim = await startSimServer()));
afterAll(() => sim.close());

const lines = (text: string) => text.trim().split("\n");
const synthArgs = (baseUrl: string, output: string, ...more: string[]) => ["synth", SAMPLE_CORPUS, "-o", output, "--base-url", baseUrl, "--model", "sim-model", "--mu", "1", ...more];

/** Every file under `dir` with its bytes, to show a command left the user's files as they were. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(dir, f)).isFile()).map((f) => [f, createHash("sha256").update(readFileSync(join(dir, f))).digest("hex")]));
}

/** A web server answering every request with a web page and status 200, as a server's root or UI does. */
async function startHtmlServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("summaries that tell what happened (issue 12, case 12)", () => {
  it("against a server answering only 429, counts the requests sent, the 429s and the retries", async () => {
    const dir = tempDir("foveate-messages-");
    sim.setOptions({ ...DEFAULT_SIM_OPTIONS, rate429: 1 });
    const run = await runCli(synthArgs(sim.baseURL, join(dir, "out.jsonl"), "--max-retries", "2", "--concurrency", "2", "--limit", "2", "--levels", "micro")).finally(() =>
      sim.setOptions(DEFAULT_SIM_OPTIONS),
    );
    const sent = sim.stats.byStatus["429"] ?? 0;
    expect(sent).toBeGreaterThan(0);
    expect(run.code).toBe(1);
    const said = lines(run.stderr);
    const calls = said.find((l) => l.startsWith("LLM calls:"));
    expect(calls).toMatch(new RegExp(`^LLM calls: 0 \\(${sent} requests sent, transport retries ${(sent * 2) / 3}, `));
    expect(said.find((l) => l.startsWith("Rate limits:"))).toMatch(new RegExp(`^Rate limits: ${sent} replies 429, .* s backing off before retries$`));
  });

  it("an HTML page served with status 200 says HTML came back and that the base URL should end in /v1", async () => {
    const dir = tempDir("foveate-messages-");
    const html = await startHtmlServer();
    try {
      const run = await runCli(synthArgs(html.url, join(dir, "out.jsonl"), "--limit", "1", "--levels", "micro"));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`an HTML page came back from ${html.url} (model "sim-model") instead of JSON: the base URL should end in /v1 (try ${html.url}/v1)`);
      expect(lines(run.stderr).at(-1)).toBe(`foveate: an HTML page came back from ${html.url} (model "sim-model") instead of JSON: the base URL should end in /v1 (try ${html.url}/v1)`);
      expect(run.stderr).not.toContain("not valid JSON");
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await html.close();
    }
  });

  it("a 401 is not followed by 'Nothing is lost: run the same command again': it says to fix the key", async () => {
    const dir = tempDir("foveate-messages-");
    sim.setOptions({ ...DEFAULT_SIM_OPTIONS, apiKey: "sk-right" });
    const run = await runCli(synthArgs(sim.baseURL, join(dir, "out.jsonl"), "--api-key", "sk-wrong")).finally(() => sim.setOptions(DEFAULT_SIM_OPTIONS));
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain("Nothing is lost: run the same command again");
    expect(run.stderr).toContain("The same command fails the same way until the API key is fixed (OPENAI_API_KEY or --api-key); then it resumes, and nothing paid for is lost.");
    expect(lines(run.stderr).at(-1)).toBe(`foveate: 401 Unauthorized from ${sim.baseURL} (model "sim-model"): check the API key (OPENAI_API_KEY or --api-key)`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a dry run with the local engine and no price given does not speak of prices given", async () => {
    const dir = tempDir("foveate-messages-");
    const before = snapshot(dir);
    const run = await runCli(["synth", SAMPLE_CORPUS, "-o", join(dir, "out.jsonl"), "--dry-run"]);
    expect(run.code).toBe(0);
    expect(lines(run.stderr).filter((l) => l.startsWith("Cost:"))).toEqual([
      "Cost: nothing per token: the local engine runs on this machine (--price-in and --price-out put a price on it)",
    ]);
    expect(run.stderr).not.toContain("prices given");
    expect(snapshot(dir)).toEqual(before);
  });
});

/** A port nothing listens on: connections to it are refused, as with a machine that is offline. */
async function refusedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("the offline first run (issue 12, case 10)", () => {
  it("says first why the local engine was chosen and how to point foveate elsewhere, and again after a failed download", async () => {
    const dir = tempDir("foveate-messages-");
    const before = snapshot(dir);
    const hub = `http://127.0.0.1:${await refusedPort()}`;
    const env = { HF_ENDPOINT: hub, FOVEATE_CACHE_DIR: join(dir, "cache"), HF_HOME: join(dir, "hf-home") };
    const run = await runCli(["synth", SAMPLE_CORPUS, "-o", join(dir, "out.jsonl")], env);
    expect(run.code).toBe(1);
    const instead = "to use an API, set OPENAI_API_KEY or pass --base-url http://HOST:PORT/v1; to use a model file you have, pass --model FILE.gguf";
    const said = lines(run.stderr);
    expect(said[0]).toBe(
      `Local engine: no API configured (no OPENAI_API_KEY, --api-key, OPENAI_BASE_URL or --base-url), so the default model ${DEFAULT_LOCAL_MODEL} runs in this process (downloaded once); ${instead}.`,
    );
    expect(said.at(-1)).toBe(`foveate: cannot download ${DEFAULT_LOCAL_MODEL}: cannot reach ${hub.slice("http://".length)} (ECONNREFUSED). No API is configured: ${instead}`);
    expect(said).toHaveLength(2);
    expect(snapshot(dir)).toEqual(before);
  });

  it("says nothing of the kind when the user chose the engine, the model or an API", async () => {
    const dir = tempDir("foveate-messages-");
    const env = { HF_ENDPOINT: `http://127.0.0.1:${await refusedPort()}`, FOVEATE_CACHE_DIR: join(dir, "cache"), HF_HOME: join(dir, "hf-home") };
    const chosen = await runCli(["synth", SAMPLE_CORPUS, "-o", join(dir, "out.jsonl"), "--engine", "local"], env);
    expect(chosen.code).toBe(1);
    expect(chosen.stderr).not.toContain("No API is configured");
    expect(chosen.stderr).not.toContain("Local engine: no API configured");
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("a server that hangs (issue 12, case 11)", () => {
  const hanging = (...more: string[]) => [...more, "--timeout", "1", "--max-retries", "1", "--limit", "1", "--levels", "micro"];

  it("the first timeout says which URL timed out after how long, and that it will be retried", async () => {
    const dir = tempDir("foveate-messages-");
    sim.setOptions({ ...DEFAULT_SIM_OPTIONS, latencyMs: 2500 });
    const run = await runCli(synthArgs(sim.baseURL, join(dir, "out.jsonl"), ...hanging())).finally(() => sim.setOptions(DEFAULT_SIM_OPTIONS));
    expect(run.code).toBe(1);
    const told = lines(run.stderr).filter((l) => l.startsWith("warning:"));
    expect(told).toEqual([
      `warning: no reply from ${sim.baseURL} (model "sim-model") within 1 s: request timed out; it will be retried, as will any call that times out (--max-retries 1 a call; --timeout sets the limit)`,
    ]);
    expect(lines(run.stderr).find((l) => l.startsWith("LLM calls:"))).toMatch(/^LLM calls: 0 \(2 requests sent, transport retries 1, /);
  });

  it("progress shows the calls waiting for a reply and how long the oldest has waited", async () => {
    const dir = tempDir("foveate-messages-");
    sim.setOptions({ ...DEFAULT_SIM_OPTIONS, latencyMs: 2500 });
    const seen: RunProgress[] = [];
    const job = new SynthesisJob({ corpus: SAMPLE_CORPUS, output: join(dir, "out.jsonl"), baseUrl: sim.baseURL, model: "sim-model", mu: 1, levels: ["micro"], limit: 1, timeout: 1, maxRetries: 0 });
    await job
      .start({ progressIntervalMs: 50, onEvent: (event) => event.type === "progress" && seen.push(event.progress) })
      .finally(() => sim.setOptions(DEFAULT_SIM_OPTIONS));
    const waiting = seen.filter((p) => p.waiting !== undefined);
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.every((p) => p.calls === 0 && p.waiting!.calls === 1)).toBe(true);
    expect(Math.max(...waiting.map((p) => p.waiting!.oldestMs))).toBeGreaterThanOrEqual(700);
    expect(seen.at(-1)!.waiting).toBeUndefined();
  });
});
