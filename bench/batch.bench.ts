/**
 * synth --batch on the sample corpus against the simulator (200 ms a live reply, 2 s a batch's
 * turnaround, 5% of instructions referring to "the passage" so that some go to re-synthesis, live),
 * beside a live run of the same corpus at the same prices: the batches and lines of
 * each wave, the calls sent live, the cost of each run, and their wall times. The goal is issue 16's:
 * the batched waves at half the price.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BatchEvent } from "../src/pipeline/batch-waves.js";
import { SynthesisJob } from "../src/run/synthesis-job.js";
import type { JobSummary } from "../src/run/job-events.js";
import type { SynthesisJobOptions } from "../src/run/job-options.js";
import { sampleCorpus } from "./paths.js";
import { startSimProcess } from "./sim-process.js";

const LATENCY_MS = 200;
const TURNAROUND_MS = 2000;
/** gpt-4o-mini's list price, per million tokens: the batch price is half of it. */
const PRICE = { priceIn: 0.15, priceOut: 0.6 };

export async function benchBatch(): Promise<boolean> {
  // Some instructions refer to "the passage" and fail the method's checks, so that re-synthesis rounds (sent live) happen.
  const sim = await startSimProcess(["--latency", String(LATENCY_MS), "--batch-turnaround-ms", String(TURNAROUND_MS), "--rate-passage-reference", "0.05"]);
  const dir = mkdtempSync(join(tmpdir(), "foveate-bench-batch-"));
  try {
    const options = (name: string): SynthesisJobOptions => ({
      corpus: sampleCorpus,
      output: join(dir, `${name}.jsonl`),
      baseUrl: sim.baseURL,
      model: "sim-model",
      seed: 1,
      ...PRICE,
    });
    const live = await timed(new SynthesisJob(options("live")));
    const waves: Array<Extract<BatchEvent, { type: "wave-submitted" }>> = [];
    const batched = await timed(new SynthesisJob({ ...options("batched"), batch: true, batchPoll: 0.25 }), (event) => {
      if (event.type === "wave-submitted") waves.push(event);
    });

    const b = batched.summary.stats;
    const liveCalls = b.calls - b.batched.calls;
    const ratio = batched.summary.costUsd! / live.summary.costUsd!;
    const batchedShare = b.batched.calls / b.calls;
    // Calls sent live are paid at the list price; the goal is that every batched call is paid at half of it.
    const ideal = (batchedShare * 0.5 + (1 - batchedShare)) * (b.promptTokens + b.completionTokens > 0 ? 1 : 0);
    console.log(`batch: synth --batch on the sample corpus (12 documents, mu 8), ${LATENCY_MS} ms a live reply, ${(TURNAROUND_MS / 1000).toFixed(0)} s a batch's turnaround, 5% of instructions to re-synthesize, at ${PRICE.priceIn}/${PRICE.priceOut} $ per M tokens (batch: half)`);
    for (const wave of waves) console.log(`  wave ${wave.wave}            ${wave.batches.length} batch${wave.batches.length === 1 ? "" : "es"}, ${wave.lines} lines (${wave.label})`);
    console.log(`  calls             ${b.calls} in all: ${b.batched.calls} in batches, ${liveCalls} sent live (re-synthesis rounds)`);
    const same = readFileSync(join(dir, "live.jsonl"), "utf8") === readFileSync(join(dir, "batched.jsonl"), "utf8");
    console.log(`  records           live ${live.records}, batched ${batched.records}: ${same ? "the same dataset" : "DIFFERENT datasets"}`);
    console.log(`  cost              live $${live.summary.costUsd!.toFixed(5)}, batched $${batched.summary.costUsd!.toFixed(5)}: ratio ${ratio.toFixed(3)} (goal: the batched waves at half price, ${ideal.toFixed(3)} with ${liveCalls} calls live) ${Math.abs(ratio - ideal) < 0.01 ? "ok" : "MISSED"}`);
    console.log(`  wall time         live ${(live.wallMs / 1000).toFixed(2)} s, batched ${(batched.wallMs / 1000).toFixed(2)} s (${waves.length} waves of ${(TURNAROUND_MS / 1000).toFixed(0)} s turnaround, polled every 0.25 s)`);
    return Math.abs(ratio - ideal) < 0.01 && same;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sim.stop();
  }
}

async function timed(job: SynthesisJob, onBatch: (event: BatchEvent) => void = () => {}): Promise<{ summary: JobSummary; records: number; wallMs: number }> {
  const started = performance.now();
  const summary = await job.start({ onEvent: (event) => (event.type === "batch" ? onBatch(event.event) : undefined) });
  return { summary, records: Object.values(summary.stats.levels).reduce((n, level) => n + level.kept, 0), wallMs: performance.now() - started };
}
