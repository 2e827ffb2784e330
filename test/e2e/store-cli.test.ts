import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SynthRecord } from "../../src/method/record.js";
import { runCli } from "../support/run-cli.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimOptions, type SimServer } from "../support/sim-server.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SAMPLE = SAMPLE_CORPUS;
let sim: SimServer;
const dir = tempDir("foveate-store-");
let reference: string;

function simulate(changes: Partial<SimOptions>) {
  sim.setOptions({ ...DEFAULT_SIM_OPTIONS, ...changes });
  sim.resetStats();
}

const synthArgs = (output: string, ...more: string[]) => ["synth", SAMPLE, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--seed", "2", ...more];
const lines = (text: string) => text.trim().split("\n").filter(Boolean);

beforeAll(async () => {
  sim = await startSimServer();
  const output = join(dir, "reference.jsonl");
  const run = await runCli(synthArgs(output));
  expect(run.code).toBe(0);
  reference = await readFile(output, "utf8");
});
afterAll(() => sim.close());

describe("resuming through the CLI", () => {
  it("a second run of the same command makes no call and writes the same file", async () => {
    const output = join(dir, "again.jsonl");
    await runCli(synthArgs(output));
    simulate({});
    const run = await runCli(synthArgs(output));
    expect(run.code).toBe(0);
    expect(sim.stats.chatRequests).toBe(0);
    expect(await readFile(output, "utf8")).toBe(reference);
    expect(run.stderr).toContain("From the run store: 12 finished documents");
    expect(existsSync(`${output}.partial`)).toBe(false);
  });

  it("refuses other settings on the same store in one line, and starts over with --force-new", async () => {
    const output = join(dir, "settings.jsonl");
    await runCli(synthArgs(output));
    const refused = await runCli(synthArgs(output, "--mu", "4"));
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/made with other settings \(mu: 8 then, 4 now\).*--force-new/);
    const fresh = await runCli(synthArgs(output, "--mu", "4", "--force-new"));
    expect(fresh.code).toBe(0);
    expect(Math.max(...lines(await readFile(output, "utf8")).map((l) => (JSON.parse(l) as SynthRecord).article_index))).toBe(11);
  });

  it("estimates a run with --dry-run without any request and without a key", async () => {
    simulate({});
    const run = await runCli(["synth", SAMPLE, "--dry-run", "--model", "gpt-4o-mini"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Estimate for 12 documents: about [\d,]+ LLM calls/);
    expect(run.stderr).toMatch(/Cost: about \$[\d.]+ at gpt-4o-mini prices/);
    expect(sim.stats.requests).toBe(0);
  });

  it("stops cleanly at --max-cost with exit code 3, and a later run with a larger budget finishes the same dataset", async () => {
    const output = join(dir, "budget.jsonl");
    const price = ["--price-in", "10", "--price-out", "10"];
    const stopped = await runCli(synthArgs(output, ...price, "--max-cost", "0.5"));
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toMatch(/stopped before crossing the budget of \$0\.50/);
    expect(stopped.stderr).toContain("Nothing is lost: run the same command again");
    expect(existsSync(output)).toBe(false);
    expect(existsSync(`${output}.partial`)).toBe(false);
    const cost = Number(/Cost: \$([\d.]+)/.exec(stopped.stderr)![1]);
    expect(cost).toBeLessThanOrEqual(0.5);

    const finished = await runCli(synthArgs(output, ...price, "--max-cost", "100"));
    expect(finished.code).toBe(0);
    expect(await readFile(output, "utf8")).toBe(reference);
  });

  it("exports every format and shows the status of a store", async () => {
    const store = join(dir, "reference.jsonl.foveate.db");
    const count = lines(reference).length;
    for (const format of ["jsonl", "alpaca", "sharegpt", "openai-chat"]) {
      const out = join(dir, `export.${format}.jsonl`);
      const run = await runCli(["export", store, "-o", out, "--format", format]);
      expect(run.code).toBe(0);
      const exported = lines(await readFile(out, "utf8")).map((l) => JSON.parse(l));
      expect(exported).toHaveLength(count);
      if (format === "jsonl") expect(exported.map((r) => JSON.stringify(r)).join("\n") + "\n").toBe(reference);
      if (format === "openai-chat") expect(exported[0].messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant"]);
      if (format === "alpaca") expect(Object.keys(exported[0])).toEqual(["instruction", "input", "output"]);
      if (format === "sharegpt") expect(exported[0].conversations[0].from).toBe("human");
    }
    const status = await runCli(["status", store]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("Documents: 12 done, 0 unfinished, 0 failed");
    expect(status.stdout).toMatch(/micro\s+12\s+\d+\s+\d+/);
    const missing = await runCli(["status", join(dir, "none.db")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no such file");
  });

  it("exports for the fine-tuning tools with --system, with LLaMA-Factory's entry, and refuses what cannot work in one line", async () => {
    const store = join(dir, "reference.jsonl.foveate.db");
    const count = lines(reference).length;
    const first = JSON.parse(lines(reference)[0]!) as SynthRecord;
    const tools = join(dir, "tools");
    await mkdir(tools);
    await writeFile(join(tools, "dataset_info.json"), JSON.stringify({ mine: { file_name: "mine.json" } }));
    const system = "You answer questions about the sample corpus.";
    for (const format of ["openai", "trl-prompt-completion", "trl-messages", "llama-factory-alpaca", "llama-factory-sharegpt", "axolotl"]) {
      const out = join(tools, `${format}.jsonl`);
      const run = await runCli(["export", store, "-o", out, "--format", format, "--system", system]);
      expect(run.code).toBe(0);
      const exported = lines(await readFile(out, "utf8")).map((l) => JSON.parse(l));
      expect(exported).toHaveLength(count);
      const text = JSON.stringify(exported[0]);
      for (const part of [system, first.instruction, first.output]) expect(text).toContain(JSON.stringify(part));
      if (format.startsWith("llama-factory")) expect(run.stderr).toContain(`LLaMA-Factory: added the entry "${format}" in ${join(tools, "dataset_info.json")}`);
    }
    const info = JSON.parse(await readFile(join(tools, "dataset_info.json"), "utf8")) as Record<string, { file_name: string; formatting: string }>;
    expect(Object.keys(info)).toEqual(["mine", "llama-factory-alpaca", "llama-factory-sharegpt"]);
    expect(info["llama-factory-sharegpt"]).toMatchObject({ file_name: "llama-factory-sharegpt.jsonl", formatting: "sharegpt" });

    // To standard output: the records there, the entry to add on stderr.
    const piped = await runCli(["export", store, "--format", "llama-factory-alpaca"]);
    expect(piped.code).toBe(0);
    expect(lines(piped.stdout)).toHaveLength(count);
    expect(piped.stderr).toMatch(/^LLaMA-Factory: save the records as data\.jsonl and add to the dataset_info\.json beside them: "data": \{"file_name":"data\.jsonl","formatting":"alpaca"/);

    const refused = await runCli(["export", store, "-o", join(tools, "plain.jsonl"), "--format", "jsonl", "--system", system]);
    expect(refused).toEqual({ code: 1, stdout: "", stderr: `foveate: --system: the jsonl format has no system message; use one of openai-chat, openai, trl-prompt-completion, trl-messages, llama-factory-alpaca, llama-factory-sharegpt, axolotl\n` });
    expect(existsSync(join(tools, "plain.jsonl"))).toBe(false);

    const broken = join(dir, "broken");
    await mkdir(broken);
    await writeFile(join(broken, "dataset_info.json"), "{ not json");
    const malformed = await runCli(["export", store, "-o", join(broken, "data.jsonl"), "--format", "llama-factory-sharegpt"]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr.trim().split("\n")).toHaveLength(1);
    expect(malformed.stderr).toContain(`foveate: ${join(broken, "dataset_info.json")}: not valid JSON`);
    expect(await readdir(broken)).toEqual(["dataset_info.json"]);
    expect(await readFile(join(broken, "dataset_info.json"), "utf8")).toBe("{ not json");
  });
});

describe("faults and long documents", () => {
  it("completes with every document accounted for through 5% 429s, 2% 500s, 1% dropped connections and 2% truncated replies", async () => {
    simulate({ rate429: 0.05, rate500: 0.02, rateDrop: 0.01, rateTruncatedBody: 0.02, rateTruncatedContent: 0.02 });
    const output = join(dir, "faults.jsonl");
    const run = await runCli(synthArgs(output, "--max-retries", "10"));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("Documents: 12 done");
    expect(new Set(lines(await readFile(output, "utf8")).map((l) => (JSON.parse(l) as SynthRecord).article_index)).size).toBe(12);
    const faults = sim.stats.faults as Record<string, number>;
    console.log(`fault test: ${sim.stats.chatRequests} requests, faults injected ${JSON.stringify(faults)}; ${/Documents: .*/.exec(run.stderr)![0]}`);
    expect(faults.status429).toBeGreaterThan(0);
    expect((faults.drop ?? 0) + (faults.truncatedBody ?? 0)).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/Rate limits: [1-9]\d* replies 429/);
  });

  it("splits a document over --max-doc-tokens into chunks that keep their place in it", async () => {
    simulate({});
    const text = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} tells of the harbour of Veldt in ${1900 + i}. Ships came and went. The harbour master kept a log.`).join("\n\n");
    const corpus = join(dir, "long.txt");
    await writeFile(corpus, text);
    const output = join(dir, "long.jsonl");
    const run = await runCli(["synth", corpus, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--max-doc-tokens", "100", "--mu", "2"]);
    expect(run.code).toBe(0);
    const records = lines(await readFile(output, "utf8")).map((l) => JSON.parse(l) as SynthRecord);
    const chunks = new Map(records.map((r) => [r.article_index, r.source_span!]));
    expect(chunks.size).toBeGreaterThan(3);
    for (const [, [start, end]] of chunks) expect(end - start).toBeLessThanOrEqual(100 * 4 + 10);
    for (const r of records) expect(r.source_id).toBe("long.txt");
    for (const r of records.filter((r) => r.level === "macro")) expect(text.slice(...r.source_span!)).toContain(r.features[0]);
  });
});

describe("Ctrl-C", () => {
  it("stops taking new work, keeps what is in flight, exits 130 and resumes to the same dataset; export works meanwhile", async () => {
    simulate({});
    // Once 100 replies are delivered, the simulator holds every further request: the run is
    // surely unfinished, with calls in flight, when Ctrl-C arrives.
    const holding = sim.holdAfterDelivered(100);
    const output = join(dir, "interrupted.jsonl");
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...synthArgs(output)], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let onStderr = () => {};
    child.stderr!.on("data", (d) => {
      stderr += d;
      onStderr();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const release = await holding;

    const exported = await runCli(["export", `${output}.foveate.db`]);
    expect(exported.code).toBe(0);

    child.kill("SIGINT");
    await new Promise<void>((resolve) => (onStderr = () => stderr.includes("stopping: no new calls") && resolve()));
    release();
    expect(await exited).toBe(130);
    expect(stderr).toContain("stopping: no new calls");
    expect(stderr).toContain("Nothing is lost");
    expect(existsSync(output)).toBe(false);

    simulate({});
    const resumed = await runCli(synthArgs(output));
    expect(resumed.code).toBe(0);
    expect(await readFile(output, "utf8")).toBe(reference);
  });
});
