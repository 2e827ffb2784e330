import { existsSync } from "node:fs";
import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { happyReply, ScriptedModel } from "../../test/support/scripted-model.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { AbortedError, ConfigError, InputError } from "../errors.js";
import { formatCounts } from "../output/summary.js";
import type { LanguageModel } from "../llm/port.js";
import type { SynthRecord } from "../method/record.js";
import type { JobEvent } from "./job-events.js";
import type { SynthesisJobOptions } from "./job-options.js";
import { runStatus } from "./store-tools.js";
import { SynthesisJob } from "./synthesis-job.js";

let dir: string;
beforeEach(() => {
  dir = tempDir("foveate-job-");
});

const line = (text: string) => JSON.stringify({ content: text });

/** Three documents, the second of them malformed. */
async function corpus(): Promise<string> {
  const file = join(dir, "corpus.jsonl");
  await writeFile(file, [line("Alpha is first. It comes before beta."), "{not json", line("Gamma is third. It ends the list.")].join("\n") + "\n");
  return file;
}

async function job(options: Partial<SynthesisJobOptions> = {}) {
  const model = new ScriptedModel(happyReply);
  const events: JobEvent[] = [];
  const output = join(dir, "out.jsonl");
  const j = new SynthesisJob({ corpus: await corpus(), onBadInput: "skip", languageModel: model, output, mu: 2, levels: ["micro", "macro"], ...options });
  return { j, model, events, output, onEvent: (e: JobEvent) => events.push(e) };
}

const records = async (file: string) => (await readFile(file, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as SynthRecord);

describe("SynthesisJob", () => {
  it("reads the corpus once for the estimate and the run, and tells what it skipped once", async () => {
    const { j, model, events, output, onEvent } = await job();
    const { estimate, corpus: read } = await j.estimate({ onEvent });
    expect(read.documents.map((d) => d.sourceId)).toEqual(["corpus.jsonl:1", "corpus.jsonl:3"]);
    expect(estimate.documents).toBe(2);
    expect(model.calls).toHaveLength(0);

    const summary = await j.start({ onEvent });
    expect(events.filter((e) => e.type === "skipped")).toHaveLength(1);
    expect(summary.skipped).toBe(1);
    expect(summary.stats.documents).toBe(2);
    expect(summary.store).toBe(`${output}.foveate.db`);
    const written = await records(output);
    expect(written.length).toBe(summary.stats.levels.micro!.kept + summary.stats.levels.macro!.kept);
    expect(new Set(written.map((r) => r.source_id))).toEqual(new Set(["corpus.jsonl:1", "corpus.jsonl:3"]));
  });

  it("reports progress and ends with a summary event; a second start replays everything from the store", async () => {
    const { j, model, events, output, onEvent } = await job();
    await j.start({ onEvent, progressIntervalMs: 1 });
    const last = events.filter((e) => e.type === "progress").at(-1);
    expect(last).toMatchObject({ type: "progress", progress: { documentsDone: 2, documentsTotal: 2 } });
    expect(events.at(-1)).toMatchObject({ type: "summary", finished: true });
    const first = await readFile(output, "utf8");
    const calls = model.calls.length;

    const again = await j.start({});
    expect(model.calls.length).toBe(calls);
    expect(again.stats.documentsResumed).toBe(2);
    expect(await readFile(output, "utf8")).toBe(first);
  });

  it("plans the run's calls for the ETA, and counts them done as they are answered, from the store too", async () => {
    // No reply before the first progress event: it shows the plan before any document finished.
    let progressed!: () => void;
    const firstProgress = new Promise<void>((resolve) => (progressed = resolve));
    const model = new ScriptedModel(happyReply);
    const held: LanguageModel = { description: model.description, modelId: model.modelId, complete: (request) => firstProgress.then(() => model.complete(request)) };
    const { j } = await job({ languageModel: held });
    const events: JobEvent[] = [];
    const onEvent = (e: JobEvent) => {
      events.push(e);
      if (e.type === "progress") progressed();
    };
    await j.start({ onEvent, progressIntervalMs: 1 });
    const seen = events.flatMap((e) => (e.type === "progress" ? [e.progress] : []));
    expect(seen[0]).toMatchObject({ documentsDone: 0, calls: 0 });
    // Planned before any document finished: 2 documents x 2 levels x (extraction + synthesis + 2
    // answers + 15% of 2 items re-synthesized and answered again).
    expect(seen[0]!.callsPlanned).toBe(Math.round(2 * 2 * (2 + 2 + 0.15 * 2 * 2)));
    expect(seen.every((p) => p.callsDone === p.calls)).toBe(true);
    // Every item was kept at once: the finished documents correct the plan to the calls really made.
    expect(seen.at(-1)).toMatchObject({ calls: model.calls.length, callsDone: model.calls.length, callsPlanned: model.calls.length });

    const again: JobEvent[] = [];
    await j.start({ onEvent: (e) => again.push(e), progressIntervalMs: 1 });
    const resumed = again.flatMap((e) => (e.type === "progress" ? [e.progress] : [])).at(-1);
    expect(resumed).toMatchObject({ calls: 0, callsDone: model.calls.length, callsPlanned: model.calls.length });
  });

  it("stops on its signal during the run: says it is stopping, sums up, keeps the output unwritten, throws AbortedError", async () => {
    const stop = new AbortController();
    const { j, events, output, onEvent } = await job({
      languageModel: new ScriptedModel((call) => {
        stop.abort();
        return happyReply(call);
      }),
    });
    await expect(j.start({ onEvent, signal: stop.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(events.filter((e) => e.type === "stopping")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "summary", finished: false });
    await expect(readFile(output, "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("stopped before the run, ends at the next step: no call, no store, no output", async () => {
    const { j, model, events, output, onEvent } = await job();
    const stop = new AbortController();
    stop.abort();
    await expect(j.start({ onEvent, signal: stop.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(events.some((e) => e.type === "stopping")).toBe(true);
    expect(events.some((e) => e.type === "summary")).toBe(false);
    expect(model.calls).toHaveLength(0);
    await expect(readFile(output, "utf8")).rejects.toThrow(/ENOENT/);
    await expect(readFile(`${output}.foveate.db`)).rejects.toThrow(/ENOENT/);
  });

  it("refuses --max-cost without a price before it opens a store", async () => {
    const { j, output } = await job({ maxCost: 1 });
    await expect(j.start()).rejects.toThrow(/--max-cost needs a price/);
    await expect(readFile(`${output}.foveate.db`)).rejects.toThrow(/ENOENT/);
  });

  it("leaves nothing running when the output cannot be opened", async () => {
    // A missing folder is refused before the run (checkRunPaths); a link into one passes that check and fails to open.
    const output = join(dir, "dangling.jsonl");
    await symlink(join(dir, "no-such-folder", "out.jsonl"), output);
    const { j } = await job({ output, store: join(dir, "run.foveate.db") });
    // The progress ticker is the one interval the job starts; it must not start before the output opens.
    const intervals = vi.spyOn(globalThis, "setInterval");
    try {
      await expect(j.start({ progressIntervalMs: 1 })).rejects.toThrow(/ENOENT/);
      expect(intervals).not.toHaveBeenCalled();
    } finally {
      intervals.mockRestore();
    }
  });

  it("reads a corpus again after a failed read", async () => {
    const file = join(dir, "late.jsonl");
    const j = new SynthesisJob({ corpus: file, languageModel: new ScriptedModel(happyReply) });
    await expect(j.readCorpus()).rejects.toThrow(/late\.jsonl/);
    await writeFile(file, line("Now it exists. It has two sentences.") + "\n");
    expect((await j.readCorpus()).documents).toHaveLength(1);
  });

  it("refuses a corpus with no document before any call, leaving no store or output", async () => {
    const file = join(dir, "empty.jsonl");
    await writeFile(file, "");
    const { j, model, output } = await job({ corpus: file, store: join(dir, "run.foveate.db") });
    await expect(j.start()).rejects.toThrow(new InputError(file, undefined, "no documents to synthesize: the file holds no records"));
    expect(model.calls).toHaveLength(0);
    expect(existsSync(join(dir, "run.foveate.db")) || existsSync(output) || existsSync(`${output}.partial`)).toBe(false);
  });

  it("refuses a malformed --important before reading anything", async () => {
    await expect(job({ important: [2] })).rejects.toBeInstanceOf(ConfigError);
  });

  it("costs what the prices given say", async () => {
    const { j } = await job({ priceIn: 1_000_000, priceOut: 0 });
    const summary = await j.start();
    // The scripted model reports 10 prompt tokens a call: $10 each at a million dollars per million.
    expect(summary.costUsd).toBeCloseTo(10 * summary.stats.calls, 6);
  });

  it("counts apart where what was asked for went, says when the run is thin, and status says the same", async () => {
    // Alpha's document: one micro element only, its first micro instruction unanswerable (recovered),
    // its second macro sentence unanswerable in every round (dropped). Gamma's: one micro element, its
    // macro extraction reply cut off every time.
    const model = new ScriptedModel((call) => {
      const alpha = call.prompt.includes("Alpha");
      if (call.step === "micro_elements") return { elements: [alpha ? "Alpha" : "Gamma"] };
      if (call.step === "macro_sentences" && !alpha) return '```json\n{"sentences": ["Gamma is';
      const instruction = String(call.tag("instruction"));
      if (call.step === "answer" && alpha && (instruction.startsWith("Which word") || instruction.includes("number 2") || instruction.startsWith("Reworded: what"))) {
        return { answerable: false, answer: "" };
      }
      return happyReply(call);
    });
    const { j, output } = await job({ languageModel: model, maxRounds: 1 });
    const summary = await j.start();
    expect(summary.stats.levels.micro).toEqual({
      budget: 4, features: 2, notYielded: 2, lostToUnusable: 0, unusableExtractions: 0,
      kept: 2, dropped: 0, droppedReasons: {}, resynthesized: 1, recovered: 1,
    });
    expect(summary.stats.levels.macro).toEqual({
      budget: 4, features: 2, notYielded: 0, lostToUnusable: 2, unusableExtractions: 1,
      kept: 1, dropped: 1, droppedReasons: { unanswerable: 1 }, resynthesized: 1, recovered: 0,
    });
    expect(summary.stats.droppedReasons).toEqual({ unanswerable: 1 });
    // 3 of 8 kept: thin, reported as a field, and the dataset is written all the same.
    expect(summary.thin).toBe(true);
    expect(await records(output)).toHaveLength(3);

    const status = runStatus(summary.store);
    expect(status.counts).toEqual({ levels: summary.stats.levels, droppedReasons: summary.stats.droppedReasons });
    expect(status.thin).toBe(true);
    expect(formatCounts(status.counts)).toEqual(formatCounts(summary.stats));
  });

  it("is not thin when half of what was asked for is kept", async () => {
    const { j } = await job({ languageModel: new ScriptedModel((call) => (call.step === "micro_elements" ? { elements: ["Nowhere"] } : happyReply(call))) });
    const summary = await j.start();
    expect(summary.stats.levels.micro).toMatchObject({ budget: 4, kept: 0, notYielded: 4 });
    expect(summary.stats.levels.macro).toMatchObject({ budget: 4, kept: 4 });
    expect(summary.thin).toBe(false);
  });
});
