/**
 * Pipeline throughput against the simulator: 48 documents, 200 ms per reply, --concurrency 96 (as issue 13 measures).
 *
 * ideal = max(total calls x latency / concurrency, longest chain of dependent calls x latency):
 * no scheduler can beat either bound. The goals are a wall time within 1.25x of the ideal and
 * under 1 ms of CPU per LLM call in this process (the simulator runs in its own process).
 */
import { readFileSync } from "node:fs";
import { createOpenAIEngine } from "../src/llm/http/openai-engine.js";
import type { LanguageModel } from "../src/llm/port.js";
import { synthesize } from "../src/pipeline/synthesize.js";
import type { SourceDocument } from "../src/corpus/source-document.js";
import { sampleCorpus } from "./paths.js";
import { startSimProcess } from "./sim-process.js";

const LATENCY_MS = 200;
const CONCURRENCY = 96;
const DOCUMENTS = 48;

function corpus(): SourceDocument[] {
  const texts = readFileSync(sampleCorpus, "utf8").trim().split("\n").map((line) => JSON.parse(line).content as string);
  // Four passes over the twelve samples, each copy told apart so no two prompts are the same.
  return Array.from({ length: DOCUMENTS }, (_, i) => ({
    index: i,
    sourceId: `bench:${i}`,
    text: i < texts.length ? texts[i]! : `${texts[i % texts.length]} (Copy ${Math.floor(i / texts.length) + 1}.)`,
  }));
}

export async function benchSynth(): Promise<boolean> {
  const sim = await startSimProcess(["--latency", String(LATENCY_MS)]);
  try {
    // As the job makes it: the engine tries once, the run's scheduler retries.
    const engine = createOpenAIEngine({ baseURL: sim.baseURL, model: "sim-model", retry: { maxRetries: 0 } });
    // When the places were last (nearly) all taken: after that, only chains of dependent calls remain.
    let inFlight = 0;
    let lastFullAt = 0;
    const model: LanguageModel = {
      description: engine.description,
      modelId: engine.modelId,
      complete: async (request) => {
        if (++inFlight >= 0.9 * CONCURRENCY) lastFullAt = performance.now();
        try {
          return await engine.complete(request);
        } finally {
          inFlight--;
        }
      },
    };
    const run = synthesize(corpus(), { model, concurrency: CONCURRENCY, seed: 1, retry: { maxRetries: 6 } });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let records = 0;
    for await (const _ of run) records++;
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const s = run.stats;

    const throughputBound = (s.calls * LATENCY_MS) / CONCURRENCY;
    const chainBound = s.longestChain * LATENCY_MS;
    const ideal = Math.max(throughputBound, chainBound);
    const ratio = wallMs / ideal;
    const cpuPerCall = cpuMs / s.calls;
    const achieved = (s.calls * LATENCY_MS) / wallMs;

    console.log(`synth: ${DOCUMENTS} documents, ${LATENCY_MS} ms latency, --concurrency ${CONCURRENCY}`);
    console.log(`  records           ${records} (${s.documents} documents done, ${s.documentsFailed} failed)`);
    console.log(`  LLM calls         ${s.calls}`);
    console.log(`  tokens            ${s.promptTokens} prompt (${s.cachedPromptTokens} cached), ${s.completionTokens} completion`);
    console.log(`  longest chain     ${s.longestChain} calls`);
    console.log(`  wall time         ${(wallMs / 1000).toFixed(2)} s`);
    console.log(
      `  ideal             ${(ideal / 1000).toFixed(2)} s = max(${s.calls} x ${LATENCY_MS} ms / ${CONCURRENCY} = ${(throughputBound / 1000).toFixed(2)} s, ${s.longestChain} x ${LATENCY_MS} ms = ${(chainBound / 1000).toFixed(2)} s)`,
    );
    console.log(`  ratio to ideal    ${ratio.toFixed(3)} (goal <= 1.25) ${ratio <= 1.25 ? "ok" : "MISSED"}`);
    console.log(
      `  places full       until ${((lastFullAt - started) / 1000).toFixed(2)} s (>= 90% of ${CONCURRENCY} in flight); then ${((wallMs - (lastFullAt - started)) / 1000).toFixed(2)} s of chains of dependent calls (re-synthesis rounds)`,
    );
    console.log(`  concurrency       ${achieved.toFixed(1)} achieved on average, ${s.maxInFlight} at most (limit ${CONCURRENCY})`);
    console.log(`  CPU in our process ${cpuMs.toFixed(0)} ms = ${cpuPerCall.toFixed(3)} ms per call (goal < 1) ${cpuPerCall < 1 ? "ok" : "MISSED"}`);
    return ratio <= 1.25 && cpuPerCall < 1;
  } finally {
    await sim.stop();
  }
}
