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

  it("marks every call with its level, and the calls of a re-synthesis round (the answer after it too) with the round", async () => {
    const model = new ScriptedModel((call) =>
      call.step === "answer" && String(call.tag("instruction")).includes(spelled("opened")) ? { answerable: false, answer: "" } : happyReply(call),
    );
    const ctx = context(model, { maxRounds: 3 });
    const asked: string[] = [];
    const ask = ctx.ask;
    ctx.ask = (kind, messages, schema, check, place) => {
      expect(place?.level).toBe("micro");
      asked.push(`${kind} ${place?.round}`);
      return ask(kind, messages, schema, check, place);
    };
    await runLevel(ctx, microPlan);
    expect(asked.filter((a) => !a.endsWith(" 0"))).toEqual(["resynthesize 1", "answer 1", "resynthesize 2", "answer 2", "resynthesize 3", "answer 3"]);
    expect(asked.filter((a) => a.endsWith(" 0"))).toEqual(["extract 0", "synthesize 0", "answer 0", "answer 0", "answer 0", "answer 0"]);
  });

  it("tells, as soon as an item fails, that its next round will come", async () => {
    const model = new ScriptedModel((call) =>
      call.step === "answer" && String(call.tag("instruction")).includes(spelled("opened")) ? { answerable: false, answer: "" } : happyReply(call),
    );
    const ctx = context(model, { maxRounds: 2 });
    const told: string[] = [];
    ctx.ahead = (place) => told.push(`${place.level} ${place.round}`);
    await runLevel(ctx, microPlan);
    // After the first pass and after round 1; after the last round, nothing is to come.
    expect(told).toEqual(["micro 1", "micro 2"]);
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
    expect(outcome).toMatchObject({ budget: 4, notYielded: 2, lostToUnusable: 0, unusableExtractions: 0 });
  });
});

describe("unusable extraction replies", () => {
  it("leave the level short instead of failing the document", async () => {
    const model = new ScriptedModel((call) => (call.step === "macro_sentences" ? "I cannot find any." : happyReply(call)));
    const ctx = context(model);
    const outcome = await runLevel(ctx, macroPlan);
    expect(outcome).toMatchObject({ features: 0, records: [], dropped: [] });
    expect(ctx.invalid).toBe(3);
    // The features are lost to the reply, not missing from the document.
    expect(outcome).toMatchObject({ budget: 4, notYielded: 0, lostToUnusable: 4, unusableExtractions: 1 });
  });

  it("count what a cut-off extra ask lost apart from what the first ask found", async () => {
    const model: ScriptedModel = new ScriptedModel((call): unknown => {
      if (call.step !== "micro_elements") return happyReply(call);
      return model.callsOf("micro_elements").length === 1 ? { elements: ["1911", "1974"] } : '```json\n{"elements": ["Clara';
    });
    const outcome = await runLevel(context(model, {}, 4), microPlan);
    expect(outcome).toMatchObject({ budget: 4, features: 2, notYielded: 0, lostToUnusable: 2, unusableExtractions: 1 });
    expect(outcome.records).toHaveLength(2);
  });

  it("count an unusable importance reply, which loses no keyword", async () => {
    const model = new ScriptedModel((call) => (call.step === "scatter_importance" ? "no idea" : happyReply(call)));
    const outcome = await runLevel(context(model, { important: { core: 1, major: 1 } }, 2), scatterPlan);
    expect(outcome).toMatchObject({ budget: 2, features: 2, notYielded: 0, lostToUnusable: 0, unusableExtractions: 1 });
  });
});

describe("rules checked before an item is kept", () => {
  /** The happy script, with one step's reply replaced while `when` holds for the call. */
  const scripted = (step: string, when: (call: ScriptedCall) => boolean, reply: (call: ScriptedCall) => unknown) =>
    new ScriptedModel((call) => (call.step === step && when(call) ? reply(call) : happyReply(call)));
  const firstTry = (call: ScriptedCall) => !call.prompt.includes("Why it failed");

  it("re-synthesizes a micro instruction that contains its element, saying so, without asking for an answer", async () => {
    const model = scripted("micro_instructions", () => true, (call) => ({ instructions: (call.tag("items") as string[]).map((e) => `Why does ${e} matter?`) }));
    const outcome = await runLevel(context(model, { maxRounds: 1 }), microPlan);
    expect(outcome.records).toHaveLength(4);
    expect(outcome.recovered).toBe(4);
    expect(model.callsOf("answer")).toHaveLength(4);
    for (const call of model.callsOf("resynthesis")) expect(call.prompt).toContain("Why it failed: It contains its own answer");
  });

  it("after an unreadable re-synthesis reply, tells the next round the rule the instruction broke", async () => {
    let resyntheses = 0;
    const model = new ScriptedModel((call) => {
      if (call.step === "micro_instructions") return { instructions: (call.tag("items") as string[]).map((e) => `Why does ${e} matter?`) };
      // The first re-synthesis of "bridge" stays unreadable through its re-asks (one call and two re-asks).
      if (call.step === "resynthesis" && call.prompt.includes("Why does bridge matter?") && resyntheses++ < 3) return '```json\n{"instruction": "cut';
      return happyReply(call);
    });
    const outcome = await runLevel(context(model, { maxRounds: 2 }), microPlan);
    expect(outcome.records).toHaveLength(4);
    const bridge = model.callsOf("resynthesis").filter((call) => call.prompt.includes("Why does bridge matter?") && !call.reask);
    expect(bridge).toHaveLength(2);
    for (const call of bridge) expect(call.prompt).toContain("Why it failed: It contains its own answer");
  });

  it("fails a micro answer that does not contain its element, as the answer to another element would", async () => {
    const model = scripted("answer", (call) => String(call.tag("instruction")).includes(spelled("Clara")), () => ({ answerable: true, answer: "It was Houtman." }));
    const outcome = await runLevel(context(model, { maxRounds: 1 }), microPlan);
    expect(outcome.dropped).toMatchObject([{ features: ["Clara"], failure: "answer lacks its element", rounds: 1 }]);
    expect(model.callsOf("resynthesis")[0]!.prompt).toContain("Why it failed: Its answer is not the element");
  });

  it("re-synthesizes a macro instruction that quotes its sentence", async () => {
    const model = scripted("macro_instructions", () => true, (call) => ({ instructions: (call.tag("items") as string[]).map((s) => `Explain: ${s}`) }));
    const outcome = await runLevel(context(model, { maxRounds: 1 }), macroPlan);
    expect(outcome.records).toHaveLength(4);
    expect(outcome.records.every((r) => r.resynthesized)).toBe(true);
    expect(model.callsOf("resynthesis")[0]!.prompt).toContain("Why it failed: It quotes the sentence");
  });

  it("does not take a keyword inside a longer word as present, and names the missing keyword", async () => {
    const doc = "The war ended in 1918. Software now routes trains. Bridges carry the trains over rivers.";
    const model = new ScriptedModel((call) => {
      if (call.step === "scatter_keywords") return { keywords: ["war", "trains", "rivers"] };
      if (call.step === "scatter_instructions") return { instructions: ["How has software changed trains and rivers?"] };
      return happyReply(call);
    });
    const ctx = { ...context(model, { maxRounds: 1 }, 1), document: { index: 0, sourceId: "d:1", text: doc } };
    const outcome = await runLevel(ctx, scatterPlan);
    expect(model.callsOf("resynthesis")[0]!.prompt).toContain('Why it failed: It did not use every keyword word for word: missing "war".');
    expect(outcome.records).toMatchObject([{ resynthesized: true, rounds: 1 }]);
  });

  it("accepts a plural keyword and -- for —", async () => {
    const doc = "Bridges of the north—south line were rebuilt after the war.";
    const model = new ScriptedModel((call) => {
      if (call.step === "scatter_keywords") return { keywords: ["bridge", "north--south line", "war"] };
      if (call.step === "scatter_instructions") return { instructions: ["Why were the Bridges on the North—South line rebuilt after the wars?"] };
      return happyReply(call);
    });
    const ctx = { ...context(model, { maxRounds: 0 }, 1), document: { index: 0, sourceId: "d:1", text: doc } };
    const outcome = await runLevel(ctx, scatterPlan);
    expect(outcome.records).toHaveLength(1);
    expect(outcome.dropped).toEqual([]);
  });

  it("fails an instruction or an answer that refers to the passage", async () => {
    const model = new ScriptedModel((call) => {
      const instruction = String(call.tag("instruction"));
      if (call.step === "micro_instructions") return { instructions: (call.tag("items") as string[]).map((e, i) => `${i === 0 ? "According to the passage, which" : "Which"} word is spelled ${spelled(e)}?`) };
      if (call.step === "answer" && instruction.includes(spelled("opened")) && firstTry(call)) return { answerable: true, answer: "In the text, it is opened." };
      return happyReply(call);
    });
    const outcome = await runLevel(context(model, { maxRounds: 0 }), microPlan);
    expect(outcome.dropped.map((d) => [d.features[0], d.failure, d.detail])).toEqual([
      ["bridge", "refers to the passage", "instruction"],
      ["opened", "refers to the passage", "answer"],
    ]);
  });

  it("counts an answer that says the document does not say as unanswerable, even marked answerable", async () => {
    const model = scripted("answer", (call) => String(call.tag("instruction")).includes(spelled("1911")), () => ({ answerable: true, answer: "The document does not specify it." }));
    const outcome = await runLevel(context(model, { maxRounds: 0 }), microPlan);
    expect(outcome.dropped).toMatchObject([{ features: ["1911"], failure: "unanswerable", detail: "the answer says the document does not say" }]);
  });

  it("fails items not in the document's language: English items for a Chinese document", async () => {
    const zh = "长城是中国古代的军事防御工程。它的修建持续了两千多年。";
    const model = new ScriptedModel((call) => {
      if (call.step === "micro_elements") return { elements: ["长城", "两千多年"] };
      if (call.step === "micro_instructions") return { instructions: ["What was built as a military defence work in ancient China?", "修建持续了多久？"] };
      if (call.step === "answer") {
        const instruction = String(call.tag("instruction"));
        const answer = instruction === "修建持续了多久？" ? "The construction went on for 两千多年, over many dynasties." : instruction.startsWith("长城") ? "长城修建了两千多年。" : "是长城。";
        return { answerable: true, answer };
      }
      if (call.step === "resynthesis") return { instruction: call.tag("feature") === "长城" ? "中国古代修建了什么军事防御工程？" : "长城修建了多久？" };
      return happyReply(call);
    });
    const ctx = { ...context(model, { maxRounds: 1 }, 2), document: { index: 0, sourceId: "zh:1", text: zh } };
    const outcome = await runLevel(ctx, microPlan);
    const [first, second] = model.callsOf("resynthesis");
    expect(first!.prompt).toContain("Why it failed: It was not in the document's language");
    expect(second!.prompt).toContain("Why it failed: Its answer was not in the document's language");
    expect(outcome.dropped).toEqual([]);
    expect(outcome.records.map((r) => r.instruction)).toEqual(["中国古代修建了什么军事防御工程？", "长城修建了多久？"]);
  });

  it("never shows an item that broke a rule as a good example", async () => {
    // Answers to element 0 refer to the passage: the item is answered, but it is no success.
    const model = scripted("answer", (call) => String(call.tag("instruction")).includes(spelled("bridge")), () => ({ answerable: true, answer: "The passage says bridge." }));
    await runLevel(context(model, { maxRounds: 2, shots: 3 }), microPlan);
    const shown = model.callsOf("resynthesis").flatMap((call) => (call.tag("examples") as Array<{ feature: string }> | undefined) ?? []);
    expect(shown.length).toBeGreaterThan(0);
    for (const shot of shown) expect(shot.feature).not.toBe("bridge");
  });
});

describe("features come from the document", () => {
  it("rejects micro elements and scatter keywords not in the document and asks again, naming them", async () => {
    let asked = 0;
    const model = new ScriptedModel((call) => {
      if (call.step !== "micro_elements") return happyReply(call);
      asked++;
      return asked === 1 ? { elements: ["1911", "Clara Houtmann", "steel", "war"] } : { elements: ["Clara Houtman", "1974", "span"] };
    });
    const outcome = await runLevel(context(model, {}, 4), microPlan);
    const requests = model.callsOf("micro_elements");
    expect(requests[1]!.tag("rejected")).toEqual(["Clara Houtmann", "steel", "war"]);
    expect(outcome.records.map((r) => r.features[0])).toEqual(["1911", "Clara Houtman", "1974", "span"]);
  });

  it("does not take a keyword inside a longer word of the document as found", async () => {
    const doc = "Software now routes trains. Bridges carry the trains over rivers.";
    const model = new ScriptedModel((call) =>
      call.step === "scatter_keywords" ? { keywords: call.tag("rejected") ? ["trains"] : ["war", "rivers", "bridge"] } : happyReply(call),
    );
    const ctx = { ...context(model, {}, 1), document: { index: 0, sourceId: "d:1", text: doc } };
    const outcome = await runLevel(ctx, scatterPlan);
    expect(model.callsOf("scatter_keywords")[1]!.tag("rejected")).toEqual(["war"]);
    expect(outcome.records[0]!.features.sort()).toEqual(["bridge", "rivers", "trains"]);
  });

  it("takes a macro quote of a few words as no sentence, and a clause as its whole sentence", async () => {
    let round = 0;
    const model = new ScriptedModel((call) => {
      if (call.step !== "macro_sentences") return happyReply(call);
      round++;
      return round === 1 ? { sentences: ["the", "Trains moved to a new span"] } : { sentences: [] };
    });
    const outcome = await runLevel(context(model, {}, 2), macroPlan);
    expect(model.callsOf("macro_sentences")[1]!.tag("rejected")).toEqual(["the"]);
    expect(outcome.records.map((r) => r.features[0])).toEqual(["Trains moved to a new span in 1974."]);
  });
});
