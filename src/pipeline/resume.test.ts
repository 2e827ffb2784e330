import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { ScriptedModel, happyReply, type ScriptedCall } from "../../test/support/scripted-model.js";
import { tempDir } from "../../test/support/temp-dir.js";
import type { SourceDocument } from "../corpus/source-document.js";
import { AbortedError, CircuitOpenError, EngineCallError, SpendingLimitReachedError, StoreError } from "../errors.js";
import { PROMPT_VERSION } from "../method/prompts.js";
import type { SynthRecord } from "../method/record.js";
import { requestKey } from "../store/cached-model.js";
import { RunStore } from "../store/run-store.js";
import { SpendingLimit } from "./spending-limit.js";
import { synthesize, type SynthesizeOptions } from "./synthesize.js";

const docs: SourceDocument[] = Array.from({ length: 6 }, (_, i) => ({ index: i, sourceId: `c.jsonl:${i + 1}`, text: `Document ${i}. Two sentences here.` }));

let dir: string;
beforeEach(() => {
  dir = tempDir("foveate-resume-");
});

/** A scripted model that remembers every request it answered, by content address. */
function countingModel(script: (call: ScriptedCall) => unknown = happyReply) {
  const model = new ScriptedModel(script);
  const answered = () => model.calls.map((c) => requestKey(PROMPT_VERSION, model.modelId, c.request));
  return { model, answered };
}

async function collect(run: AsyncIterable<SynthRecord>): Promise<SynthRecord[]> {
  const out: SynthRecord[] = [];
  for await (const r of run) out.push(r);
  return out;
}

const options = (model: ScriptedModel, store: RunStore, more: Partial<SynthesizeOptions> = {}): SynthesizeOptions => ({
  model,
  store,
  mu: 3,
  levels: ["micro", "scatter", "macro"],
  concurrency: 4,
  seed: 3,
  ...more,
});

describe("resuming from the run store", () => {
  it("gives the uninterrupted dataset and pays for no reply twice after a stop at any point", async () => {
    const reference = countingModel();
    const expected = await collect(synthesize(docs, options(reference.model, RunStore.open(join(dir, "ref.db")))));

    for (const stopAfter of [1, 7, 25, 60]) {
      const store = RunStore.open(join(dir, `stop-${stopAfter}.db`));
      const first = countingModel();
      const stop = new AbortController();
      let calls = 0;
      const stopping = new ScriptedModel((call) => {
        if (++calls === stopAfter) stop.abort();
        return happyReply(call);
      });
      await expect(collect(synthesize(docs, options(stopping, store, { signal: stop.signal, graceMs: 1000 })))).rejects.toThrow(AbortedError);
      const second = countingModel();
      const resumed = await collect(synthesize(docs, options(second.model, store)));
      expect(resumed).toEqual(expected);

      const paidFirst = new Set(stopping.calls.map((c) => requestKey(PROMPT_VERSION, stopping.modelId, c.request)));
      const paidAgain = second.answered().filter((key) => paidFirst.has(key));
      expect(paidAgain.map((k) => second.model.calls.find((c) => requestKey(PROMPT_VERSION, second.model.modelId, c.request) === k)!.step), `stop after ${stopAfter} calls`).toEqual([]);
      expect(stopping.calls.length + second.model.calls.length).toBe(reference.model.calls.length);
      void first;
    }
  });

  it("makes no call at all for a finished run and says the documents were resumed", async () => {
    const store = RunStore.open(join(dir, "done.db"));
    const first = await collect(synthesize(docs, options(new ScriptedModel(happyReply), store)));
    const again = countingModel();
    const run = synthesize(docs, options(again.model, store));
    expect(await collect(run)).toEqual(first);
    expect(again.model.calls).toHaveLength(0);
    expect(run.stats).toMatchObject({ documents: 6, documentsResumed: 6, calls: 0 });
  });

  it("refuses a store made with other settings, and starts it over on request reusing its replies", async () => {
    const store = RunStore.open(join(dir, "settings.db"));
    await collect(synthesize(docs, options(new ScriptedModel(happyReply), store)));
    const model = new ScriptedModel(happyReply);
    expect(() => synthesize(docs, options(model, store, { mu: 4 }))).toThrow(/made with other settings \(mu: 3 then, 4 now\)/);
    expect(() => synthesize(docs, options(model, store, { seed: 9 }))).toThrow(/--force-new/);

    // Same prompts, another round limit: every reply is already in the store.
    const run = synthesize(docs, options(model, store, { maxRounds: 2, forceNew: true }));
    await collect(run);
    expect(model.calls).toHaveLength(0);
    expect(run.stats.replayedCalls).toBeGreaterThan(0);
    expect(run.stats.documentsResumed).toBe(0);
  });

  it("counts re-asks and extra extraction asks as settings of the run: a store made with others is refused", async () => {
    const store = RunStore.open(join(dir, "asks.db"));
    await collect(synthesize(docs, options(new ScriptedModel(happyReply), store)));
    const model = new ScriptedModel(happyReply);
    expect(() => synthesize(docs, options(model, store, { maxReasks: 1 }))).toThrow(/other settings \(maxReasks: 3 then, 1 now\)/);
    expect(() => synthesize(docs, options(model, store, { extraExtractionAsks: 0 }))).toThrow(/other settings \(extraExtractionAsks: 2 then, 0 now\)/);
    expect(model.calls).toHaveLength(0);
  });

  it("resumes a store written before its settings held re-asks and extra extraction asks, when they are the defaults", async () => {
    const store = RunStore.open(join(dir, "older.db"));
    const first = await collect(synthesize(docs, options(new ScriptedModel(happyReply), store)));
    const { maxReasks, extraExtractionAsks, ...older } = store.readConfig()!;
    expect([maxReasks, extraExtractionAsks]).toEqual([3, 2]);
    store.writeConfig(older);

    expect(() => synthesize(docs, options(new ScriptedModel(happyReply), store, { maxReasks: 5 }))).toThrow(/maxReasks: 3 then, 5 now/);
    expect(() => synthesize(docs, options(new ScriptedModel(happyReply), store, { extraExtractionAsks: 1 }))).toThrow(/extraExtractionAsks: 2 then, 1 now/);
    const again = new ScriptedModel(happyReply);
    const run = synthesize(docs, options(again, store));
    expect(await collect(run)).toEqual(first);
    expect(again.calls).toHaveLength(0);
    expect(run.stats.documentsResumed).toBe(6);
    expect(store.readConfig()).toMatchObject({ maxReasks: 3, extraExtractionAsks: 2 });
  });

  it("counts a replayed reply as neither a call, nor tokens, nor money, nor a retry", async () => {
    const store = RunStore.open(join(dir, "replayed.db"));
    await collect(synthesize(docs, options(new ScriptedModel(happyReply), store)));
    const model = new ScriptedModel(happyReply);
    const spending = new SpendingLimit(100, { input: 1, cachedInput: 1, output: 1 });
    const run = synthesize(docs, options(model, store, { maxRounds: 2, forceNew: true, spending }));
    await collect(run);
    expect(model.calls).toHaveLength(0);
    expect(run.stats.replayedCalls).toBeGreaterThan(0);
    expect(run.stats).toMatchObject({ calls: 0, transportRetries: 0, promptTokens: 0, completionTokens: 0 });
    expect(spending.spentUsd).toBe(0);
  });

  it("keeps replies of calls that were in flight at a stop, and finishes on the next run", async () => {
    const store = RunStore.open(join(dir, "grace.db"));
    const stop = new AbortController();
    const slow = new ScriptedModel(happyReply);
    const delayed = {
      description: slow.description,
      modelId: slow.modelId,
      complete: async (request: Parameters<ScriptedModel["complete"]>[0]) => {
        if (slow.calls.length === 5) stop.abort();
        await new Promise((r) => setTimeout(r, 20));
        return slow.complete(request);
      },
    };
    await expect(collect(synthesize(docs, { ...options(slow, store, { signal: stop.signal }), model: delayed }))).rejects.toThrow(AbortedError);
    const inFlightAnswered = slow.calls.length;
    expect(inFlightAnswered).toBeGreaterThan(5);
    expect(store.status().replies).toBe(inFlightAnswered);
  });

  it("keeps the reply of a call still in flight when its document failed and the run ended", async () => {
    const store = RunStore.open(join(dir, "sibling.db"));
    const scripted = new ScriptedModel(happyReply);
    const bad = new EngineCallError("400 Bad Request", { url: "u", model: "m", status: 400, retryable: false });
    const model = {
      description: scripted.description,
      modelId: scripted.modelId,
      complete: async (request: Parameters<ScriptedModel["complete"]>[0]) => {
        if (request.responseSchema?.name === "scatter_keywords") throw bad;
        // A call that honours its abort signal, as HTTP does: aborted, its reply is lost.
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, 50);
          request.signal?.addEventListener("abort", () => (clearTimeout(timer), reject(new AbortedError("aborted"))), { once: true });
        });
        return scripted.complete(request);
      },
    };
    const run = synthesize(docs.slice(0, 1), { ...options(scripted, store, { levels: ["micro", "scatter"] }), model });
    await collect(run);
    expect(run.stats.documentsFailed).toBe(1);
    // The micro level's first call was in flight when the scatter level failed the document.
    expect(store.status().replies).toBe(scripted.calls.length);
    expect(scripted.calls.length).toBeGreaterThan(0);
  });

  it("stops before crossing the spending limit, and a later run with a larger one finishes", async () => {
    const store = RunStore.open(join(dir, "budget.db"));
    // $1 per million tokens, 1,000 prompt tokens a call: $0.001 a call.
    const price = { input: 1, cachedInput: 1, output: 0 };
    const usage = { promptTokens: 1000, completionTokens: 0, cachedPromptTokens: 0 };
    const tight = new SpendingLimit(0.02, price);
    const first = new ScriptedModel(happyReply, usage);
    await expect(collect(synthesize(docs, options(first, store, { spending: tight })))).rejects.toThrow(SpendingLimitReachedError);
    expect(tight.spentUsd).toBeLessThanOrEqual(0.02 + 1e-12);
    expect(first.calls.length).toBeGreaterThan(5);
    const rest = new ScriptedModel(happyReply, usage);
    const records = await collect(synthesize(docs, options(rest, store, { spending: new SpendingLimit(100, price) })));
    expect(new Set(records.map((r) => r.article_index)).size).toBe(6);
  });

  it("stops the run when the store cannot be written", async () => {
    const store = RunStore.open(join(dir, "full.db"));
    store.limitPages(12);
    const model = new ScriptedModel((call) => (call.step === "answer" ? { answerable: true, answer: "x".repeat(3000) } : happyReply(call)));
    await expect(collect(synthesize(docs, options(model, store)))).rejects.toThrow(StoreError);
  });
});

describe("the circuit breaker", () => {
  it("stops a run whose calls keep failing with errors that retrying will not fix", async () => {
    const model = new ScriptedModel(() => {
      throw new EngineCallError('400 from http://x/v1 (model "m"): maximum context length is 8192 tokens', {
        url: "http://x/v1",
        model: "m",
        status: 400,
        retryable: false,
      });
    });
    const many: SourceDocument[] = Array.from({ length: 200 }, (_, i) => ({ index: i, sourceId: `d:${i}`, text: `Doc ${i}.` }));
    await expect(collect(synthesize(many, { model, mu: 2, concurrency: 4 }))).rejects.toThrow(CircuitOpenError);
    expect(model.calls.length).toBeLessThan(60);
  });
});
