import { describe, expect, it } from "vitest";
import { ScriptedModel, happyReply, spelled, type ScriptedCall } from "../../test/support/scripted-model.js";
import { completeStructured } from "../llm/structured/complete-structured.js";
import type { DocumentContext, MethodSettings } from "./context.js";
import { macroPlan } from "./macro.js";
import { microPlan } from "./micro.js";
import { runLevel } from "./run-level.js";
import { scatterPlan } from "./scatter.js";

const DOC = "The bridge opened in 1911. Clara Houtman designed it. Trains moved to a new span in 1974. It was repainted in 2019.";

function context(model: ScriptedModel, overrides: Partial<MethodSettings> = {}, budget = 4): DocumentContext & { invalid: number } {
  const settings: MethodSettings = {
    levels: ["micro", "scatter", "macro"],
    important: undefined,
    maxRounds: 5,
    shots: 3,
    extraExtractionAsks: 2,
    sampling: { extract: {}, synthesize: {}, answer: {}, resynthesize: {}, selfQa: {} },
    ...overrides,
  };
  const ctx: DocumentContext & { invalid: number } = {
    document: { index: 3, sourceId: "doc.jsonl:4", text: DOC },
    budget,
    settings,
    seed: 0,
    invalid: 0,
    ask: (_kind, messages, schema, check) =>
      completeStructured(model, { messages, sampling: {}, schema, ...(check ? { check } : {}) }, { maxReasks: 2, onInvalid: () => ctx.invalid++ }),
  };
  return ctx;
}

describe("dropped items", () => {
  it("keep the unusable reply that failed them, raw, with its usage", async () => {
    const model = new ScriptedModel((call) => {
      if (call.step === "resynthesis") return '```json\n{"instruction": "cut';
      return call.step === "answer" && String(call.tag("instruction")).includes(spelled("bridge")) ? "```json\n{" : happyReply(call);
    });
    const outcome = await runLevel(context(model, { maxRounds: 1 }), microPlan);
    expect(outcome.dropped).toHaveLength(1);
    expect(outcome.dropped[0]).toMatchObject({ failure: "unusable re-synthesis reply", rounds: 1 });
    expect(outcome.dropped[0]!.reply).toEqual({ text: '```json\n{"instruction": "cut', usage: { promptTokens: 10, completionTokens: 5, cachedPromptTokens: 0 } });
  });

  it("keep the first instructions' reply when it could not be used and nothing recovered them", async () => {
    const model = new ScriptedModel((call) => (call.step === "micro_instructions" ? "no list here" : happyReply(call)));
    const outcome = await runLevel(context(model, { maxRounds: 0 }), microPlan);
    expect(outcome.dropped.map((d) => [d.failure, d.reply?.text])).toEqual(Array.from({ length: 4 }, () => ["no usable instruction", "no list here"]));
  });
});

describe("answers and re-synthesis", () => {
  it("keeps every item that is answered on the first try, with provenance", async () => {
    const model = new ScriptedModel(happyReply);
    const outcome = await runLevel(context(model), microPlan);
    expect(outcome.records).toHaveLength(4);
    expect(outcome.records[0]).toEqual({
      instruction: "Which word is spelled b-r-i-d-g-e?",
      output: "An answer to: Which word is spelled b-r-i-d-g-e? It is bridge.",
      article_index: 3,
      level: "micro",
      features: ["bridge"],
      resynthesized: false,
      rounds: 0,
      source_id: "doc.jsonl:4",
    });
    expect(model.callsOf("resynthesis")).toHaveLength(0);
    expect(outcome.chain).toBe(3);
  });

  it("re-synthesizes an unanswerable item and shows only successes as examples", async () => {
    const model = new ScriptedModel((call) =>
      call.step === "answer" && String(call.tag("instruction")).includes(spelled("1911")) && !String(call.tag("instruction")).startsWith("Reworded")
        ? { answerable: false, answer: "" }
        : happyReply(call),
    );
    const outcome = await runLevel(context(model, { shots: 2 }), microPlan);
    expect(outcome.records).toHaveLength(4);
    expect(outcome.recovered).toBe(1);
    const recovered = outcome.records.find((r) => r.resynthesized)!;
    expect(recovered).toMatchObject({ features: ["1911"], rounds: 1, instruction: "Reworded: which word is spelled 1-9-1-1?" });

    const [resynthesis] = model.callsOf("resynthesis");
    const shots = resynthesis!.tag("examples") as Array<{ feature: string; instruction: string }>;
    expect(shots).toHaveLength(2);
    for (const shot of shots) expect(shot.feature).not.toBe("1911");
    expect(resynthesis!.tag("avoid")).toBe("Which word is spelled 1-9-1-1?");
  });

  it("stops after maxRounds and counts what still fails as dropped", async () => {
    const model = new ScriptedModel((call) =>
      call.step === "answer" && String(call.tag("instruction")).includes(spelled("opened")) ? { answerable: false, answer: "" } : happyReply(call),
    );
    const outcome = await runLevel(context(model, { maxRounds: 3 }), microPlan);
    expect(outcome.records).toHaveLength(3);
    // It keeps the reply that failed it, the last answer, with what that reply cost.
    const lastAnswer = { text: JSON.stringify({ answerable: false, answer: "" }), usage: { promptTokens: 10, completionTokens: 5, cachedPromptTokens: 0 } };
    expect(outcome.dropped).toEqual([
      { features: ["opened"], instruction: "Reworded: which word is spelled o-p-e-n-e-d?", failure: "unanswerable", rounds: 3, reply: lastAnswer },
    ]);
    expect(model.callsOf("resynthesis")).toHaveLength(3);
    expect(model.callsOf("answer")).toHaveLength(4 + 3);
    expect(outcome.chain).toBe(1 + 2 + 2 * 3);
  });

  it("draws no examples when nothing has succeeded yet", async () => {
    const model = new ScriptedModel((call) => (call.step === "answer" && !call.prompt.includes("Reworded") ? { answerable: false, answer: "" } : happyReply(call)));
    const outcome = await runLevel(context(model, { maxRounds: 1 }), microPlan);
    expect(outcome.records).toHaveLength(4);
    for (const call of model.callsOf("resynthesis")) expect(call.tag("examples")).toBeUndefined();
  });

  it("sends every feature to re-synthesis when the batch of instructions is unusable", async () => {
    const model = new ScriptedModel((call) => (call.step === "micro_instructions" ? { instructions: ["only one"] } : happyReply(call)));
    const ctx = context(model);
    const outcome = await runLevel(ctx, microPlan);
    expect(ctx.invalid).toBe(3); // the first reply and two re-asks
    expect(outcome.records).toHaveLength(4);
    expect(outcome.records.every((r) => r.rounds === 1)).toBe(true);
  });
});

describe("level rules", () => {
  it("fails and re-synthesizes a group instruction missing a keyword", async () => {
    const model = new ScriptedModel((call: ScriptedCall) =>
      call.step === "scatter_instructions"
        ? { instructions: (call.tag("items") as string[][]).map((g) => `About ${g[0]}?`) }
        : happyReply(call),
    );
    const outcome = await runLevel(context(model, {}, 4), scatterPlan);
    const multi = outcome.records.filter((r) => r.features.length > 1);
    expect(multi.length).toBe(3);
    for (const record of multi) {
      expect(record.resynthesized).toBe(true);
      for (const keyword of record.features) expect(record.instruction).toContain(keyword);
    }
    // Answers were asked only for the single-keyword group first, then for each re-synthesized one.
    expect(model.callsOf("answer")).toHaveLength(1 + 3);
  });

  it("never puts the same keyword twice in a group, with the importance step on", async () => {
    const model = new ScriptedModel(happyReply);
    const outcome = await runLevel(context(model, { important: { core: 2, major: 3 } }, 8), scatterPlan);
    expect(model.callsOf("scatter_importance")).toHaveLength(1);
    for (const record of outcome.records) expect(new Set(record.features).size).toBe(record.features.length);
    expect(outcome.records).toHaveLength(8);
  });

  it("discards macro quotes that are not in the document and asks again", async () => {
    let round = 0;
    const model = new ScriptedModel((call) => {
      if (call.step !== "macro_sentences") return happyReply(call);
      round++;
      return round === 1
        ? { sentences: ["The bridge opened in 1911.", "The bridge was made of gold.", "Clara  Houtman designed it"] }
        : { sentences: ["It was repainted in 2019.", "Trains moved to a new span in 1974."] };
    });
    const outcome = await runLevel(context(model, {}, 4), macroPlan);
    const requests = model.callsOf("macro_sentences");
    expect(requests).toHaveLength(2);
    expect(requests[1]!.tag("rejected")).toEqual(["The bridge was made of gold."]);
    expect(requests[1]!.tag("exclude")).toEqual(["The bridge opened in 1911.", "Clara Houtman designed it."]);
    expect(outcome.records.map((r) => r.features[0])).toEqual([
      "The bridge opened in 1911.",
      "Clara Houtman designed it.",
      "It was repainted in 2019.",
      "Trains moved to a new span in 1974.",
    ]);
    for (const record of outcome.records) {
      const [start, end] = record.offsets![0]!;
      expect(DOC.slice(start, end)).toBe(record.features[0]);
    }
  });

  it("asks again for missing features and stops when a document has no more", async () => {
    const model = new ScriptedModel((call) => (call.step === "micro_elements" ? { elements: ["1911", "1974"] } : happyReply(call)));
    const outcome = await runLevel(context(model, {}, 4), microPlan);
    // The second request brings only repeats, so there is no third.
    expect(model.callsOf("micro_elements")).toHaveLength(2);
    expect(outcome.features).toBe(2);
    expect(outcome.records).toHaveLength(2);
  });
});

describe("unusable extraction replies", () => {
  it("leave the level short instead of failing the document", async () => {
    const model = new ScriptedModel((call) => (call.step === "macro_sentences" ? "I cannot find any." : happyReply(call)));
    const ctx = context(model);
    const outcome = await runLevel(ctx, macroPlan);
    expect(outcome).toMatchObject({ features: 0, records: [], dropped: [] });
    expect(ctx.invalid).toBe(3);
  });
});
