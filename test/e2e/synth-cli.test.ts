import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SynthRecord } from "../../src/method/record.js";
import { runCli } from "../support/run-cli.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimOptions, type SimServer } from "../support/sim-server.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";

const SAMPLE = SAMPLE_CORPUS;
let sim: SimServer;
const dir = tempDir("foveate-e2e-");
let documents: string[];

beforeAll(async () => {
  sim = await startSimServer();
  documents = (await readFile(SAMPLE, "utf8")).trim().split("\n").map((line) => JSON.parse(line).content as string);
});
afterAll(() => sim.close());

/** The simulator's defaults plus these changes (setOptions alone would keep earlier tests' settings). */
function simulate(changes: Partial<SimOptions>) {
  sim.setOptions({ ...DEFAULT_SIM_OPTIONS, ...changes });
}

async function synth(name: string, ...args: string[]) {
  const output = join(dir, `${name}.jsonl`);
  const result = await runCli(["synth", SAMPLE, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--seed", "1", ...args]);
  const text = await readFile(output, "utf8").catch(() => "");
  const records = text.trim() === "" ? [] : text.trim().split("\n").map((l) => JSON.parse(l) as SynthRecord);
  return { ...result, records };
}

function perDocumentAndLevel(records: SynthRecord[]) {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(`${r.article_index}/${r.level}`, (counts.get(`${r.article_index}/${r.level}`) ?? 0) + 1);
  return counts;
}

/** Every document has records at every level, at most mu per level, and the sentences are verbatim. */
function expectCompleteDataset(records: SynthRecord[], mu = 8) {
  const counts = perDocumentAndLevel(records);
  for (let doc = 0; doc < documents.length; doc++) {
    for (const level of ["micro", "scatter", "macro"]) {
      const n = counts.get(`${doc}/${level}`) ?? 0;
      expect(n, `document ${doc}, ${level}`).toBeGreaterThan(0);
      expect(n, `document ${doc}, ${level}`).toBeLessThanOrEqual(mu);
    }
  }
  for (const r of records) {
    expect(r.source_id).toBe(`sample.jsonl:${r.article_index + 1}`);
    expect(r.instruction.length).toBeGreaterThan(0);
    expect(r.output.length).toBeGreaterThan(0);
    if (r.level === "scatter") for (const k of r.features) expect(r.instruction.toLowerCase()).toContain(k.toLowerCase());
    if (r.level === "macro") {
      const [start, end] = r.offsets![0]!;
      expect(documents[r.article_index]!.slice(start, end)).toBe(r.features[0]);
    }
  }
}

describe("foveate synth against the simulated server", () => {
  let clean: Awaited<ReturnType<typeof synth>>;

  it("writes a complete dataset for the sample corpus and prints the summary", async () => {
    simulate({});
    clean = await synth("clean");
    expect(clean.stderr).toContain("Documents: 12 done");
    expect(clean.code).toBe(0);
    expectCompleteDataset(clean.records);
    expect(clean.stderr).toMatch(/LLM calls: [\d,]+/);
    expect(clean.stderr).toMatch(/Tokens: [\d,]+ prompt \([\d,]+ cached\), [\d,]+ completion/);
  });

  it("keeps the Chinese document's text untouched in its features", () => {
    const zh = documents.findIndex((d) => /[\u4e00-\u9fff]/.test(d));
    const macro = clean.records.filter((r) => r.article_index === zh && r.level === "macro");
    expect(macro.length).toBeGreaterThan(0);
    for (const r of macro) expect(documents[zh]).toContain(r.features[0]);
  });

  it("recovers unanswerable items through re-synthesis", async () => {
    simulate({ unanswerableRate: 0.3 });
    const run = await synth("unanswerable");
    expect(run.code).toBe(0);
    expectCompleteDataset(run.records);
    const recovered = run.records.filter((r) => r.resynthesized);
    expect(recovered.length).toBeGreaterThan(20);
    for (const r of recovered) expect(r.rounds).toBeGreaterThanOrEqual(1);
    expect(run.stderr).toMatch(/total\s+288\s+\d+\s+\d+\s+[1-9]\d*/);
  });

  it("produces exactly the same dataset through 429s, 500s, dropped connections and truncated bodies", async () => {
    simulate({ rate429: 0.05, rate500: 0.05, rateDrop: 0.02, rateTruncatedBody: 0.02 });
    sim.resetStats();
    const run = await synth("transport-faults", "--max-retries", "8");
    expect(run.code).toBe(0);
    expect(run.records).toEqual(clean.records);
    const faults = sim.stats.faults as Record<string, number>;
    expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
    expect(run.stderr).toMatch(/transport retries [1-9]/);
  });

  it("completes with nothing missing through malformed, fenced and truncated replies", async () => {
    simulate({ rateTruncatedContent: 0.03, rateInvalidReply: 0.03, rateCodeFence: 0.2, rateProse: 0.2, rate429: 0.02, rate500: 0.02 });
    const run = await synth("reply-faults", "--max-retries", "8");
    expect(run.code).toBe(0);
    expectCompleteDataset(run.records);
    expect(run.stderr).toMatch(/unusable replies asked again [1-9]/);
  });

  it("works with a server that ignores response_format", async () => {
    simulate({ ignoreResponseFormat: true });
    const run = await synth("ignore-schema");
    expect(run.code).toBe(0);
    expectCompleteDataset(run.records);
  });

  it("works with a server that rejects response_format, after one warning", async () => {
    simulate({ rejectResponseFormat: true });
    const run = await synth("reject-schema");
    expect(run.code).toBe(0);
    expectCompleteDataset(run.records);
    expect(run.stderr.match(/warning: .*does not accept response_format/g)).toHaveLength(1);
  });

  it("runs the Self-QA baseline with one call per document", async () => {
    simulate({});
    sim.resetStats();
    // The simulator writes at most one pair per sentence, fewer than the 15 asked of a short document: thin on purpose.
    const run = await synth("self-qa", "--method", "self-qa", "--mu", "5", "--accept-thin");
    expect(run.code).toBe(0);
    expect(sim.stats.chatRequests).toBe(12);
    expect(new Set(run.records.map((r) => r.article_index)).size).toBe(12);
    expect(run.records.every((r) => r.level === "self-qa")).toBe(true);
  });

  it("honours --levels, --mu and --limit", async () => {
    const run = await synth("subset", "--levels", "scatter", "--mu", "3", "--limit", "2", "--important", "1", "2");
    expect(run.code).toBe(0);
    expect(new Set(run.records.map((r) => r.level))).toEqual(new Set(["scatter"]));
    expect(new Set(run.records.map((r) => r.article_index))).toEqual(new Set([0, 1]));
    expect(Math.max(...perDocumentAndLevel(run.records).values())).toBeLessThanOrEqual(3);
  });
});

/** The item counts a summary (stderr of synth) or `foveate status` (its stdout) shows, without the CLI's advice. */
function countLines(text: string, from: RegExp, to: RegExp): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => from.test(l));
  const end = lines.findIndex((l, i) => i > start && to.test(l));
  return lines.slice(start + 1, end).map((l) => l.replace(/; --accept-thin .*$/, ""));
}

describe("foveate synth on a thin run", () => {
  it("says so in one line and exits 1 with the dataset written; --accept-thin exits 0; status shows the same counts", async () => {
    simulate({ unanswerableRate: 0.7, resynthUnanswerableRate: 1 });
    const thin = await synth("thin", "--limit", "3", "--mu", "2", "--max-rounds", "1");
    expect(thin.code, thin.stderr).toBe(1);
    expect(thin.stderr).toMatch(/^Only \d+ of 18 instructions asked for were kept \(\d+%\): see the drops above; --accept-thin keeps such a run's exit code 0$/m);
    expect(thin.stderr).toMatch(/^Dropped after every round: unanswerable \d+/m);
    expect(thin.records.length).toBe(Number(/^\s+total\s+18\s+(\d+)/m.exec(thin.stderr)?.[1]));

    const status = await runCli(["status", join(dir, "thin.jsonl.foveate.db")]);
    expect(status.code).toBe(0);
    const fromRun = countLines(thin.stderr, /^Documents:/, /^LLM calls:/);
    expect(fromRun.length).toBeGreaterThan(5);
    expect(countLines(status.stdout, /^Items of the finished documents:/, /^LLM replies stored:/)).toEqual(fromRun);

    const accepted = await synth("thin", "--limit", "3", "--mu", "2", "--max-rounds", "1", "--accept-thin");
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.records).toEqual(thin.records);
  });
});

describe("foveate synth failure paths", () => {
  it("stops at once on a bad key, naming URL and model, without a stack trace", async () => {
    const guarded = await startSimServer({ apiKey: "sk-right" });
    try {
      const run = await runCli(["synth", SAMPLE, "--base-url", guarded.baseURL, "--api-key", "sk-wrong", "--model", "sim-model", "-o", join(dir, "fail-1.jsonl")]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("401");
      expect(run.stderr).toContain(guarded.baseURL);
      expect(run.stderr).toContain('"sim-model"');
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(guarded.stats.chatRequests).toBeLessThanOrEqual(64);
    } finally {
      await guarded.close();
    }
  });

  it("stops at once on an unknown model", async () => {
    const run = await runCli(["synth", SAMPLE, "--base-url", sim.baseURL, "--model", "no-such-model", "-o", join(dir, "fail-2.jsonl")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/404.*no-such-model|no-such-model.*404/);
  });

  it("stops with one line when no server is listening", async () => {
    const dead = await startSimServer();
    const url = dead.baseURL;
    await dead.close();
    const run = await runCli(["synth", SAMPLE, "--base-url", url, "--max-retries", "1", "-o", join(dir, "fail-3.jsonl")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot connect to ${url}: connection refused`);
    expect(run.stderr.match(/cannot connect/g)).toHaveLength(1);
  });

  it("asks for a key when an API model is named and none is set for the default endpoint", async () => {
    const run = await runCli(["synth", SAMPLE, "--model", "gpt-4o-mini"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no API key");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("with no API configured, goes local and says in one line when the default model cannot be fetched", async () => {
    const dead = await startSimServer();
    const hub = dead.baseURL.replace(/\/v1$/, "");
    await dead.close();
    const run = await runCli(["synth", SAMPLE, "-o", join(dir, "offline.jsonl")], { HF_ENDPOINT: hub, FOVEATE_CACHE_DIR: join(dir, "cache"), HF_HOME: join(dir, "hf") });
    expect(run.code).toBe(1);
    // Issue 12, case 10: first why the local engine runs, then the one line of the failure.
    const said = run.stderr.trim().split("\n");
    expect(said).toHaveLength(2);
    expect(said[0]).toMatch(/^Local engine: no API configured/);
    expect(said[1]).toMatch(/^foveate: .*hf:Qwen\/Qwen2\.5-1\.5B-Instruct-GGUF\/qwen2\.5-1\.5b-instruct-q4_k_m\.gguf.*cannot reach/);
  });

  it("names file and line of a malformed record, and skips it when asked", async () => {
    const corpus = join(dir, "bad.jsonl");
    await writeFile(corpus, '{"content": "A fine document about bridges in 1911."}\n{"content": broken\n{"text": "no content field"}\n');
    const failed = await runCli(["synth", corpus, "--base-url", sim.baseURL, "--model", "sim-model", "-o", join(dir, "bad-out.jsonl")]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^foveate: .*bad\.jsonl:2: invalid JSON/m);
    expect(failed.stderr).not.toMatch(/\n\s+at /);

    // One sentence cannot yield 24 instructions: thin on purpose.
    const skipped = await runCli(["synth", corpus, "--on-bad-input", "skip", "--accept-thin", "--base-url", sim.baseURL, "--model", "sim-model", "-o", join(dir, "bad-out.jsonl")]);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toMatch(/skipped .*bad\.jsonl:2: invalid JSON/);
    expect(skipped.stderr).toMatch(/skipped .*bad\.jsonl:3: .*content/);
    expect(skipped.stderr).toContain("Documents: 1 done");
  });

  it("rejects bad flag values before doing anything", async () => {
    const run = await runCli(["synth", SAMPLE, "--mu", "0", "--base-url", sim.baseURL]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--mu.*expected an integer >= 1, got "0"/);
    const missing = await runCli(["synth", join(dir, "nope.jsonl"), "--base-url", sim.baseURL]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^foveate: .*nope\.jsonl: cannot read/m);
  });
});
