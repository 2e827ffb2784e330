/**
 * `foveate synth` with no API at all: the whole pipeline through node-llama-cpp on a tiny random
 * model written by the test. The text is nonsense; the grammar makes every reply parse, so what is
 * asserted is the run's shape, its counts and that the store resumes it.
 */
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { SynthRecord } from "../../src/method/record.js";
import { RunStore } from "../../src/store/run-store.js";
import { DEFAULT_LOCAL_MODEL } from "../../src/llm/engine-choice.js";
import { startHub } from "../support/fake-hub.js";
import { runCli } from "../support/run-cli.js";
import { writeTinyModel } from "../support/tiny-model.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SAMPLE = SAMPLE_CORPUS;
const dir = tempDir("foveate-local-");
let corpus: string;
let model: string;

beforeAll(async () => {
  corpus = join(dir, "two.jsonl");
  const lines = (await readFile(SAMPLE, "utf8")).trim().split("\n").slice(0, 2);
  await writeFile(corpus, lines.join("\n") + "\n");
  // Leaning towards "true", the random model does not answer every instruction of a document
  // "answerable": false, which once in a few dozen runs left the dataset empty.
  model = writeTinyModel(dir, { favour: { true: 4 } });
});

/**
 * Small budgets keep the run to a few dozen calls; one thread is fastest for a model this small;
 * short strings keep a random model from writing kilobytes of noise into every field.
 */
const engineArgs = ["--gpu", "off", "--threads", "1", "--parallel", "2", "--max-string-chars", "200"];
const localArgs = (output: string) => [
  "synth", corpus, "-o", output, "--engine", "local", "--model", model, ...engineArgs, "--mu", "3", "--max-rounds", "1", "--seed", "3",
  // The random-weight model keeps next to nothing: the run is thin on purpose.
  "--accept-thin",
];

function readRecords(text: string): SynthRecord[] {
  return text.trim() === "" ? [] : text.trim().split("\n").map((line) => JSON.parse(line) as SynthRecord);
}

describe("foveate synth --engine local", () => {
  it("runs the whole pipeline on two documents, and a second run replays everything from the store", async () => {
    const output = join(dir, "run.jsonl");
    const first = await runCli(localArgs(output));
    expect(first.stderr).toMatch(/local engine: tiny\.gguf, 2 in parallel, context \d+ tokens/);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("Documents: 2 done");
    expect(first.stderr).toContain("Cost: $0.00");
    expect(first.stderr).toMatch(/unusable replies asked again 0\b/);

    const text = await readFile(output, "utf8");
    const records = readRecords(text);
    const perDocumentLevel = new Map<string, number>();
    for (const r of records) {
      expect([0, 1]).toContain(r.article_index);
      expect(r.source_id).toBe(`two.jsonl:${r.article_index + 1}`);
      expect(["micro", "scatter", "macro"]).toContain(r.level);
      expect(typeof r.instruction).toBe("string");
      expect(r.instruction.trim().length).toBeGreaterThan(0);
      expect(typeof r.output).toBe("string");
      expect(Array.isArray(r.features)).toBe(true);
      expect(typeof r.resynthesized).toBe("boolean");
      const key = `${r.article_index}/${r.level}`;
      perDocumentLevel.set(key, (perDocumentLevel.get(key) ?? 0) + 1);
    }
    for (const [key, n] of perDocumentLevel) expect(n, key).toBeLessThanOrEqual(3);

    // Every item asked for is accounted for: kept (and written), dropped, or not found in the
    // document. The random model's features are nonsense that is not in the document, so the
    // rules leave it none; whatever is kept is written.
    const [asked, kept, dropped] = /^\s+total\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(first.stderr)!.slice(1).map(Number);
    // Not found: not in the document, or lost to an extraction reply cut off or unusable; each counted apart.
    const notFound =
      Number(/Not in the documents: (\d+) features/.exec(first.stderr)?.[1] ?? 0) + Number(/cut off or unusable: .*, losing (\d+) features/.exec(first.stderr)?.[1] ?? 0);
    expect(asked).toBe(2 * 3 * 3);
    expect(kept! + dropped! + notFound).toBe(asked);
    expect(kept).toBe(records.length);

    const again = await runCli(localArgs(output));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/From the run store: 2 finished documents/);
    expect(again.stderr).toMatch(/LLM calls: 0 /);
    expect(await readFile(output, "utf8")).toBe(text);
  });

  it("resumes after being killed mid-run, without generating a stored reply again", async () => {
    const output = join(dir, "killed.jsonl");
    const storePath = `${output}.foveate.db`;
    const storedReplies = () => {
      try {
        const store = RunStore.open(storePath, { readonly: true });
        try {
          return store.replyKeys();
        } finally {
          store.close();
        }
      } catch {
        return new Set<string>();
      }
    };
    // Kill the run once a few replies are committed (a larger budget than the other tests, so
    // that there is a run left to kill).
    const args = [...localArgs(output), "--mu", "5", "--quiet"];
    const { killedWith, signal } = await new Promise<{ killedWith: Set<string>; signal: NodeJS.Signals | null }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: root, stdio: "ignore" });
      // The largest set of replies seen: a read can fail while the writer holds the file.
      let seen = new Set<string>();
      const poll = setInterval(() => {
        const now = storedReplies();
        if (now.size > seen.size) seen = now;
        if (seen.size >= 3) child.kill("SIGKILL");
      }, 20);
      child.on("exit", (_code, signal) => {
        clearInterval(poll);
        const after = storedReplies();
        resolve({ killedWith: after.size >= seen.size ? after : seen, signal });
      });
    });
    expect(signal).toBe("SIGKILL");
    expect(killedWith.size).toBeGreaterThanOrEqual(3);

    const resumed = await runCli(args.filter((a) => a !== "--quiet"));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr, resumed.stderr).toContain("Documents: 2 done");
    const replayed = Number(/(\d+) replies replayed/.exec(resumed.stderr)?.[1] ?? 0);
    const resumedDocuments = Number(/From the run store: (\d+) finished documents/.exec(resumed.stderr)?.[1] ?? 0);
    expect(replayed + resumedDocuments, resumed.stderr).toBeGreaterThan(0);
    // A replayed reply is not a call: no negative retries, no tokens counted twice.
    expect(resumed.stderr).toMatch(/transport retries 0,/);
    for (const key of killedWith) expect(storedReplies().has(key)).toBe(true);
    const kept = Number(/^\s+total\s+\d+\s+(\d+)/m.exec(resumed.stderr)?.[1]);
    expect(readRecords(await readFile(output, "utf8")).length, resumed.stderr).toBe(kept);
  });

  it("says clearly when the model file is missing, and leaves no store behind", async () => {
    const output = join(dir, "missing.jsonl");
    const run = await runCli(["synth", corpus, "-o", output, "--engine", "local", "--model", join(dir, "nope.gguf"), "--gpu", "off"]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`foveate: model file not found: ${join(dir, "nope.gguf")}`);
    await expect(readFile(`${output}.foveate.db`)).rejects.toThrow();
  });

  it("chooses the local engine for a .gguf model without --engine, and the API for a model name", async () => {
    const output = join(dir, "auto.jsonl");
    const local = await runCli(["synth", corpus, "-o", output, "--model", model, ...engineArgs, "--mu", "1", "--levels", "micro", "--max-rounds", "0", "--accept-thin"]);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stderr).toContain("local engine: tiny.gguf");

    const api = await runCli(["synth", corpus, "--model", "gpt-4o-mini"]);
    expect(api.code).toBe(1);
    expect(api.stderr).toContain("no API key");
  });

  it("with no API configured, downloads the default model once, saying what and how large", async () => {
    const hub = await startHub();
    try {
      // The hub serves the tiny model under the default model's name.
      hub.files.set(`/${DEFAULT_LOCAL_MODEL.slice(3).replace(/^([^/]+\/[^/]+)\//, "$1/resolve/main/")}`, await readFile(model));
      const env = { HF_ENDPOINT: hub.base, FOVEATE_CACHE_DIR: join(dir, "cache"), HF_HOME: join(dir, "hf-home") };
      const args = ["synth", corpus, "-o", join(dir, "default.jsonl"), ...engineArgs, "--mu", "1", "--levels", "micro", "--max-rounds", "0", "--accept-thin"];
      const first = await runCli(args, env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toMatch(new RegExp(`downloading ${DEFAULT_LOCAL_MODEL.replace(/[.]/g, "\\.")} \\(1\\.\\d MB\\) to ${join(dir, "cache")}`));
      expect(first.stderr).toContain("local engine: qwen2.5-1.5b-instruct-q4_k_m.gguf");

      const requests = hub.log.length;
      const second = await runCli(args, env);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).not.toContain("downloading");
      expect(hub.log.length).toBe(requests);
    } finally {
      await hub.close();
    }
  });

  it("eval runs local models too: a GGUF model under test, judge and embedder", async () => {
    const test = join(dir, "qa.jsonl");
    await writeFile(test, [{ question: "When did the bridge open?", answer: "1911" }, { question: "What do mangroves protect?", answer: "coasts" }].map((x) => JSON.stringify(x)).join("\n"));
    const store = join(dir, "eval.foveate.db");
    const qaArgs = ["eval", "qa", "--test", test, "--target-model", model, "--judge-model", model, "--rounds", "2", "--max-tokens", "16", ...engineArgs, "--store", store, "--json"];
    const qa = await runCli(qaArgs);
    expect(qa.code, qa.stderr).toBe(0);
    const report = JSON.parse(qa.stdout);
    expect(report.rounds).toHaveLength(2);
    for (const key of ["precision", "recall", "f1", "accuracy"]) {
      expect(report.mean[key]).toBeGreaterThanOrEqual(0);
      expect(report.mean[key]).toBeLessThanOrEqual(1);
    }
    // The replies are cached like any others: the same evaluation again gives the same report.
    expect((await runCli(qaArgs)).stdout).toBe(qa.stdout);

    const data = join(dir, "instructions.jsonl");
    await writeFile(data, ["Why did the lamp break?", "Who rowed to the mainland?", "What did the keeper log?"].map((instruction) => JSON.stringify({ instruction })).join("\n"));
    const diversity = await runCli(["eval", "diversity", data, "--embeddings", "--embed-model", model, ...engineArgs, "--store", store, "--json"]);
    expect(diversity.code, diversity.stderr).toBe(0);
    const result = JSON.parse(diversity.stdout);
    expect(result.embedding.model).toBe(model);
    expect(result.embedding.diversity).toBeGreaterThan(0);
  });
});
