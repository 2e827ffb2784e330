import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { LanguageModel } from "../../src/llm/port.js";
import { parseDuration } from "../../src/llm/http/classify-error.js";
import { completeStructured } from "../../src/llm/structured/complete-structured.js";
import { parseReply, type StepSchema } from "../../src/llm/structured/parse-reply.js";
import * as prompts from "../../src/method/prompts.js";
import * as schemas from "../../src/method/schemas.js";
import { METHOD_STEPS } from "./sim-request.js";
import { drawGroups, groupSizes, keywordPool, largestBudgetFor } from "../../src/method/scatter-groups.js";
import { locateSentence } from "../../src/method/verbatim.js";
import { seededRandom } from "../../src/random.js";
import { parseSimFlags } from "./sim-main.js";
import { startSimServer, type SimOptions, type SimServer } from "./sim-server.js";
import { SPOIL_RATE_OPTIONS, spoilsOf } from "./sim-spoil.js";
import { SAMPLE_CORPUS } from "./fixtures.js";

const CORPUS = readFileSync(SAMPLE_CORPUS, "utf8")
  .trim()
  .split("\n")
  .map((line) => (JSON.parse(line) as { content: string }).content);
const ENGLISH = CORPUS[0]!;
const CHINESE = CORPUS.find((d) => /\p{Script=Han}{20}/u.test(d))!;

const servers: SimServer[] = [];
async function sim(options: Partial<SimOptions> = {}): Promise<SimServer> {
  const s = await startSimServer(options);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const clientFor = (s: SimServer, apiKey = "test-key") => new OpenAI({ baseURL: s.baseURL, apiKey, maxRetries: 0 });

/** The `response_format` the project's engine sends for a step schema. */
function responseFormat(schema: StepSchema<unknown>) {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema.zod) as Record<string, unknown>;
  return { type: "json_schema" as const, json_schema: { name: schema.name, schema: json, strict: true } };
}

/** A LanguageModel over the simulated server, recording every reply text. */
function modelOver(client: OpenAI, opts: { sendSchema?: boolean } = {}): LanguageModel & { texts: string[] } {
  const texts: string[] = [];
  return {
    description: "simulated",
    modelId: "sim-model",
    texts,
    async complete(request) {
      const r = await client.chat.completions.create({
        model: "sim-model",
        messages: request.messages,
        ...(request.responseSchema && opts.sendSchema !== false
          ? { response_format: { type: "json_schema", json_schema: { ...request.responseSchema, strict: true } } }
          : {}),
      });
      const text = r.choices[0]?.message.content ?? "";
      texts.push(text);
      return {
        text,
        usage: {
          promptTokens: r.usage?.prompt_tokens ?? 0,
          completionTokens: r.usage?.completion_tokens ?? 0,
          cachedPromptTokens: r.usage?.prompt_tokens_details?.cached_tokens ?? 0,
        },
        finishReason: r.choices[0]?.finish_reason,
        attempts: 1,
      };
    },
  };
}

const ask = async <T>(model: LanguageModel, messages: ReturnType<typeof prompts.answerPrompt>, schema: StepSchema<T>) =>
  (await completeStructured(model, { messages, sampling: {}, schema }, { maxReasks: 0 })).value;

/** Run every step of the method on one document, as the pipeline would, and check each reply. */
async function runEveryStep(model: LanguageModel, doc: string) {
  const n = 8;
  const lower = doc.toLowerCase();

  const { elements } = await ask(model, prompts.microElementsPrompt(doc, n, []), schemas.microElementsSchema(n));
  expect(elements.length).toBeGreaterThanOrEqual(3);
  expect(new Set(elements.map((e) => e.toLowerCase())).size).toBe(elements.length);
  for (const e of elements) expect(lower).toContain(e.toLowerCase());

  const more = await ask(model, prompts.microElementsPrompt(doc, 3, elements), schemas.microElementsSchema(3));
  for (const e of more.elements) expect(elements.map((x) => x.toLowerCase())).not.toContain(e.toLowerCase());

  const micro = await ask(model, prompts.microInstructionsPrompt(doc, elements), schemas.instructionsSchema("micro_instructions", elements.length));
  expect(micro.instructions).toHaveLength(elements.length);
  micro.instructions.forEach((q, i) => expect(q.toLowerCase()).not.toContain(elements[i]!.toLowerCase()));

  const { keywords } = await ask(model, prompts.scatterKeywordsPrompt(doc, 15, []), schemas.scatterKeywordsSchema(15));
  expect(keywords.length).toBeGreaterThanOrEqual(6);
  for (const k of keywords) {
    expect(lower).toContain(k.toLowerCase());
    expect(k.split(/\s+/).length).toBeLessThanOrEqual(3);
  }

  const importance = await ask(model, prompts.scatterImportancePrompt(doc, keywords, 2, 3), schemas.importanceSchema(2, 3));
  for (const k of [...importance.core, ...importance.major]) expect(keywords).toContain(k);

  const budget = largestBudgetFor(keywords.length, n);
  const groups = drawGroups(keywordPool(keywords, importance.core, importance.major), groupSizes(budget), seededRandom(1, doc, "scatter"));
  const scatter = await ask(model, prompts.scatterInstructionsPrompt(doc, groups), schemas.instructionsSchema("scatter_instructions", groups.length));
  scatter.instructions.forEach((q, i) => {
    for (const k of groups[i]!) expect(q).toContain(k);
  });

  const { sentences } = await ask(model, prompts.macroSentencesPrompt(doc, 4, [], []), schemas.macroSentencesSchema(4));
  expect(sentences.length).toBeGreaterThanOrEqual(2);
  for (const s of sentences) expect(locateSentence(doc, s), s).toBeDefined();

  const macro = await ask(model, prompts.macroInstructionsPrompt(doc, sentences), schemas.instructionsSchema("macro_instructions", sentences.length));
  expect(macro.instructions).toHaveLength(sentences.length);

  const answer = await ask(model, prompts.answerPrompt(doc, micro.instructions[0]!), schemas.answerSchema);
  expect(answer.answerable).toBe(true);
  expect(answer.answer.length).toBeGreaterThan(10);
  expect(locateSentence(doc, answer.answer.slice(0, 10))).toBeDefined();

  const avoid = scatter.instructions[groups.length - 1]!;
  const re = await ask(
    model,
    prompts.resynthesisPrompt(doc, "scatter", groups[groups.length - 1], [{ feature: groups[0], instruction: scatter.instructions[0]! }], avoid),
    schemas.resynthesisSchema,
  );
  expect(re.instruction).not.toBe(avoid);
  for (const k of groups[groups.length - 1]!) expect(re.instruction).toContain(k);

  const reMicro = await ask(model, prompts.resynthesisPrompt(doc, "micro", elements[0], [], micro.instructions[0]!), schemas.resynthesisSchema);
  expect(reMicro.instruction).not.toBe(micro.instructions[0]);

  const qa = await ask(model, prompts.selfQaPrompt(doc, 3), schemas.selfQaSchema(3));
  expect(qa.pairs.length).toBeGreaterThanOrEqual(1);
  expect(qa.pairs.length).toBeLessThanOrEqual(3);
}


describe("simulated server: the steps of the method", () => {
  it("answers every step with a reply that parses and fits the request (English)", async () => {
    const s = await sim();
    for (const doc of CORPUS.filter((d) => d !== CHINESE).slice(0, 4)) await runEveryStep(modelOver(clientFor(s)), doc);
    for (const step of METHOD_STEPS) expect(s.stats.byStep[step], step).toBeGreaterThan(0);
    expect(s.stats.byStep.unknown).toBeUndefined();
    expect(s.stats.byStatus["200"]).toBe(s.stats.chatRequests);
  });

  it("handles a Chinese document without spaces at every step", async () => {
    const s = await sim();
    await runEveryStep(modelOver(clientFor(s)), CHINESE);
    await runEveryStep(modelOver(clientFor(s), { sendSchema: false }), CHINESE);
    expect(s.stats.byStep.unknown).toBeUndefined();
  });

  it("tells the step from the task when a request has no response_format", async () => {
    const s = await sim();
    await runEveryStep(modelOver(clientFor(s), { sendSchema: false }), ENGLISH);
    for (const step of METHOD_STEPS) expect(s.stats.byStep[step], step).toBeGreaterThan(0);
    expect(s.stats.byStep.unknown).toBeUndefined();
  });

  it("gives the same reply to the same request, across requests and servers", async () => {
    const a = clientFor(await sim());
    const b = clientFor(await sim());
    const body = {
      model: "sim-model",
      messages: prompts.microElementsPrompt(ENGLISH, 8, []),
      response_format: responseFormat(schemas.microElementsSchema(8)),
      temperature: 1,
    };
    const first = await a.chat.completions.create(body);
    const again = await a.chat.completions.create(body);
    const elsewhere = await b.chat.completions.create(body);
    expect(again.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
    expect(elsewhere.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
    expect(first).toMatchObject({ object: "chat.completion", model: "sim-model", choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant" } }] });
    const other = await a.chat.completions.create({ ...body, messages: prompts.microElementsPrompt(CORPUS[1]!, 8, []) });
    expect(other.choices[0]!.message.content).not.toBe(first.choices[0]!.message.content);
  });

  it("quotes sentences that locateSentence finds, with varied quotes and white space", async () => {
    const s = await sim({ rateQuoteVariation: 1 });
    const model = modelOver(clientFor(s));
    let varied = 0;
    for (const doc of CORPUS) {
      const { sentences } = await ask(model, prompts.macroSentencesPrompt(doc, 8, [], []), schemas.macroSentencesSchema(8));
      for (const quote of sentences) {
        const span = locateSentence(doc, quote);
        expect(span, quote).toBeDefined();
        if (!doc.includes(quote)) varied++;
      }
    }
    expect(varied).toBeGreaterThan(25);
    expect(s.stats.content.quoteVariation).toBeGreaterThan(50);
  });

  it("skips excluded and rejected sentences, and fabricates quotes on demand", async () => {
    const s = await sim({ rateQuoteVariation: 0 });
    const model = modelOver(clientFor(s));
    const first = await ask(model, prompts.macroSentencesPrompt(ENGLISH, 2, [], []), schemas.macroSentencesSchema(2));
    const next = await ask(model, prompts.macroSentencesPrompt(ENGLISH, 2, first.sentences.slice(0, 1), first.sentences.slice(1)), schemas.macroSentencesSchema(2));
    for (const q of next.sentences) expect(first.sentences).not.toContain(q);

    s.setOptions({ rateFabricatedSentence: 1 });
    const made = await ask(model, prompts.macroSentencesPrompt(ENGLISH, 3, [], []), schemas.macroSentencesSchema(3));
    for (const q of made.sentences) expect(locateSentence(ENGLISH, q), q).toBeUndefined();
    expect(s.stats.content.fabricatedSentence).toBe(made.sentences.length);
  });

  it("leaves a keyword out of scatter instructions at rateMissingKeyword", async () => {
    const s = await sim({ rateMissingKeyword: 1 });
    const groups = [["Kessel"], ["Clara Houtman", "steel trusses"], ["Varn River", "regional railway", "road traffic"]];
    const { instructions } = await ask(modelOver(clientFor(s)), prompts.scatterInstructionsPrompt(ENGLISH, groups), schemas.instructionsSchema("scatter_instructions", 3));
    instructions.forEach((q, i) => expect(groups[i]!.some((k) => !q.includes(k)), q).toBe(true));
    expect(s.stats.content.missingKeyword).toBe(3);
  });

  it("answers unanswerable at unanswerableRate, and re-synthesized instructions at resynthUnanswerableRate", async () => {
    const s = await sim({ unanswerableRate: 1, resynthUnanswerableRate: 0 });
    const model = modelOver(clientFor(s));
    const plain = await ask(model, prompts.answerPrompt(ENGLISH, "When was the Stellwerk Bridge finished?"), schemas.answerSchema);
    expect(plain).toEqual({ answerable: false, answer: "" });
    const { instruction } = await ask(
      model,
      prompts.resynthesisPrompt(ENGLISH, "micro", "1911", [], "When was the Stellwerk Bridge finished?"),
      schemas.resynthesisSchema,
    );
    const again = await ask(model, prompts.answerPrompt(ENGLISH, instruction), schemas.answerSchema);
    expect(again.answerable).toBe(true);

    s.setOptions({ unanswerableRate: 0, resynthUnanswerableRate: 1 });
    const now = await ask(model, prompts.answerPrompt(ENGLISH, `${instruction}\n`), schemas.answerSchema);
    expect(now.answerable).toBe(false);
    const other = await ask(model, prompts.answerPrompt(ENGLISH, "Who designed the Stellwerk Bridge?"), schemas.answerSchema);
    expect(other.answerable).toBe(true);
    expect(s.stats.content.unanswerable).toBe(2);
  });

  it("counts prompt tokens and reports cached tokens for a repeated document prefix", async () => {
    const s = await sim();
    const client = clientFor(s);
    const first = await client.chat.completions.create({ model: "sim-model", messages: prompts.microElementsPrompt(ENGLISH, 8, []) });
    const second = await client.chat.completions.create({ model: "sim-model", messages: prompts.selfQaPrompt(ENGLISH, 3) });
    const prefix = prompts.SYSTEM_PROMPT + `<document>\n${ENGLISH}\n</document>`;
    const messages = prompts.microElementsPrompt(ENGLISH, 8, []);
    expect(first.usage?.prompt_tokens).toBe(Math.ceil((messages[0]!.content.length + messages[1]!.content.length) / 4));
    expect(first.usage?.completion_tokens).toBe(Math.ceil(first.choices[0]!.message.content!.length / 4));
    expect(first.usage?.total_tokens).toBe(first.usage!.prompt_tokens + first.usage!.completion_tokens);
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBe(Math.ceil(prefix.length / 4));
    const otherDoc = await client.chat.completions.create({ model: "sim-model", messages: prompts.selfQaPrompt(CORPUS[1]!, 3) });
    expect(otherDoc.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(s.stats.cachedTokens).toBe(Math.ceil(prefix.length / 4));
  });
});

describe("simulated server: rule-breaking misbehaviours", () => {
  const folded = (t: string) => t.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  const inDocument = (doc: string, phrase: string) => folded(doc).includes(folded(phrase));
  const asWord = (doc: string, phrase: string) => new RegExp(`(?<![\\p{L}\\p{N}])${phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}])`, "iu").test(doc);
  const latinMostly = (t: string) => (t.match(/\p{Script=Latin}/gu) ?? []).length > (t.match(/\p{Script=Han}/gu) ?? []).length;
  const PASSAGE = /according to the (passage|article)|based on the text|as the document states|根据文章|根据原文|文中提到|根据这篇文章/i;

  /** The same request at rate 1 and at rate 0 of one switch, on two servers. */
  async function atOneAndZero<T>(option: keyof SimOptions, request: (model: LanguageModel) => Promise<T>) {
    const on = await sim({ [option]: 1 });
    const off = await sim({ [option]: 0 });
    return { on: await request(modelOver(clientFor(on))), off: await request(modelOver(clientFor(off))), server: on, clean: off };
  }

  const elementsOf = (doc: string) => (m: LanguageModel) => ask(m, prompts.microElementsPrompt(doc, 6, []), schemas.microElementsSchema(6));
  const keywordsOf = (doc: string) => (m: LanguageModel) => ask(m, prompts.scatterKeywordsPrompt(doc, 10, []), schemas.scatterKeywordsSchema(10));

  it("gives micro elements that are not in the document at rateFabricatedElement", async () => {
    for (const doc of [ENGLISH, CHINESE]) {
      const { on, off, server, clean } = await atOneAndZero("rateFabricatedElement", elementsOf(doc));
      for (const e of on.elements) expect(inDocument(doc, e), e).toBe(false);
      for (const e of off.elements) expect(inDocument(doc, e), e).toBe(true);
      expect(server.stats.content.fabricatedElement).toBe(on.elements.length);
      for (const e of on.elements) expect(server.spoiled.feature.get(e.toLowerCase())).toBe("fabricatedElement");
      expect(clean.spoiled.feature.size).toBe(0);
    }
  });

  it("gives scatter keywords that are not in the document at rateFabricatedKeyword", async () => {
    for (const doc of [ENGLISH, CHINESE]) {
      const { on, off, server } = await atOneAndZero("rateFabricatedKeyword", keywordsOf(doc));
      // The made-up list is shorter than the reply: the rest stay as they were.
      const made = on.keywords.filter((k) => !inDocument(doc, k));
      expect(made.length).toBeGreaterThanOrEqual(6);
      expect(server.stats.content.fabricatedKeyword).toBe(made.length);
      for (const k of off.keywords) expect(inDocument(doc, k), k).toBe(true);
    }
  });

  it("gives keywords that occur only inside a longer word at ratePartWordKeyword", async () => {
    const { on, off, server } = await atOneAndZero("ratePartWordKeyword", keywordsOf(ENGLISH));
    expect(on.keywords.length).toBeGreaterThanOrEqual(6);
    for (const k of on.keywords) {
      expect(ENGLISH.toLowerCase(), k).toContain(k.toLowerCase());
      expect(asWord(ENGLISH, k), k).toBe(false);
      expect(spoilsOf({ instruction: "", output: "", features: [k] }, server.spoiled)).toEqual(["partWordKeyword"]);
    }
    for (const k of off.keywords) expect(asWord(ENGLISH, k), k).toBe(true);
    // Chinese has no word boundaries: nothing to cut, so the keywords are left alone.
    const zh = await atOneAndZero("ratePartWordKeyword", keywordsOf(CHINESE));
    expect(zh.on).toEqual(zh.off);
  });

  it("writes micro instructions that contain their element at rateAnswerInInstruction", async () => {
    for (const doc of [ENGLISH, CHINESE]) {
      const elements = (await elementsOf(doc)(modelOver(clientFor(await sim())))).elements;
      const write = (m: LanguageModel) => ask(m, prompts.microInstructionsPrompt(doc, elements), schemas.instructionsSchema("micro_instructions", elements.length));
      const { on, off, server } = await atOneAndZero("rateAnswerInInstruction", write);
      on.instructions.forEach((q, i) => expect(q.toLowerCase(), q).toContain(elements[i]!.toLowerCase()));
      off.instructions.forEach((q, i) => expect(q.toLowerCase(), q).not.toContain(elements[i]!.toLowerCase()));
      for (const q of on.instructions) expect(server.spoiled.instruction.get(q)).toBe("answerInInstruction");
      const again = (m: LanguageModel) => ask(m, prompts.resynthesisPrompt(doc, "micro", elements[0], [], off.instructions[0]!), schemas.resynthesisSchema);
      const re = await atOneAndZero("rateAnswerInInstruction", again);
      expect(re.on.instruction.toLowerCase()).toContain(elements[0]!.toLowerCase());
      expect(re.off.instruction.toLowerCase()).not.toContain(elements[0]!.toLowerCase());
    }
  });

  it("writes macro instructions that quote their sentence whole at rateSentenceInInstruction", async () => {
    for (const doc of [ENGLISH, CHINESE]) {
      const { sentences } = await ask(modelOver(clientFor(await sim({ rateQuoteVariation: 0 }))), prompts.macroSentencesPrompt(doc, 3, [], []), schemas.macroSentencesSchema(3));
      const write = (m: LanguageModel) => ask(m, prompts.macroInstructionsPrompt(doc, sentences), schemas.instructionsSchema("macro_instructions", sentences.length));
      const { on, off } = await atOneAndZero("rateSentenceInInstruction", write);
      on.instructions.forEach((q, i) => expect(q).toContain(sentences[i]!));
      off.instructions.forEach((q, i) => expect(q).not.toContain(sentences[i]!));
    }
  });

  it("refers to the passage in instructions and in answers at ratePassageReference", async () => {
    const groups = [["Kessel"], ["Clara Houtman", "steel trusses"]];
    const scatter = (m: LanguageModel) => ask(m, prompts.scatterInstructionsPrompt(ENGLISH, groups), schemas.instructionsSchema("scatter_instructions", 2));
    const { on, off, server } = await atOneAndZero("ratePassageReference", scatter);
    for (const q of on.instructions) expect(q).toMatch(PASSAGE);
    on.instructions.forEach((q, i) => groups[i]!.forEach((k) => expect(q).toContain(k)));
    for (const q of off.instructions) expect(q).not.toMatch(PASSAGE);
    expect(server.stats.content.passageReference).toBe(2);

    for (const [doc, question] of [
      [ENGLISH, "Who designed the Stellwerk Bridge?"],
      [CHINESE, `${CHINESE.slice(0, 4)}是谁修建的？`],
    ] as const) {
      const answer = (m: LanguageModel) => ask(m, prompts.answerPrompt(doc, question), schemas.answerSchema);
      const a = await atOneAndZero("ratePassageReference", answer);
      expect(a.on.answerable).toBe(true);
      expect(a.on.answer).toMatch(PASSAGE);
      expect(a.off.answer).not.toMatch(PASSAGE);
      expect(latinMostly(a.on.answer)).toBe(latinMostly(a.off.answer));
      expect(spoilsOf({ instruction: question, output: a.on.answer, features: [] }, a.server.spoiled)).toEqual(["passageReference"]);
    }
  });

  it("says the document does not specify, marked answerable, at rateAnswerableDenial", async () => {
    for (const doc of [ENGLISH, CHINESE]) {
      const answer = (m: LanguageModel) => ask(m, prompts.answerPrompt(doc, "Who designed the Stellwerk Bridge?"), schemas.answerSchema);
      const { on, off, server } = await atOneAndZero("rateAnswerableDenial", answer);
      expect(on.answerable).toBe(true);
      expect(on.answer).toMatch(/does not (specify|say)|没有具体说明|并未提及/);
      expect(off.answer).not.toMatch(/does not (specify|say)|没有具体说明|并未提及/);
      expect(server.spoiled.answer.get(on.answer)).toBe("answerableDenial");
    }
  });

  it("writes English instructions and answers for a Chinese document at rateWrongLanguage", async () => {
    const { keywords } = await keywordsOf(CHINESE)(modelOver(clientFor(await sim())));
    const groups = [[keywords[0]!], [keywords[1]!, keywords[2]!]];
    const scatter = (doc: string, g: string[][]) => (m: LanguageModel) =>
      ask(m, prompts.scatterInstructionsPrompt(doc, g), schemas.instructionsSchema("scatter_instructions", g.length));
    const { on, off, server } = await atOneAndZero("rateWrongLanguage", scatter(CHINESE, groups));
    for (const q of on.instructions) expect(latinMostly(q), q).toBe(true);
    on.instructions.forEach((q, i) => groups[i]!.forEach((k) => expect(q).toContain(k)));
    for (const q of off.instructions) expect(latinMostly(q), q).toBe(false);

    const answer = (m: LanguageModel) => ask(m, prompts.answerPrompt(CHINESE, off.instructions[0]!), schemas.answerSchema);
    const a = await atOneAndZero("rateWrongLanguage", answer);
    expect(latinMostly(a.on.answer)).toBe(true);
    expect(latinMostly(a.off.answer)).toBe(false);
    expect(server.stats.content.wrongLanguage).toBe(2);

    // An English document is in English already: the switch changes nothing.
    const en = await atOneAndZero("rateWrongLanguage", scatter(ENGLISH, [["Kessel"], ["Clara Houtman", "steel trusses"]]));
    expect(en.on).toEqual(en.off);
    expect(en.server.spoiled.instruction.size).toBe(0);
  });

  it("are off by default, validated like every rate, and flags of sim-main", async () => {
    const s = await sim();
    for (const key of SPOIL_RATE_OPTIONS) expect(s.options[key], key).toBe(0);
    expect(() => s.setOptions({ ratePassageReference: 2 })).toThrow(/ratePassageReference.*2/);
    expect(parseSimFlags(["--rate-part-word-keyword", "0.2", "--rateWrongLanguage", "1"])).toEqual({ ratePartWordKeyword: 0.2, rateWrongLanguage: 1 });
  });

  it("decides each misbehaviour per item from the request, the same in every run", async () => {
    const rates = { rateFabricatedElement: 0.5, rateAnswerInInstruction: 0.5, ratePassageReference: 0.5 };
    const run = async () => {
      const s = await sim(rates);
      const model = modelOver(clientFor(s));
      const replies = [];
      for (const doc of CORPUS.slice(0, 4)) {
        const { elements } = await elementsOf(doc)(model);
        replies.push(elements, (await ask(model, prompts.microInstructionsPrompt(doc, elements), schemas.instructionsSchema("micro_instructions", elements.length))).instructions);
      }
      return { replies, spoiled: [...s.spoiled.instruction.keys(), ...s.spoiled.feature.keys()] };
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const items = first.replies.flat().length;
    expect(first.spoiled.length).toBeGreaterThan(items * 0.2);
    expect(first.spoiled.length).toBeLessThan(items * 0.9);
  });
});

describe("simulated server: a server that ignores response_format", () => {
  it("never replies bare JSON, yet every reply parses with parseReply", async () => {
    const s = await sim({ ignoreResponseFormat: true });
    const model = modelOver(clientFor(s));
    for (const doc of [ENGLISH, CORPUS[1]!, CORPUS[2]!, CHINESE]) await runEveryStep(model, doc);
    const bare = model.texts.filter((t) => {
      try {
        JSON.parse(t);
        return true;
      } catch {
        return false;
      }
    });
    expect(bare).toEqual([]);
    const kinds = new Set(model.texts.map((t) => (t.includes("```") ? "fence" : /^\s*\d+\. /m.test(t) ? "list" : /[{]/.test(t) ? "prose" : "plain")));
    expect([...kinds].sort()).toEqual(["fence", "list", "plain", "prose"]);
  });
});

/** What a raw request got: a reply, an error status, a dropped connection or a broken body. */
type Outcome = { kind: "ok"; content: string; finish: string; headers: Headers; usage: { prompt_tokens: number; total_tokens: number } } | { kind: "status"; status: number; headers: Headers; body: unknown } | { kind: "dropped" } | { kind: "badBody" };

async function rawChat(s: SimServer, body: unknown): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch(`${s.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer k" },
      body: JSON.stringify(body),
    });
  } catch {
    return { kind: "dropped" };
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    return { kind: "badBody" };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: "badBody" };
  }
  if (res.status !== 200) return { kind: "status", status: res.status, headers: res.headers, body: json };
  const reply = json as { choices: Array<{ message: { content: string }; finish_reason: string }>; usage: { prompt_tokens: number; total_tokens: number } };
  const choice = reply.choices[0]!;
  return { kind: "ok", content: choice.message.content, finish: choice.finish_reason, headers: res.headers, usage: reply.usage };
}

const answerBody = (i: number) => ({
  model: "sim-model",
  messages: prompts.answerPrompt(ENGLISH, `What happened to the bridge in case ${i}?`),
  response_format: responseFormat(schemas.answerSchema),
});

/** Send `count` distinct requests; returns those that met the fault, and checks its rate. */
async function faultSample(s: SimServer, isFault: (o: Outcome) => boolean, rate: number, count = 300) {
  const outcomes = await Promise.all(Array.from({ length: count }, (_, i) => rawChat(s, answerBody(i))));
  const hit = outcomes.flatMap((o, i) => (isFault(o) ? [i] : []));
  expect(hit.length / count).toBeGreaterThan(rate - 0.08);
  expect(hit.length / count).toBeLessThan(rate + 0.08);
  // The same body sent again gets through sooner or later.
  for (const i of hit) {
    let outcome: Outcome = { kind: "dropped" };
    for (let tries = 0; tries < 20 && (tries === 0 || isFault(outcome)); tries++) outcome = await rawChat(s, answerBody(i));
    expect(isFault(outcome)).toBe(false);
    expect(outcome.kind).toBe("ok");
  }
  return outcomes;
}

describe("simulated server: faults", () => {
  it("answers 429 with Retry-After and rate-limit headers at rate429", async () => {
    const s = await sim({ rate429: 0.25, retryAfterSeconds: 2 });
    const outcomes = await faultSample(s, (o) => o.kind === "status" && o.status === 429, 0.25);
    const limited = outcomes.find((o) => o.kind === "status")!;
    if (limited.kind !== "status") throw new Error("unreachable");
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(limited.headers.get("retry-after-ms")).toBe("2000");
    // A refusal of one call, not an exhausted limit: no limit is set, so none is told.
    expect(limited.headers.get("x-ratelimit-remaining-requests")).toBeNull();
    expect(limited.body).toMatchObject({ error: { code: "rate_limit_exceeded" } });
    expect(s.stats.faults.status429).toBe(s.stats.byStatus["429"]);
    expect(s.stats.limited).toEqual({ concurrency: 0, requests: 0, tokens: 0 });
  });

  it("answers 500 at rate500", async () => {
    const s = await sim({ rate500: 0.2 });
    await faultSample(s, (o) => o.kind === "status" && o.status === 500, 0.2);
    s.setOptions({ rate500: 1 });
    await expect(clientFor(s).chat.completions.create(answerBody(1))).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });

  it("drops connections at rateDrop", async () => {
    const s = await sim({ rateDrop: 0.2 });
    await faultSample(s, (o) => o.kind === "dropped", 0.2);
    expect(s.stats.faults.drop).toBeGreaterThan(30);
  });

  it("cuts the body off mid-JSON at rateTruncatedBody", async () => {
    const s = await sim({ rateTruncatedBody: 0.2 });
    await faultSample(s, (o) => o.kind === "badBody" || o.kind === "dropped", 0.2);
    expect(s.stats.faults.truncatedBody).toBeGreaterThan(30);
  });

  it("cuts the message content off at rateTruncatedContent", async () => {
    const s = await sim({ rateTruncatedContent: 0.3 });
    const bad = (o: Outcome) => o.kind === "ok" && o.finish === "length";
    const outcomes = await faultSample(s, bad, 0.3);
    for (const o of outcomes) {
      if (o.kind === "ok" && o.finish === "length") expect(() => parseReply(o.content, schemas.answerSchema)).toThrow();
      else if (o.kind === "ok") expect(parseReply(o.content, schemas.answerSchema).answerable).toBe(true);
    }
  });

  it("sends valid JSON of the wrong shape or length at rateInvalidReply", async () => {
    const s = await sim({ rateInvalidReply: 0.3 });
    const invalid = (o: Outcome) => {
      if (o.kind !== "ok") return false;
      try {
        parseReply(o.content, schemas.answerSchema);
        return false;
      } catch {
        return true;
      }
    };
    const outcomes = await faultSample(s, invalid, 0.3);
    for (const o of outcomes) if (o.kind === "ok") expect(() => JSON.parse(o.content)).not.toThrow();
    // Lists come back too long or under the wrong key.
    const listBody = (i: number) => ({
      model: "sim-model",
      messages: prompts.microElementsPrompt(ENGLISH, 3, [`x${i}`]),
      response_format: responseFormat(schemas.microElementsSchema(3)),
    });
    s.setOptions({ rateInvalidReply: 1 });
    for (let i = 0; i < 6; i++) {
      const o = await rawChat(s, listBody(i));
      if (o.kind !== "ok") throw new Error(o.kind);
      expect(() => parseReply(o.content, schemas.microElementsSchema(3))).toThrow();
    }
  });

  it("wraps replies in code fences and prose at rateCodeFence and rateProse, still parseable", async () => {
    const s = await sim({ rateCodeFence: 0.3 });
    const fenced = await faultSample(s, (o) => o.kind === "ok" && o.content.startsWith("```json"), 0.3);
    for (const o of fenced) if (o.kind === "ok") expect(parseReply(o.content, schemas.answerSchema).answerable).toBe(true);

    const p = await sim({ rateProse: 0.3 });
    const prose = await faultSample(p, (o) => o.kind === "ok" && !o.content.startsWith("{"), 0.3);
    for (const o of prose) if (o.kind === "ok") expect(parseReply(o.content, schemas.answerSchema).answerable).toBe(true);
  });

  it("always gives a valid reply to a re-ask", async () => {
    const s = await sim({ rateInvalidReply: 1 });
    const result = await completeStructured(
      modelOver(clientFor(s)),
      { messages: prompts.microElementsPrompt(ENGLISH, 5, []), sampling: {}, schema: schemas.microElementsSchema(5) },
      { maxReasks: 1 },
    );
    expect(result.invalidReplies).toBe(1);
    expect(result.value.elements.length).toBeGreaterThan(0);
    expect(s.stats.content.reask).toBe(1);
    expect(s.stats.faults.invalidReply).toBe(1);
  });

  it("makes the same decisions in every run", async () => {
    const options = { rate429: 0.1, rate500: 0.1, rateInvalidReply: 0.1, rateCodeFence: 0.2 };
    const run = async () => {
      const s = await sim(options);
      const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => rawChat(s, answerBody(i))));
      return outcomes.map((o) => (o.kind === "ok" ? o.content : o.kind === "status" ? o.status : o.kind));
    };
    expect(await run()).toEqual(await run());
  });
});

/** Resolves once `condition` holds, checked as the event loop turns. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const statusOf = (o: Outcome) => (o.kind === "ok" ? 200 : o.kind === "status" ? o.status : o.kind);
const headersOf = (o: Outcome) => (o.kind === "ok" || o.kind === "status" ? o.headers : new Headers());

describe("simulated server: rate limits", () => {
  it("answers 429 at once to a chat request that arrives with maxConcurrent being served", async () => {
    const s = await sim({ maxConcurrent: 4, retryAfterSeconds: 3 });
    let release = s.hold();
    const served = Array.from({ length: 4 }, (_, i) => rawChat(s, answerBody(i)));
    await until(() => s.stats.inFlight === 4);
    const refused = await rawChat(s, answerBody(9));
    expect(statusOf(refused)).toBe(429);
    if (refused.kind !== "status") throw new Error("unreachable");
    expect(refused.headers.get("retry-after")).toBe("3");
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBeNull();
    expect(refused.body).toMatchObject({ error: { code: "rate_limit_exceeded", message: expect.stringContaining("at most 4") } });
    release();
    expect((await Promise.all(served)).map(statusOf)).toEqual([200, 200, 200, 200]);
    expect(s.stats.limited.concurrency).toBe(1);
    expect(s.stats.chatRequests).toBe(5);
    expect(s.stats.maxInFlight).toBe(4);
    expect(s.stats.byStatus).toEqual({ "200": 4, "429": 1 });

    // Served once a place is free; without retryAfterSeconds the refusal names no wait.
    expect(statusOf(await rawChat(s, answerBody(9)))).toBe(200);
    s.setOptions({ maxConcurrent: 1, retryAfterSeconds: 0 });
    release = s.hold();
    const one = rawChat(s, answerBody(1));
    await until(() => s.stats.inFlight === 1);
    const second = await rawChat(s, answerBody(2));
    expect(statusOf(second)).toBe(429);
    expect(headersOf(second).get("retry-after")).toBeNull();
    release();
    expect(statusOf(await one)).toBe(200);
    expect(s.stats.maxInFlight).toBe(4);
  });

  it("tells its requests limit on every chat reply and refuses what is over it until the window resets", async () => {
    const s = await sim({ limitRequests: 3 });
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 4; i++) outcomes.push(await rawChat(s, answerBody(i)));
    expect(outcomes.map(statusOf)).toEqual([200, 200, 200, 429]);
    expect(outcomes.map((o) => headersOf(o).get("x-ratelimit-limit-requests"))).toEqual(["3", "3", "3", "3"]);
    expect(outcomes.map((o) => headersOf(o).get("x-ratelimit-remaining-requests"))).toEqual(["2", "1", "0", "0"]);
    expect(headersOf(outcomes[0]!).get("x-ratelimit-limit-tokens")).toBeNull();
    // The window is a minute long and opened with the first request, a moment ago.
    const reset = parseDuration(headersOf(outcomes[3]!).get("x-ratelimit-reset-requests"))!;
    expect(reset).toBeGreaterThan(50);
    expect(reset).toBeLessThanOrEqual(60);
    const refused = outcomes[3]!;
    if (refused.kind !== "status") throw new Error("unreachable");
    expect(Number(refused.headers.get("retry-after"))).toBe(Math.ceil(reset));
    expect(Number(refused.headers.get("retry-after-ms")) / 1000).toBeCloseTo(reset, 0);
    expect(refused.body).toMatchObject({ error: { type: "requests", code: "rate_limit_exceeded" } });
    expect(s.stats.limited).toEqual({ concurrency: 0, requests: 1, tokens: 0 });

    // A rate429 fault on a request the window took in tells the window as it is: not exhausted.
    const f = await sim({ limitRequests: 100, rate429: 1, retryAfterSeconds: 1 });
    const fault = await rawChat(f, answerBody(1));
    expect(statusOf(fault)).toBe(429);
    expect(headersOf(fault).get("retry-after")).toBe("1");
    expect(headersOf(fault).get("x-ratelimit-remaining-requests")).toBe("99");
    expect(f.stats.limited.requests).toBe(0);
  });

  it("counts prompt and completion tokens against limitTokens and refuses a prompt that no longer fits", async () => {
    const probe = await rawChat(await sim(), answerBody(1));
    if (probe.kind !== "ok") throw new Error(probe.kind);
    const { prompt_tokens: prompt, total_tokens: total } = probe.usage;
    // Room for one whole request and all but one token of the next prompt.
    const s = await sim({ limitTokens: total + prompt - 1 });
    const first = await rawChat(s, answerBody(1));
    expect(statusOf(first)).toBe(200);
    expect(headersOf(first).get("x-ratelimit-limit-tokens")).toBe(String(total + prompt - 1));
    expect(headersOf(first).get("x-ratelimit-remaining-tokens")).toBe(String(prompt - 1));
    expect(parseDuration(headersOf(first).get("x-ratelimit-reset-tokens"))).toBeGreaterThan(50);
    expect(headersOf(first).get("x-ratelimit-limit-requests")).toBeNull();
    const second = await rawChat(s, answerBody(2));
    expect(statusOf(second)).toBe(429);
    expect(second.kind === "status" && second.body).toMatchObject({ error: { type: "tokens" } });
    expect(s.stats.limited).toEqual({ concurrency: 0, requests: 0, tokens: 1 });
    expect(s.stats.promptTokens + s.stats.completionTokens).toBe(total);
  });

  it("validates its limits, which are flags of sim-main", async () => {
    await expect(startSimServer({ maxConcurrent: -1 })).rejects.toThrow(/maxConcurrent/);
    await expect(startSimServer({ limitWindowMs: 0 })).rejects.toThrow(/limitWindowMs must be at least 1/);
    expect(parseSimFlags(["--max-concurrent", "4", "--limit-requests", "100", "--limit-tokens", "5000", "--limit-window-ms", "1000"])).toEqual({
      maxConcurrent: 4,
      limitRequests: 100,
      limitTokens: 5000,
      limitWindowMs: 1000,
    });
  });
});

describe("simulated server: HTTP behaviour", () => {
  it("checks the API key when one is set", async () => {
    const s = await sim({ apiKey: "sk-right" });
    const body = { model: "sim-model", messages: [{ role: "user" as const, content: "hi" }] };
    await expect(clientFor(s, "sk-wrong-key-123").chat.completions.create(body)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const none = await fetch(`${s.baseURL}/chat/completions`, { method: "POST", body: JSON.stringify(body) });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { type: "invalid_request_error", code: "missing_api_key" } });
    const ok = await clientFor(s, "sk-right").chat.completions.create(body);
    expect(ok.choices[0]!.message.content!.length).toBeGreaterThan(0);
  });

  it("answers 404 model_not_found for a model it does not serve, and lists its models", async () => {
    const s = await sim({ models: ["sim-a", "sim-b"] });
    const client = clientFor(s);
    const err = await client.chat.completions.create({ model: "gpt-none", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual(expect.arrayContaining(["sim-a", "sim-b"]));
  });

  it("rejects response_format with 400 when asked to", async () => {
    const s = await sim({ rejectResponseFormat: true });
    const client = clientFor(s);
    const body = { model: "sim-model", messages: prompts.selfQaPrompt(ENGLISH, 2) };
    const err = await client.chat.completions
      .create({ ...body, response_format: responseFormat(schemas.selfQaSchema(2)) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toContain("response_format is not supported");
    const ok = await client.chat.completions.create(body);
    expect(parseReply(ok.choices[0]!.message.content!, schemas.selfQaSchema(2)).pairs.length).toBeGreaterThan(0);
  });

  it("answers 400 to a malformed body and 404 to an unknown path", async () => {
    const s = await sim();
    const bad = await fetch(`${s.baseURL}/chat/completions`, { method: "POST", body: "{nope" });
    expect(bad.status).toBe(400);
    const noMessages = await fetch(`${s.baseURL}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "sim-model" }) });
    expect(noMessages.status).toBe(400);
    const unknown = await fetch(`${s.baseURL}/completions`, { method: "POST", body: "{}" });
    expect(unknown.status).toBe(404);
  });

  it("honours latency and serves 200 concurrent requests at once", async () => {
    const s = await sim({ latencyMs: 150, latencyJitterMs: 50 });
    const client = clientFor(s);
    let started = performance.now();
    await client.chat.completions.create(answerBody(0));
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);

    s.resetStats();
    // Replies wait until all 200 are in: a loaded machine that sends them slowly cannot let the
    // first ones finish before the last arrive. A server that serves them one by one never gets there.
    s.hold(200);
    started = performance.now();
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => client.chat.completions.create(answerBody(i))));
    const elapsed = performance.now() - started;
    expect(replies.every((r) => r.choices[0]!.message.content!.length > 0)).toBe(true);
    expect(elapsed).toBeLessThan(5_000);
    expect(s.stats.maxInFlight).toBeGreaterThanOrEqual(100);
    expect(s.stats.inFlight).toBe(0);
    expect(s.stats.byStatus["200"]).toBe(200);
  });

  it("keeps one live stats object and validates options", async () => {
    const s = await sim();
    const stats = s.stats;
    await clientFor(s).chat.completions.create(answerBody(1));
    expect(stats.chatRequests).toBe(1);
    s.resetStats();
    expect(s.stats).toBe(stats);
    expect(stats.chatRequests).toBe(0);
    expect(() => s.setOptions({ rate429: 1.5 })).toThrow(/rate429.*1\.5/);
    await expect(startSimServer({ latencyMs: -1 })).rejects.toThrow(/latencyMs/);
  });
});

describe("simulated server: embeddings", () => {
  const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let dot = 0;
    for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
    return dot;
  };

  it("returns unit vectors whose cosine follows shared words", async () => {
    const s = await sim();
    const client = clientFor(s);
    const texts = [
      "The steel bridge over the river was finished in 1911.",
      "The old steel bridge spans the river near the town.",
      "Honeybees dance in the hive to show where flowers grow.",
      "都江堰水利工程",
    ];
    const res = await client.embeddings.create({ model: "sim-embedding", input: texts, encoding_format: "float" });
    expect(res.data).toHaveLength(4);
    expect(res.usage.prompt_tokens).toBe(texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0));
    for (const [i, d] of res.data.entries()) {
      expect(d.index).toBe(i);
      expect(d.embedding).toHaveLength(64);
      expect(Math.sqrt(cosine(d.embedding, d.embedding))).toBeCloseTo(1, 6);
    }
    const [a, b, c] = res.data.map((d) => d.embedding);
    expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!) + 0.2);

    // The SDK's default base64 encoding, a single string input and `dimensions`.
    const single = await client.embeddings.create({ model: "sim-model", input: texts[0]!, dimensions: 32 });
    expect(single.data[0]!.embedding).toHaveLength(32);
    const again = await client.embeddings.create({ model: "sim-embedding", input: texts[0]!, encoding_format: "float" });
    const base64 = await client.embeddings.create({ model: "sim-embedding", input: texts[0]! });
    expect(Array.from(base64.data[0]!.embedding)).toEqual(again.data[0]!.embedding.map((x) => Math.fround(x)));
    expect(again.data[0]!.embedding).toEqual(res.data[0]!.embedding);
    expect(s.stats.embeddingInputs).toBe(7);
  });
});

describe("sim-main", () => {
  it("reads flags into options", () => {
    expect(parseSimFlags(["--port", "0", "--latency", "20", "--rate429", "0.1", "--ignore-response-format", "--models", "a,b", "--api-key", "k"])).toEqual({
      port: 0,
      latencyMs: 20,
      rate429: 0.1,
      ignoreResponseFormat: true,
      models: ["a", "b"],
      apiKey: "k",
    });
    expect(() => parseSimFlags(["--nope", "1"])).toThrow(/--nope/);
    expect(() => parseSimFlags(["--rate500", "x"])).toThrow(/number/);
  });

  it("runs as a process: prints the base URL, serves, and prints stats on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", new URL("./sim-main.ts", import.meta.url).pathname, "--port", "0", "--latency", "5"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const baseURL = (await lines.next()).value as string;
    expect(baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const client = new OpenAI({ baseURL, apiKey: "k", maxRetries: 0 });
    await client.chat.completions.create(answerBody(1));
    child.kill("SIGTERM");
    const stats = JSON.parse((await lines.next()).value as string) as { chatRequests: number; byStep: Record<string, number> };
    expect(stats.chatRequests).toBe(1);
    expect(stats.byStep.answer).toBe(1);
    await new Promise((resolve) => child.once("exit", resolve));
  });
});
