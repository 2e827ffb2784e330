/**
 * The local engine on the tiny random model the tests write (about 1 MB, one block): how fast
 * node-llama-cpp generates with it on this machine, and what the pipeline adds to each local call
 * (prompt building, the prompt-length check, grammar lookup, parsing, the run store, scheduling).
 *
 * The pipeline runs one call at a time on one sequence, so its wall time is the calls' generation
 * time plus the overhead, and the difference divided by the calls is the overhead per call.
 * Goal: under 5 ms per call, small beside any real model's generation time.
 */
import { readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { LlamaCompletion, TokenBias, type Token } from "node-llama-cpp";
import type { SourceDocument } from "../src/corpus/source-document.js";
import { loadLocalEngine } from "../src/llm/local/load-local.js";
import { synthesize } from "../src/pipeline/synthesize.js";
import { RunStore } from "../src/store/run-store.js";
import { writeTinyModel } from "../test/support/tiny-model.js";
import { sampleCorpus } from "./paths.js";

const DOCUMENTS = 4;
const RAW_TOKENS = 2000;
const GOAL_MS = 5;

export async function benchLocal(): Promise<boolean> {
  const modelPath = writeTinyModel();
  const dir = path.dirname(modelPath);
  const engine = await loadLocalEngine({ modelPath, parallel: 1, gpu: false, threads: 1, maxStringChars: 200 });
  try {
    // Raw node-llama-cpp, in a context of its own: prompt evaluation, then free generation with
    // the end-of-text token banned so that it runs the whole length.
    const context = await engine.model.createContext({ contextSize: 4096, threads: 1 });
    const sequence = context.getSequence();
    const prompt = engine.model.tokenize(readFileSync(sampleCorpus, "utf8").slice(0, 6000)).slice(0, 3000);
    let started = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt);
    const promptMs = performance.now() - started;
    await sequence.clearHistory();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    // <unk>, <s> and </s>: llama.cpp ends a generation at any control token.
    const noEnd = new TokenBias(engine.model.tokenizer);
    for (const id of [0, 1, 2]) noEnd.set(id as Token, "never");
    let generated = 0;
    started = performance.now();
    await completion.generateCompletion("The lighthouse keeper", {
      maxTokens: RAW_TOKENS,
      temperature: 1,
      seed: 1,
      tokenBias: noEnd,
      onToken: (tokens) => {
        generated += tokens.length;
      },
    });
    const rawMs = performance.now() - started;
    completion.dispose();
    await context.dispose();

    // The pipeline: every level on a few sample documents, one call at a time, with a run store.
    const documents: SourceDocument[] = readFileSync(sampleCorpus, "utf8")
      .trim()
      .split("\n")
      .slice(0, DOCUMENTS)
      .map((line, index) => ({ index, sourceId: `sample:${index + 1}`, text: JSON.parse(line).content as string }));
    const store = RunStore.open(path.join(dir, "run.db"));
    started = performance.now();
    const run = synthesize(
      (async function* () {
        yield* documents;
      })(),
      { model: engine, concurrency: 1, seed: 1, mu: 4, maxRounds: 1, store },
    );
    let records = 0;
    for await (const _ of run) records++;
    const wallMs = performance.now() - started;
    store.close();

    const { calls, generationMs, completionTokens, promptTokens, reusedPromptTokens } = engine.stats;
    const overhead = (wallMs - generationMs) / calls;
    const kb = (statSync(modelPath).size / 1000).toFixed(0);
    console.log(`local engine: the tests' tiny random llama (${kb} kB, 1 block, width 32), CPU, 1 thread`);
    console.log(`  prompt evaluation ${prompt.length} tokens in ${promptMs.toFixed(0)} ms = ${((prompt.length / promptMs) * 1000).toFixed(0)} tokens/s`);
    console.log(`  generation        ${generated} tokens in ${rawMs.toFixed(0)} ms = ${((generated / rawMs) * 1000).toFixed(0)} tokens/s (no grammar)`);
    console.log(`  pipeline          ${DOCUMENTS} documents, every level, --mu 4: ${records} records from ${calls} calls in ${(wallMs / 1000).toFixed(2)} s, one call at a time`);
    console.log(`    in node-llama-cpp ${(generationMs / 1000).toFixed(2)} s (${(generationMs / calls).toFixed(1)} ms per call): ${promptTokens} prompt tokens (${reusedPromptTokens} reused from the sequence), ${completionTokens} generated under grammar`);
    console.log(`  overhead per call ${overhead.toFixed(2)} ms = (wall - time in node-llama-cpp) / calls (goal < ${GOAL_MS}) ${overhead < GOAL_MS ? "ok" : "MISSED"}`);
    return overhead < GOAL_MS;
  } finally {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
