import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { ScriptedModel, happyReply } from "../../test/support/scripted-model.js";
import type { SourceDocument } from "../corpus/source-document.js";
import { ConfigError, EngineCallError } from "../errors.js";
import type { Completion, CompletionRequest, LanguageModel } from "../llm/port.js";
import type { SynthRecord } from "../method/record.js";
import { RunStore } from "../store/run-store.js";
import { synthesize, type SynthesizeOptions } from "./synthesize.js";

const docs = (n: number): SourceDocument[] =>
  Array.from({ length: n }, (_, i) => ({ index: i, sourceId: `c.jsonl:${i + 1}`, text: `Document number ${i}. It has two sentences.` }));

async function collect(run: AsyncIterable<SynthRecord>): Promise<SynthRecord[]> {
  const out: SynthRecord[] = [];
  for await (const r of run) out.push(r);
  return out;
}

/** Delays replies by a per-document amount so documents finish out of order. */
class SlowModel implements LanguageModel {
  readonly description = "slow";
  readonly modelId = "slow";
  started = 0;
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly inner: LanguageModel,
    private readonly delay: (request: CompletionRequest) => number,
  ) {}
  async complete(request: CompletionRequest): Promise<Completion> {
    this.started++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, this.delay(request)));
    this.inFlight--;
    return this.inner.complete(request);
  }
}

const base = (model: LanguageModel): SynthesizeOptions => ({ model, mu: 3, levels: ["micro", "scatter"], concurrency: 4 });

describe("synthesize", () => {
  it("emits every document's records in document order, even when later ones finish first", async () => {
    const scripted = new ScriptedModel(happyReply);
    const model = new SlowModel(scripted, (req) => (req.messages[1]!.content.includes("number 0") ? 30 : 1));
    const run = synthesize(docs(6), { ...base(model), concurrency: 8 });
    const records = await collect(run);
    const order = records.map((r) => r.article_index);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    expect(records.filter((r) => r.article_index === 2)).toHaveLength(6);
    expect(run.stats.documents).toBe(6);
    expect(run.stats.levels.micro).toMatchObject({ budget: 18, kept: 18, dropped: 0 });
    expect(run.stats.calls).toBe(scripted.calls.length);
    expect(run.stats.promptTokens).toBe(10 * scripted.calls.length);
  });

  it("never has more calls in flight than the concurrency limit, and fills it", async () => {
    const model = new SlowModel(new ScriptedModel(happyReply), () => 5);
    const run = synthesize(docs(10), { ...base(model), concurrency: 7 });
    await collect(run);
    expect(model.maxInFlight).toBe(7);
    expect(run.stats.maxInFlight).toBe(7);
  });

  it("lets a call whose identical twin is in flight wait for its reply without holding a place", async () => {
    const dir = tempDir("foveate-twins-");
    const store = RunStore.open(join(dir, "twins.db"));
    try {
      // Two copies of one document and another: the copy's calls are the first's, word for word.
      const text = "The bridge opened in 1911. Clara Houtman designed it.";
      const documents: SourceDocument[] = [
        { index: 0, sourceId: "a:1", text },
        { index: 1, sourceId: "a:2", text },
        { index: 2, sourceId: "a:3", text: "Trains moved to a new span in 1974. It was repainted in 2019." },
      ];
      const inFlight = new Set<string>();
      let otherStartedBeside: string[] | undefined;
      const model: LanguageModel = {
        description: "watched",
        modelId: "watched",
        complete: async (request) => {
          const prompt = request.messages.map((m) => m.content).join("\n");
          if (prompt.includes("Trains moved") && otherStartedBeside === undefined) otherStartedBeside = [...inFlight];
          inFlight.add(prompt);
          await new Promise((r) => setTimeout(r, 30));
          inFlight.delete(prompt);
          return new ScriptedModel(happyReply).complete(request);
        },
      };
      const run = synthesize(documents, { ...base(model), levels: ["micro"], concurrency: 2, store });
      await collect(run);
      // Had the copy's first call taken the second place, the other document would have waited for the first call to end.
      expect(otherStartedBeside?.some((prompt) => prompt.includes("Clara Houtman"))).toBe(true);
      expect(run.stats.replayedCalls).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  });

  it("is reproducible: the same seed gives the same dataset", async () => {
    const a = await collect(synthesize(docs(4), { ...base(new ScriptedModel(happyReply)), seed: 5 }));
    const b = await collect(synthesize(docs(4), { ...base(new SlowModel(new ScriptedModel(happyReply), () => Math.random() * 3)), seed: 5 }));
    expect(b).toEqual(a);
  });

  it("stops the whole run on an error that dooms every document, naming it", async () => {
    const scripted = new ScriptedModel(() => {
      throw new EngineCallError('401 Unauthorized from http://x/v1 (model "m")', { url: "http://x/v1", model: "m", status: 401, retryable: false });
    });
    await expect(collect(synthesize(docs(50), base(scripted)))).rejects.toThrow(/401 Unauthorized/);
    // Documents are not all started: the run stopped early.
    expect(scripted.calls.length).toBeLessThan(50 * 2);
  });

  it("counts a document whose calls fail for good and goes on with the rest", async () => {
    const failures: string[] = [];
    const scripted = new ScriptedModel((call) => {
      if (call.prompt.includes("number 1.")) {
        throw new EngineCallError("503 from http://x/v1", { url: "http://x/v1", model: "m", status: 503, retryable: true });
      }
      return happyReply(call);
    });
    const run = synthesize(docs(3), {
      ...base(scripted),
      onDocument: (e) => {
        if (e.type === "failed") failures.push(`${e.document.sourceId}: ${e.error.message}`);
      },
    });
    const records = await collect(run);
    expect(new Set(records.map((r) => r.article_index))).toEqual(new Set([0, 2]));
    expect(run.stats).toMatchObject({ documents: 2, documentsFailed: 1 });
    expect(failures).toEqual(["c.jsonl:2: 503 from http://x/v1"]);
  });

  it("stops calling the model when the consumer stops early", async () => {
    const scripted = new ScriptedModel(happyReply);
    const model = new SlowModel(scripted, () => 2);
    for await (const record of synthesize(docs(40), base(model))) {
      expect(record.article_index).toBe(0);
      break;
    }
    const callsAtStop = model.started;
    await new Promise((r) => setTimeout(r, 50));
    expect(model.started).toBe(callsAtStop);
    expect(callsAtStop).toBeLessThan(40 * 10);
  });

  it("runs the Self-QA baseline with one call per document and its own sampling", async () => {
    const scripted = new ScriptedModel(happyReply);
    const records = await collect(synthesize(docs(3), { model: scripted, method: "self-qa", mu: 5 }));
    expect(scripted.calls).toHaveLength(3);
    expect(scripted.calls[0]!.request.sampling).toEqual({ temperature: 0.7, frequencyPenalty: 0 });
    expect(records[0]).toMatchObject({ level: "self-qa", features: [], resynthesized: false, rounds: 0, source_id: "c.jsonl:1" });
  });

  it("asks Self-QA for mu x levels pairs per document, as many as foveate's levels together", async () => {
    const asked = async (levels?: Array<"micro" | "scatter" | "macro">) => {
      const scripted = new ScriptedModel(happyReply);
      await collect(synthesize(docs(1), { model: scripted, method: "self-qa", mu: 5, ...(levels ? { levels } : {}) }));
      return scripted.calls[0]!.prompt.match(/write (\d+) question-answer pairs/)?.[1];
    };
    expect(await asked()).toBe("15");
    expect(await asked(["micro"])).toBe("5");
  });

  it("uses the authors' sampling for Self-Foveate unless told otherwise", async () => {
    const scripted = new ScriptedModel(happyReply);
    await collect(synthesize(docs(1), { ...base(scripted), sampling: { answer: { temperature: 0.1 } } }));
    expect(scripted.callsOf("micro_elements")[0]!.request.sampling).toEqual({ temperature: 1, frequencyPenalty: 0.5 });
    expect(scripted.callsOf("answer")[0]!.request.sampling).toEqual({ temperature: 0.1, frequencyPenalty: 0.5 });
  });

  it("rejects settings that cannot work, showing the bad value", () => {
    const model = new ScriptedModel(happyReply);
    expect(() => synthesize([], { model, mu: 0 })).toThrow(new ConfigError("mu must be an integer >= 1, got 0"));
    expect(() => synthesize([], { model, levels: ["micro", "meso" as never] })).toThrow(/unknown level "meso"/);
    expect(() => synthesize([], { model, mu: 8, important: { core: 10, major: 6 } })).toThrow(/exceeds the 15 keywords/);
    expect(() => synthesize([], { model, concurrency: 0 })).toThrow(ConfigError);
  });
});
