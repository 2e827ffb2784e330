import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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
    expect(batched.stderr).toMatch(/LLM calls: 144 \(144 in batches, 0 requests sent live/);
    expect(batched.code).toBe(0);
    expect(lines(join(dir, "batched.jsonl"))).toEqual(lines(join(dir, "live.jsonl")));
    expect(sim.stats.batch.batchesCreated).toBeGreaterThan(1);
  });

  it("adaptive budgets' embeddings go as a batch too, and the dataset is the live run's", async () => {
    const dir = tempDir("foveate-batch-");
    sim.setOptions(DEFAULT_SIM_OPTIONS);
    const budgets = ["--alpha", "1", "--embed-model", "sim-embedding"];
    const live = await runCli(synthArgs(join(dir, "live.jsonl"), ...budgets));
    expect(live.code).toBe(0);
    sim.resetStats();
    const batched = await runCli(synthArgs(join(dir, "batched.jsonl"), ...budgets, "--batch", "--batch-poll", "0.01"));
    expect(batched.code).toBe(0);
    expect(batched.stderr).toMatch(/wave 0 submitted: \d+ calls in 1 batch \(\S+\) asking embeddings/);
    expect(sim.stats.embeddingRequests).toBe(0);
    expect(lines(join(dir, "batched.jsonl"))).toEqual(lines(join(dir, "live.jsonl")));
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

describe("synth --batch when batches go wrong (issue 16)", () => {
  it("an expired batch's unanswered lines and failed lines are sent again, and the dataset is the live run's; Self-QA batches the same way", async () => {
    const dir = tempDir("foveate-batch-");
    sim.setOptions(DEFAULT_SIM_OPTIONS);
    const live = join(dir, "live.jsonl");
    expect((await runCli(synthArgs(live))).code).toBe(0);
    sim.setOptions({ ...DEFAULT_SIM_OPTIONS, expireBatches: [1], rateBatchLineError: 0.1 });
    try {
      const run = await runCli(synthArgs(join(dir, "batched.jsonl"), "--batch", "--batch-poll", "0.01"));
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/wave 0: batch \S+ collected, \d+ answered, \d+ sent again/);
      expect(lines(join(dir, "batched.jsonl"))).toEqual(lines(live));
    } finally {
      sim.setOptions(DEFAULT_SIM_OPTIONS);
    }
    const selfQaLive = join(dir, "self-qa-live.jsonl");
    expect((await runCli(synthArgs(selfQaLive, "--method", "self-qa"))).code).toBe(0);
    const selfQa = await runCli(synthArgs(join(dir, "self-qa-batched.jsonl"), "--method", "self-qa", "--batch", "--batch-poll", "0.01"));
    expect(selfQa.code).toBe(0);
    expect(selfQa.stderr).toMatch(/wave 0 submitted: 12 calls in 1 batch .* asking self_qa/);
    expect(lines(join(dir, "self-qa-batched.jsonl"))).toEqual(lines(selfQaLive));
  });

  it("a batch the provider fails stops the run with its reason, exit 1, and the run resumes", async () => {
    const dir = tempDir("foveate-batch-");
    // A simulator of its own: its first batch fails.
    const failing = await startSimServer({ failBatches: [1] });
    try {
      const args = ["synth", SAMPLE_CORPUS, "-o", join(dir, "data.jsonl"), "--base-url", failing.baseURL, "--model", "sim-model", "--mu", "2", "--batch", "--batch-poll", "0.01"];
      const run = await runCli(args);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^foveate: batch \S+ \(wave 0\) failed at .+: .+$/m);
      expect((await runCli(args)).code).toBe(0);
    } finally {
      await failing.close();
    }
  });

});

describe("synth --batch --no-wait, status, and --batch-files (issue 16)", () => {
  it("--no-wait submits a wave and stops (exit 75); the same command later collects it and goes on; status shows the batches", async () => {
    const dir = tempDir("foveate-batch-");
    sim.setOptions(DEFAULT_SIM_OPTIONS);
    const output = join(dir, "data.jsonl");
    const first = await runCli(synthArgs(output, "--batch", "--no-wait", "--batch-poll", "0.01"));
    expect(first.code).toBe(75);
    expect(first.stderr).toMatch(/foveate: submitted wave 0 as 1 batch \(recorded in the run store\); run the same command later to collect it and go on/);
    const status = await runCli(["status", `${output}.foveate.db`]);
    expect(status.stdout).toMatch(/Batches: 1 \(1 open\)/);
    expect(status.stdout).toMatch(/wave 0 \(micro_elements, scatter_keywords, macro_sentences\): 1 batch, 36 lines/);
    sim.resetStats();
    let code = first.code;
    let runs = 0;
    while (code === 75 && runs++ < 20) code = (await runCli(synthArgs(output, "--batch", "--no-wait", "--batch-poll", "0.01"))).code;
    expect(code).toBe(0);
    // The later runs submitted the two other waves, each once, whatever runs found a batch still running.
    expect(sim.stats.batch.batchesCreated).toBe(2);
    expect(lines(output)).toHaveLength(72);
  });

  it("--dry-run --batch estimates at the batch price, half the list price", async () => {
    const args = ["synth", SAMPLE_CORPUS, "--model", "gpt-4o-mini", "--api-key", "sk-test", "--dry-run"];
    const live = await runCli(args);
    const batched = await runCli([...args, "--batch"]);
    expect(batched.stderr).toContain("gpt-4o-mini prices of 2025-12-15, batch price ($0.075 in, $0.30 out per million tokens)");
    const cost = (text: string) => Number(/Cost: about \$([\d.]+)/.exec(text)![1]);
    expect(cost(batched.stderr)).toBeCloseTo(cost(live.stderr) / 2, 2);
    const priced = await runCli([...args, "--batch", "--batch-price-in", "0.15", "--batch-price-out", "0.6"]);
    expect(priced.stderr).toContain("batch price ($0.15 in, $0.60 out per million tokens)");
  });

  it("a run without --batch on a store with open batches says it will pay for their calls again", async () => {
    const dir = tempDir("foveate-batch-");
    sim.setOptions(DEFAULT_SIM_OPTIONS);
    const output = join(dir, "data.jsonl");
    expect((await runCli(synthArgs(output, "--batch", "--no-wait"))).code).toBe(75);
    const live = await runCli(synthArgs(output));
    expect(live.code).toBe(0);
    expect(live.stderr).toContain("warning: 1 batch an earlier --batch run submitted is not collected: this run sends their calls live and pays for them again; stop it and run with --batch to collect them");
  });

  it("a --batch run that ends while an earlier run's batch nobody asks for is open ends cleanly, and leaves the batch open", async () => {
    const dir = tempDir("foveate-batch-");
    const slow = await startSimServer({ batchTurnaroundMs: 600_000 });
    try {
      const args = (...more: string[]) => ["synth", SAMPLE_CORPUS, "-o", join(dir, "data.jsonl"), "--base-url", slow.baseURL, "--model", "sim-model", "--mu", "1", "--levels", "micro", ...more];
      expect((await runCli(args("--limit", "1", "--batch", "--no-wait"))).code).toBe(75);
      // The same document finished live: the open batch's lines are asked by no one now.
      expect((await runCli(args("--limit", "1"))).code).toBe(0);
      // A second document in batches; the first's batch is looked at meanwhile, and left open.
      slow.setOptions({ batchTurnaroundMs: 20 });
      const batched = await runCli(args("--limit", "2", "--batch", "--batch-poll", "0.2"));
      expect(batched.code).toBe(0);
      // Nothing looks at the batch once the run has ended (its store is closed): no poll comes after, though one was due.
      const polls = slow.stats.batch.polls;
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(slow.stats.batch.polls).toBe(polls);
      const status = await runCli(["status", join(dir, "data.jsonl.foveate.db")]);
      expect(status.stdout).toMatch(/Batches: \d+ \(1 open\)/);
    } finally {
      await slow.close();
    }
  });

  it("--batch to an endpoint without a Batch API says so in one line, exit 1", async () => {
    const dir = tempDir("foveate-batch-");
    sim.setOptions({ ...DEFAULT_SIM_OPTIONS, batchApi: false });
    try {
      const run = await runCli(synthArgs(join(dir, "data.jsonl"), "--batch"));
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/has no Batch API \(404 on .+\): use a provider that has one, or --batch-files DIR to write the batches for vllm run-batch/);
    } finally {
      sim.setOptions(DEFAULT_SIM_OPTIONS);
    }
  });

  it("--batch-files writes each wave for vllm run-batch and reads its output back, to the same dataset as a live run", async () => {
    const dir = tempDir("foveate-batch-");
    sim.setOptions(DEFAULT_SIM_OPTIONS);
    const live = join(dir, "live.jsonl");
    expect((await runCli(synthArgs(live))).code).toBe(0);
    const waves = join(dir, "waves");
    mkdirSync(waves);
    // The test stands for vllm run-batch: each input file it sees is answered by the simulator's live endpoint.
    const answered = new Set<string>();
    const serve = setInterval(() => {
      for (const name of readdirSync(waves)) {
        if (!name.endsWith(".jsonl") || name.endsWith(".output.jsonl") || answered.has(name)) continue;
        answered.add(name);
        void answerLikeVllm(join(waves, name), sim.baseURL);
      }
    }, 10);
    try {
      const run = await runCli(synthArgs(join(dir, "batched.jsonl"), "--batch-files", waves, "--batch-poll", "0.01"));
      expect(run.stderr).toMatch(/batch written for vllm run-batch; run: vllm run-batch -i \S+ -o \S+ --model sim-model/);
      expect(run.code).toBe(0);
    } finally {
      clearInterval(serve);
    }
    expect(answered.size).toBe(3);
    expect(lines(join(dir, "batched.jsonl"))).toEqual(lines(live));
  });
});

/** What vllm run-batch does with an input file: every line's body sent to the server, the output written beside it. */
async function answerLikeVllm(input: string, baseURL: string): Promise<void> {
  const requests = readFileSync(input, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { custom_id: string; body: unknown });
  const out: string[] = [];
  for (const request of requests) {
    const response = await fetch(`${baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request.body) });
    out.push(JSON.stringify({ id: `vllm-${request.custom_id}`, custom_id: request.custom_id, response: { status_code: response.status, request_id: "r", body: await response.json() }, error: null }));
  }
  writeFileSync(input.replace(/\.jsonl$/, ".output.jsonl"), `${out.join("\n")}\n`);
}

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
