/**
 * Issue 13: full speed under real rate limits, as a user meets them. Each run is the library's
 * job (`new SynthesisJob({...}).start()`) on 48 distinct documents against the simulator in a
 * process of its own, fresh for every run (so its fault decisions and prefix cache start over),
 * with a fresh store. Every ratio is made of runs of this one bench run:
 *
 * - 5% random 429s with Retry-After 1 s: wall time over the clean run's (goal <= 1.5);
 * - a server that serves 4 at once, driven at --concurrency 64: wall time over --concurrency 4 (goal <= 1.3);
 * - --max-cost at half the clean run's cost: spent over cap (goal 0.9 to 1.0);
 * - two endpoints serving 8 at once each, against one: speed-up in wall time (goal >= 1.8), both at
 *   --concurrency 8, which holds for each endpoint.
 *
 * A server that serves N at once answers the call over N with 429 and Retry-After 1 s, as a gateway
 * in front of a GPU server does (and as issue 13 measured it).
 *
 * A run that fails (or loses a document) gives "n/a" and the reason instead of its figure.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpendingLimitReachedError } from "../src/errors.js";
import type { EndpointSpec } from "../src/llm/endpoint-spec.js";
import type { Level } from "../src/method/levels.js";
import type { JobSummary } from "../src/run/job-events.js";
import type { SynthesisJobOptions } from "../src/run/job-options.js";
import { SynthesisJob } from "../src/run/synthesis-job.js";
import { sampleCorpus } from "./paths.js";
import { startSimProcess } from "./sim-process.js";

const LATENCY_MS = 100;
const DOCUMENTS = 48;
/** The job's default, as a new user's run has it (issue 13 measured such runs). */
const MU = 8;
const LEVELS: readonly Level[] = ["micro", "scatter", "macro"];
/** The job's default: what a user who sets nothing gets. */
const CONCURRENCY = 32;
/** Dollars per million tokens, so that every run has a cost. */
const PRICE_IN = 1;
const PRICE_OUT = 4;

/** What a run gave: its wall time and cost, or why it has no figure. */
type Run = { ok: true; wallMs: number; costUsd: number; calls: number; served: string } | { ok: false; reason: string; wallMs: number };

/** The 48 documents: four passes over the twelve samples, each copy told apart so no two prompts are the same. */
function writeCorpus(dir: string): string {
  const texts = readFileSync(sampleCorpus, "utf8").trim().split("\n").map((line) => JSON.parse(line).content as string);
  const lines = Array.from({ length: DOCUMENTS }, (_, i) =>
    JSON.stringify({ content: i < texts.length ? texts[i]! : `${texts[i % texts.length]} (Copy ${Math.floor(i / texts.length) + 1}.)` }),
  );
  const path = join(dir, "corpus.jsonl");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/** What the simulator says it refused and served, in a few words. */
function servedBy(stats: Record<string, unknown>): string {
  const limited = (stats.limited ?? {}) as Record<string, number>;
  const faults = (stats.faults ?? {}) as Record<string, number>;
  const refused = (limited.concurrency ?? 0) + (limited.requests ?? 0) + (limited.tokens ?? 0);
  return `${String(stats.chatRequests)} requests, ${faults.status429 ?? 0} random 429, ${refused} refused over a limit, at most ${String(stats.maxInFlight)} served at once`;
}

const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message.split("\n")[0]}` : String(error));

interface Bench {
  dir: string;
  corpus: string;
  runs: number;
}

/**
 * One job over the corpus with `options`, timed from start() to its end. `stopsAtCap`: the run is
 * expected to end with SpendingLimitReachedError, and counts then. A document lost, or any other
 * error, makes the run a failure; the first lost document stops it at once.
 */
async function runJob(bench: Bench, options: Partial<SynthesisJobOptions>, stopsAtCap = false): Promise<Run> {
  const name = `run-${++bench.runs}`;
  const stop = new AbortController();
  let summary: JobSummary | undefined;
  let lost: Error | undefined;
  const job = new SynthesisJob({
    corpus: bench.corpus,
    engine: "api",
    model: "sim-model",
    env: {},
    mu: MU,
    levels: LEVELS,
    seed: 1,
    priceIn: PRICE_IN,
    priceOut: PRICE_OUT,
    output: join(bench.dir, `${name}.jsonl`),
    store: join(bench.dir, `${name}.foveate.db`),
    grace: 1,
    ...options,
  });
  const started = performance.now();
  try {
    await job.start({
      signal: stop.signal,
      onEvent: (event) => {
        if (event.type === "summary") summary = event.summary;
        if (event.type === "document-failed" && lost === undefined) {
          lost = event.error;
          stop.abort();
        }
      },
    });
  } catch (error) {
    const wallMs = performance.now() - started;
    if (lost !== undefined) return { ok: false, reason: `a document failed: ${describeError(lost)}`, wallMs };
    if (!(stopsAtCap && error instanceof SpendingLimitReachedError)) return { ok: false, reason: describeError(error), wallMs };
  }
  const wallMs = performance.now() - started;
  if (summary === undefined) return { ok: false, reason: "the job gave no summary", wallMs };
  const done = summary.stats.documents;
  if (!stopsAtCap && done !== DOCUMENTS) return { ok: false, reason: `${done} of ${DOCUMENTS} documents done`, wallMs };
  if (summary.costUsd === undefined) return { ok: false, reason: `no cost: ${summary.noPrice ?? "unknown"}`, wallMs };
  return { ok: true, wallMs, costUsd: summary.costUsd, calls: summary.stats.calls, served: "" };
}

/** A run against simulators started with `flags` (one per list), stopped after it. */
async function runAgainst(bench: Bench, simFlags: string[][], options: (baseUrls: string[]) => Partial<SynthesisJobOptions>, stopsAtCap = false): Promise<Run> {
  const sims = await Promise.all(simFlags.map((flags) => startSimProcess(["--latency", String(LATENCY_MS), ...flags])));
  const stopAll = () => Promise.all(sims.map((s) => s.stop()));
  let run: Run;
  try {
    run = await runJob(bench, options(sims.map((s) => s.baseURL)), stopsAtCap);
  } catch (error) {
    await stopAll();
    throw error;
  }
  const stats = await stopAll();
  return run.ok ? { ...run, served: stats.map(servedBy).join("; ") } : run;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function tell(label: string, run: Run): void {
  if (run.ok) console.log(`  ${label.padEnd(56)} ${seconds(run.wallMs).padStart(8)}, ${run.calls} calls, $${run.costUsd.toFixed(4)} (server: ${run.served})`);
  else console.log(`  ${label.padEnd(56)} n/a (${run.reason}; after ${seconds(run.wallMs)})`);
}

/** Prints a figure with its goal; false when it is missed or cannot be made. */
function figure(label: string, value: number | string, goal: string, met: (v: number) => boolean): boolean {
  if (typeof value === "string") {
    console.log(`  ${label.padEnd(56)} n/a (${value}) (goal ${goal}) MISSED`);
    return false;
  }
  const ok = met(value);
  console.log(`  ${label.padEnd(56)} ${value.toFixed(3)} (goal ${goal}) ${ok ? "ok" : "MISSED"}`);
  return ok;
}

/** The figure of two runs, or why there is none. */
const ratioOf = (a: Run, b: Run, of: (a: Run & { ok: true }, b: Run & { ok: true }) => number): number | string =>
  !a.ok ? `its run failed: ${a.reason}` : !b.ok ? `its run failed: ${b.reason}` : of(a, b);

export async function benchLimits(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), "foveate-limits-"));
  const bench: Bench = { dir, corpus: writeCorpus(dir), runs: 0 };
  const benchStarted = performance.now();
  try {
    console.log(
      `limits: ${DOCUMENTS} documents, ${LATENCY_MS} ms latency, mu ${MU}, levels ${LEVELS.join("+")}, ` +
        `$${PRICE_IN}/$${PRICE_OUT} per million tokens in/out, SynthesisJob, one simulator process per endpoint and run`,
    );
    const at = (concurrency: number) => (urls: string[]) => ({ baseUrl: urls[0]!, concurrency });

    const clean = await runAgainst(bench, [[]], at(CONCURRENCY));
    tell(`clean, --concurrency ${CONCURRENCY}`, clean);
    const faulty = await runAgainst(bench, [["--rate429", "0.05", "--retry-after-seconds", "1"]], at(CONCURRENCY));
    tell(`5% 429s (Retry-After 1 s), --concurrency ${CONCURRENCY}`, faulty);

    const capped = ["--max-concurrent", "4", "--retry-after-seconds", "1"];
    const narrow = await runAgainst(bench, [capped], at(4));
    tell("serves 4 at once, --concurrency 4", narrow);
    const wide = await runAgainst(bench, [capped], at(64));
    tell("serves 4 at once, --concurrency 64", wide);

    const cap = clean.ok ? clean.costUsd / 2 : undefined;
    const capRun: Run =
      cap === undefined
        ? { ok: false, reason: "no clean run to take the cap from", wallMs: 0 }
        : await runAgainst(bench, [[]], (urls) => ({ ...at(CONCURRENCY)(urls), maxCost: cap }), true);
    tell(`--max-cost ${cap === undefined ? "n/a" : `$${cap.toFixed(4)}`} (half the clean run)`, capRun);

    const eight = ["--max-concurrent", "8", "--retry-after-seconds", "1"];
    const one = await runAgainst(bench, [eight], at(8));
    tell("one endpoint serving 8 at once, --concurrency 8", one);
    const two = await runAgainst(bench, [eight, eight], (urls) => ({
      endpoints: urls.map((baseUrl): EndpointSpec => ({ baseUrl })),
      concurrency: 8,
    }));
    tell("two endpoints serving 8 at once each, --concurrency 8", two);

    console.log(`  figures`);
    const results = [
      figure("5% 429s: wall over clean", ratioOf(faulty, clean, (f, c) => f.wallMs / c.wallMs), "<= 1.5", (v) => v <= 1.5),
      figure("serves 4: wall at 64 over wall at 4", ratioOf(wide, narrow, (w, n) => w.wallMs / n.wallMs), "<= 1.3", (v) => v <= 1.3),
      figure("--max-cost: spent over cap", capRun.ok ? capRun.costUsd / cap! : `its run failed: ${capRun.reason}`, "0.9 to 1.0", (v) => v >= 0.9 && v <= 1),
      figure("two endpoints: speed-up over one", ratioOf(one, two, (o, t) => o.wallMs / t.wallMs), ">= 1.8", (v) => v >= 1.8),
    ];
    console.log(`  bench time        ${seconds(performance.now() - benchStarted)}`);
    return results.every(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
