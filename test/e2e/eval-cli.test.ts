import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { startSimServer, type SimServer } from "../support/sim-server.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";

const SAMPLE = SAMPLE_CORPUS;
let sim: SimServer;
const dir = tempDir("foveate-eval-");
let foveate: string;
let selfQa: string;
let store: string;

beforeAll(async () => {
  sim = await startSimServer();
  foveate = join(dir, "foveate.jsonl");
  selfQa = join(dir, "self-qa.jsonl");
  store = join(dir, "eval.db");
  const common = ["--base-url", sim.baseURL, "--model", "sim-model", "--quiet"];
  expect((await runCli(["synth", SAMPLE, "-o", foveate, ...common])).code).toBe(0);
  // The simulator writes at most one pair per sentence, fewer than Self-QA's 24: thin on purpose.
  expect((await runCli(["synth", SAMPLE, "-o", selfQa, "--method", "self-qa", "--accept-thin", ...common])).code).toBe(0);
}, 60_000);
afterAll(() => sim.close());

const endpoint = (who: string) => [`--${who}-base-url`, sim.baseURL, `--${who}-model`, who === "embed" ? "sim-embedding" : "sim-model"];

describe("foveate eval", () => {
  it("diversity: Self-BLEU and embedding diversity with the most similar pairs; embeddings cached", async () => {
    const run = await runCli(["eval", "diversity", foveate, "--embeddings", ...endpoint("embed"), "--store", store, "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.instructions).toBeGreaterThan(200);
    expect(Object.keys(result.selfBleu.mean)).toEqual(["2", "3", "4", "5"]);
    expect(result.selfBleu.diversity).toBeGreaterThan(0);
    expect(result.selfBleu.diversity).toBeLessThan(1);
    expect(result.embedding.topPairs).toHaveLength(5);
    const before = sim.stats.embeddingRequests;
    const again = await runCli(["eval", "diversity", foveate, "--embeddings", ...endpoint("embed"), "--store", store, "--json"]);
    expect(JSON.parse(again.stdout)).toEqual(result);
    expect(sim.stats.embeddingRequests).toBe(before);
  });

  it("difficulty: win rates, intervals and a per-document report; judge replies cached", async () => {
    const report = join(dir, "difficulty.json");
    const args = ["eval", "difficulty", "--a", foveate, "--b", selfQa, "--corpus", SAMPLE, ...endpoint("judge"), "--both-orders", "--store", store, "--report", report];
    const run = await runCli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Difficulty over 12 documents/);
    expect(run.stdout).toMatch(/harder in \d+ \([\d.]+%, 95% CI [\d.]+%-[\d.]+%\)/);
    const perDocument = JSON.parse(await readFile(report, "utf8")).perDocument;
    expect(perDocument).toHaveLength(12);
    expect(perDocument[0].verdicts).toHaveLength(2);
    const before = sim.stats.chatRequests;
    expect((await runCli(args)).stdout).toBe(run.stdout);
    expect(sim.stats.chatRequests).toBe(before);
  });

  it("difficulty of chunked corpora: each chunk is compared on its own, found by source_id and source_span", async () => {
    // Chunks of 100 tokens cannot yield what is asked of a document: thin on purpose.
    const common = ["--base-url", sim.baseURL, "--model", "sim-model", "--quiet", "--limit", "3", "--max-doc-tokens", "100", "--accept-thin"];
    const [a, b, report] = [join(dir, "chunked-foveate.jsonl"), join(dir, "chunked-self-qa.jsonl"), join(dir, "chunked.json")];
    expect((await runCli(["synth", SAMPLE, "-o", a, "--mu", "2", ...common])).code).toBe(0);
    expect((await runCli(["synth", SAMPLE, "-o", b, "--method", "self-qa", "--mu", "2", ...common])).code).toBe(0);
    const run = await runCli(["eval", "difficulty", "--a", a, "--b", b, "--corpus", SAMPLE, ...endpoint("judge"), "--store", store, "--report", report]);
    expect(run.code).toBe(0);
    const perDocument = JSON.parse(await readFile(report, "utf8")).perDocument as Array<{ sourceId: string; sourceSpan?: [number, number] }>;
    expect(perDocument.length).toBeGreaterThan(3);
    expect(perDocument.every((d) => Array.isArray(d.sourceSpan))).toBe(true);
    expect(new Set(perDocument.map((d) => d.sourceId))).toEqual(new Set(["sample.jsonl:1", "sample.jsonl:2", "sample.jsonl:3"]));
  });

  it("difficulty: warns on standard error, in one line, when the datasets differ in size", async () => {
    const [a, b] = [join(dir, "uneven-a.jsonl"), join(dir, "uneven-b.jsonl")];
    await writeFile(a, ["Why?", "How?", "When?"].map((instruction) => JSON.stringify({ instruction, article_index: 0 })).join("\n"));
    await writeFile(b, JSON.stringify({ instruction: "What?", article_index: 0 }));
    const run = await runCli(["eval", "difficulty", "--a", a, "--b", b, "--corpus", SAMPLE, ...endpoint("judge"), "--store", store]);
    expect(run.code).toBe(0);
    // The caveat on the paper's settings comes first (issue 11: every eval prints it when it applies).
    expect(run.stderr).toMatch(/^note: not the paper's settings [^\n]*\nwarning: the datasets differ in size \(.*uneven-a\.jsonl: 3 instructions, .*uneven-b\.jsonl: 1\)[^\n]*\n$/);
    expect(run.stdout).not.toMatch(/warning/);
  });

  it("qa: closed-book answers scored over rounds, with judge accuracy", async () => {
    const test = join(dir, "qa.jsonl");
    // The simulator answers a question without a document with its first sentence.
    await writeFile(
      test,
      [
        { question: "The bridge opened in 1911. When did the bridge open?", answer: "1911" },
        { question: "Mangroves protect coasts. What do mangroves protect?", answers: ["coasts", "coastlines"] },
        { question: "What is the capital of Veldt?", answer: "Harrow" },
      ]
        .map((x) => JSON.stringify(x))
        .join("\n"),
    );
    const run = await runCli(["eval", "qa", "--test", test, ...endpoint("target"), ...endpoint("judge"), "--rounds", "3", "--store", store, "--json"]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.rounds).toHaveLength(3);
    expect(report.mean.accuracy).toBeCloseTo(2 / 3, 10);
    expect(report.mean.recall).toBeCloseTo(2 / 3, 10);
    expect(report.std.f1).toBe(0);
    expect(run.stderr).toBe(
      "note: not the paper's settings (accuracy judged true/false, not Correct/Incorrect; no repetition penalty; rounds 3, not 5); --paper restores them\n",
    );

    // --paper: a Correct/Incorrect judge and a repetition penalty of 1.02 in every request to the model under test.
    const bodies: Array<Record<string, unknown> & { messages: Array<{ content: string }> }> = [];
    sim.onDelivered((body) => bodies.push(JSON.parse(body)));
    const paper = await runCli(["eval", "qa", "--test", test, ...endpoint("target"), ...endpoint("judge"), "--paper", "--store", store, "--json"]);
    expect(paper.code).toBe(0);
    expect(paper.stderr).toBe("");
    const paperReport = JSON.parse(paper.stdout);
    expect(paperReport.rounds).toHaveLength(5);
    expect(paperReport.mean.accuracy).toBeCloseTo(2 / 3, 10);
    expect(paperReport.rounds.every((r: { invalidJudgements: number }) => r.invalidJudgements === 0)).toBe(true);
    const [asked, judged] = [bodies.filter((b) => b.messages[0]!.content === ""), bodies.filter((b) => b.messages[0]!.content !== "")];
    expect(asked).toHaveLength(15);
    expect(asked.every((b) => b.repetition_penalty === 1.02)).toBe(true);
    // The simulated model answers alike in every round, and an identical judgement is asked once.
    expect(judged).toHaveLength(3);
    expect(judged.every((b) => b.repetition_penalty === undefined && JSON.stringify(b).includes("Correct"))).toBe(true);
  });

  it("difficulty --paper: a forced verdict, no ties; a judge flag still wins, and the caveat says so", async () => {
    const args = ["eval", "difficulty", "--a", foveate, "--b", selfQa, "--corpus", SAMPLE, ...endpoint("judge"), "--paper", "--store", store];
    const run = await runCli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ties 0, invalid verdicts 0/);
    expect(run.stderr.split("\n")[0]).toBe("note: not the paper's settings (judge sim-model, not gpt-4o); flags given override --paper");
    const ties = await runCli([...args, "--verdict", "ties"]);
    expect(ties.stderr.split("\n")[0]).toBe("note: not the paper's settings (judge sim-model, not gpt-4o; ties allowed); flags given override --paper");
  });

  it("compare: both datasets side by side, difficulty included when a judge and the corpus are given", async () => {
    const run = await runCli(["eval", "compare", foveate, selfQa, "--corpus", SAMPLE, ...endpoint("judge"), "--store", store]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Self-BLEU diversity\s+[\d.]+\s+[\d.]+/);
    expect(run.stdout).toMatch(/harder \(win rate\)\s+[\d.]+%\s+[\d.]+%/);
    const json = JSON.parse((await runCli(["eval", "compare", foveate, selfQa, "--json"])).stdout);
    expect(json.a.file).toBe(foveate);
    expect(json.difficulty).toBeNull();
  });

  it("names the problem in bad inputs: missing instruction field, empty file, mismatched article indices", async () => {
    const noField = join(dir, "no-field.jsonl");
    await writeFile(noField, '{"prompt": "x"}\n');
    const a = await runCli(["eval", "diversity", noField]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/no-field\.jsonl:1: no string field "instruction" \(fields: prompt\)/);

    const empty = join(dir, "empty.jsonl");
    await writeFile(empty, "");
    const b = await runCli(["eval", "diversity", empty]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/empty\.jsonl: no records \(the file is empty\)/);

    const stray = join(dir, "stray.jsonl");
    await writeFile(stray, '{"instruction": "Why?", "article_index": 40}\n');
    const c = await runCli(["eval", "difficulty", "--a", stray, "--b", selfQa, "--corpus", SAMPLE, ...endpoint("judge"), "--store", store]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/stray\.jsonl: article_index 40 not in the corpus, which has 12 documents/);
    for (const r of [a, b, c]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
