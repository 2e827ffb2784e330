/**
 * The run store's cost. (1) CPU per LLM call with and without the store, against the simulator
 * at zero latency: the goal is under 0.5 ms of overhead per call. (2) Resuming a finished
 * 10,000-document run: reading the corpus, finding every document finished in the store and
 * emitting its records, with no call; the goal is under 2 s.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chunkDocuments } from "../src/corpus/chunk-document.js";
import { readCorpus } from "../src/corpus/read-corpus.js";
import type { SourceDocument } from "../src/corpus/source-document.js";
import { createOpenAIEngine } from "../src/llm/http/openai-engine.js";
import type { LanguageModel } from "../src/llm/port.js";
import type { LevelOutcome } from "../src/method/run-level.js";
import { documentKey } from "../src/pipeline/document-key.js";
import { resolveSettings } from "../src/pipeline/resolve-settings.js";
import { runFingerprint } from "../src/pipeline/run-fingerprint.js";
import { synthesize } from "../src/pipeline/synthesize.js";
import { storedLevel } from "../src/pipeline/stored-level.js";
import { RunStore } from "../src/store/run-store.js";
import { sampleCorpus } from "./paths.js";
import { startSimProcess } from "./sim-process.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function corpus(copies: number): SourceDocument[] {
  const texts = readFileSync(sampleCorpus, "utf8").trim().split("\n").map((line) => JSON.parse(line).content as string);
  return Array.from({ length: copies * texts.length }, (_, i) => ({ index: i, sourceId: `bench:${i}`, text: `${texts[i % texts.length]} (Copy ${i}.)` }));
}

async function cpuPerCall(model: LanguageModel, store: RunStore | undefined, documents: SourceDocument[]): Promise<number> {
  const before = process.cpuUsage();
  const run = synthesize(documents, { model, concurrency: 64, seed: 1, ...(store ? { store } : {}) });
  for await (const _ of run);
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / 1000 / run.stats.calls;
}

async function storeOverhead(dir: string): Promise<boolean> {
  const sim = await startSimProcess(["--latency", "0"]);
  try {
    const model = createOpenAIEngine({ baseURL: sim.baseURL, model: "sim-model" });
    await cpuPerCall(model, undefined, corpus(1)); // warm up both paths
    const without: number[] = [];
    const withStore: number[] = [];
    for (let round = 0; round < 3; round++) {
      without.push(await cpuPerCall(model, undefined, corpus(4)));
      const store = RunStore.open(join(dir, `overhead-${round}.db`));
      withStore.push(await cpuPerCall(model, store, corpus(4)));
      store.close();
    }
    const overhead = median(withStore) - median(without);
    console.log("store overhead: 48 documents, simulator at zero latency, --concurrency 64 (median of 3 runs each)");
    console.log(`  CPU per call without the store ${median(without).toFixed(3)} ms, with it ${median(withStore).toFixed(3)} ms`);
    console.log(`  overhead per call            ${overhead.toFixed(3)} ms (goal < 0.5) ${overhead < 0.5 ? "ok" : "MISSED"}`);
    return overhead < 0.5;
  } finally {
    await sim.stop();
  }
}

/** A finished level of a document as a run would have saved it: eight records of realistic size. */
function finishedLevel(level: "micro" | "scatter" | "macro", document: SourceDocument): LevelOutcome {
  return {
    level,
    budget: 8,
    features: 8,
    records: Array.from({ length: 8 }, (_, i) => ({
      instruction: `Question ${i} about the ${level} features of document ${document.index}, phrased as a model would phrase it?`,
      output: `An answer of a few sentences for item ${i}. `.repeat(6),
      article_index: document.index,
      level,
      features: [`feature ${i}`],
      resynthesized: false,
      rounds: 0,
      source_id: document.sourceId,
    })),
    dropped: [],
    recovered: 0,
    chain: 3,
  };
}

async function resumeScan(dir: string): Promise<boolean> {
  const count = 10_000;
  const path = join(dir, "corpus.jsonl");
  writeFileSync(path, Array.from({ length: count }, (_, i) => JSON.stringify({ content: `Document ${i}. ${"It says something. ".repeat(30)}` })).join("\n") + "\n");
  const noCalls: LanguageModel = {
    description: "no calls",
    modelId: "sim-model",
    complete: () => Promise.reject(new Error("a finished run made a call")),
  };
  const store = RunStore.open(join(dir, "resume.db"));
  store.writeConfig(runFingerprint(resolveSettings({ model: noCalls, seed: 1 }), noCalls.modelId));
  for await (const document of readCorpus(path)) {
    const stored = { key: documentKey(document), index: document.index, sourceId: document.sourceId };
    for (const level of ["micro", "scatter", "macro"] as const) store.saveLevel(stored, storedLevel(stored, finishedLevel(level, document)));
    store.finishDocument(stored);
  }

  const started = performance.now();
  const run = synthesize(chunkDocuments(readCorpus(path), 12_000), { model: noCalls, store, seed: 1 });
  let records = 0;
  for await (const _ of run) records++;
  const seconds = (performance.now() - started) / 1000;
  store.close();
  console.log(`resume scan: ${count.toLocaleString("en-US")} finished documents in the store`);
  console.log(`  ${records.toLocaleString("en-US")} records from ${run.stats.documentsResumed.toLocaleString("en-US")} resumed documents, ${run.stats.calls} calls`);
  console.log(`  time ${seconds.toFixed(2)} s (goal < 2) ${seconds < 2 ? "ok" : "MISSED"}`);
  return seconds < 2 && run.stats.calls === 0 && run.stats.documentsResumed === count;
}

export async function benchStore(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), "foveate-bench-"));
  try {
    return (await storeOverhead(dir)) && (await resumeScan(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
