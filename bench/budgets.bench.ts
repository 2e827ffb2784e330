/**
 * Adaptive budgets' embedding cost on the 12-document sample, the simulator at 100 ms a request:
 * this project's way (documents and their words batched, 256 inputs a request, each distinct text
 * once) against one request per word, as the authors' code does. Goal: at least 20x fewer requests.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planBudgets, relevantWordCounts } from "../src/budget/plan-budgets.js";
import { createEmbeddingEngine } from "../src/llm/http/embedding-engine.js";
import { cachedEmbeddings } from "../src/store/cached-embeddings.js";
import { RunStore } from "../src/store/run-store.js";
import { sampleCorpus } from "./paths.js";
import { startSimProcess } from "./sim-process.js";

const LATENCY_MS = 100;

export async function benchBudgets(): Promise<boolean> {
  const documents = readFileSync(sampleCorpus, "utf8")
    .trim()
    .split("\n")
    .map((line, index) => ({ index, sourceId: `sample:${index + 1}`, text: JSON.parse(line).content as string }));
  const sim = await startSimProcess(["--latency", String(LATENCY_MS)]);
  const dir = mkdtempSync(join(tmpdir(), "foveate-budgets-"));
  try {
    const batched = createEmbeddingEngine({ baseURL: sim.baseURL, model: "sim-embedding" });
    const store = RunStore.open(join(dir, "budgets.db"));
    let started = performance.now();
    const plan = await planBudgets(documents, cachedEmbeddings(batched, store), { mu: 8, alpha: 1 });
    const ours = performance.now() - started;
    store.close();

    const perWord = createEmbeddingEngine({ baseURL: sim.baseURL, model: "sim-embedding", batchSize: 1, concurrency: 16 });
    started = performance.now();
    const counts = await relevantWordCounts(documents, perWord);
    const theirs = performance.now() - started;

    const n = documents.length;
    const ratio = perWord.stats.requests / batched.stats.requests;
    console.log(`adaptive budgets: embeddings for the ${n}-document sample, ${LATENCY_MS} ms per request`);
    console.log(`  batched and cached     ${batched.stats.requests} requests (${(batched.stats.requests / n).toFixed(2)} per document), ${batched.stats.inputs} inputs, ${(ours / 1000).toFixed(2)} s`);
    console.log(`  one request per word   ${perWord.stats.requests} requests (${(perWord.stats.requests / n).toFixed(1)} per document), ${(theirs / 1000).toFixed(2)} s with 16 in flight (${((perWord.stats.requests * LATENCY_MS) / 1000).toFixed(1)} s one after another)`);
    console.log(`  same counts both ways  ${JSON.stringify(counts) === JSON.stringify(plan.counts) ? "yes" : "NO"}; budgets ${plan.budgets.join(" ")}`);
    console.log(`  ${ratio.toFixed(0)}x fewer requests (goal >= 20x) ${ratio >= 20 ? "ok" : "MISSED"}`);
    return ratio >= 20 && JSON.stringify(counts) === JSON.stringify(plan.counts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sim.stop();
  }
}
