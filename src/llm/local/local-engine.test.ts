import { truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortedError, ConfigError, EngineCallError } from "../../errors.js";
import { answerSchema, microElementsSchema } from "../../method/schemas.js";
import { buildTinyLlamaGguf, llamaGgufHeader } from "../../../test/support/gguf-writer.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { writeTinyModel } from "../../../test/support/tiny-model.js";
import { createLocalEmbeddings } from "./local-embeddings.js";
import { loadLocalEngine } from "./load-local.js";
import { localRuntime, toChatHistory, type LocalEngine } from "./local-engine.js";
import type { CompletionRequest } from "../port.js";
import { completeStructured } from "../structured/complete-structured.js";

const DOCUMENT = "The lighthouse keeper logged every passing ship. In 1887 a storm broke the lamp, and the keeper rowed to the mainland for glass.";

function request(extra: Partial<CompletionRequest> = {}, seed = 1): CompletionRequest {
  return {
    messages: [
      { role: "system", content: "You read documents and extract what matters." },
      { role: "user", content: `Document:\n${DOCUMENT}\n\nList up to 3 details.` },
    ],
    sampling: { temperature: 1, seed },
    ...extra,
  };
}

describe("toChatHistory", () => {
  it("maps roles and ends with the reply to generate", () => {
    expect(
      toChatHistory([
        { role: "system", content: "s" },
        { role: "user", content: "u" },
        { role: "assistant", content: "a" },
        { role: "user", content: "again" },
      ]),
    ).toEqual([
      { type: "system", text: "s" },
      { type: "user", text: "u" },
      { type: "model", response: ["a"] },
      { type: "user", text: "again" },
      { type: "model", response: [] },
    ]);
  });
});

describe("the local engine on a tiny random model", () => {
  let engine: LocalEngine;
  const modelPath = writeTinyModel(tempDir("foveate-model-"));

  beforeAll(async () => {
    engine = await loadLocalEngine({ modelPath, parallel: 2, gpu: false, threads: 1, maxStringChars: 300 });
  });
  afterAll(async () => {
    await engine?.dispose();
  });

  it("describes itself and keys its cache on the file's name and size", () => {
    expect(engine.description).toBe(`local model ${modelPath}`);
    expect(engine.modelId).toMatch(/^local:tiny\.gguf:\d+$/);
    expect(engine.parallel).toBe(2);
    expect(engine.contextSize).toBeGreaterThanOrEqual(8192);
  });

  it("always replies with JSON that matches the schema, under the grammar", async () => {
    const schema = microElementsSchema(3);
    for (let seed = 1; seed <= 8; seed++) {
      const result = await completeStructured(engine, { ...request({}, seed), schema }, { maxReasks: 0 });
      expect(result.invalidReplies).toBe(0);
      expect(result.value.elements.length).toBeGreaterThanOrEqual(1);
      expect(result.value.elements.length).toBeLessThanOrEqual(3);
      // The grammar counts characters as it decodes them; random bytes that are not valid UTF-8
      // decode to more replacement characters afterwards, so the bound is loose here.
      for (const element of result.value.elements) expect([...element].length).toBeLessThanOrEqual(600);
    }
    const answer = await completeStructured(engine, { ...request({}, 3), schema: answerSchema }, { maxReasks: 0 });
    expect(typeof answer.value.answerable).toBe("boolean");
  });

  it("reports tokens, and reuses a sequence that already holds the same prompt", async () => {
    const first = await engine.complete(request({ sampling: { temperature: 1, seed: 5, maxTokens: 20 } }));
    expect(first.usage.promptTokens).toBeGreaterThan(DOCUMENT.length);
    expect(first.usage.completionTokens).toBeGreaterThan(0);
    expect(first.usage.completionTokens).toBeLessThanOrEqual(20);
    expect(first.attempts).toBe(1);
    const again = await engine.complete(request({ sampling: { temperature: 1, seed: 6, maxTokens: 20 } }));
    expect(again.usage.cachedPromptTokens).toBeGreaterThan(again.usage.promptTokens / 2);
  });

  it("says 'length' when the token limit cut the reply", async () => {
    const cut = await engine.complete(request({ sampling: { temperature: 1, seed: 2, maxTokens: 3 } }));
    expect(cut.usage.completionTokens).toBe(3);
    expect(cut.finishReason).toBe("length");
  });

  it("queues calls beyond its sequences and completes every one", async () => {
    const schema = microElementsSchema(2);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => completeStructured(engine, { ...request({}, 100 + i), schema }, { maxReasks: 0 })),
    );
    expect(results).toHaveLength(5);
    for (const r of results) expect(r.value.elements.length).toBeGreaterThanOrEqual(1);
  });

  it("refuses a prompt longer than the context with an error that names the fix", async () => {
    const long = "word ".repeat(engine.contextSize);
    const error = await engine.complete({ messages: [{ role: "user", content: long }], sampling: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineCallError);
    expect((error as EngineCallError).details.retryable).toBe(false);
    expect((error as Error).message).toMatch(/raise --ctx or lower --max-doc-tokens/);
  });

  it("stops on an abort signal, before and during generation", async () => {
    const before = new AbortController();
    before.abort();
    await expect(engine.complete(request({ signal: before.signal }))).rejects.toBeInstanceOf(AbortedError);

    const during = new AbortController();
    const call = engine.complete(request({ signal: during.signal, sampling: { temperature: 1, seed: 9, maxTokens: 100_000 } }));
    setTimeout(() => during.abort(), 30);
    await expect(call).rejects.toBeInstanceOf(AbortedError);
    // The engine is still usable afterwards.
    const after = await engine.complete(request({ sampling: { temperature: 1, seed: 10, maxTokens: 5 } }));
    expect(after.usage.completionTokens).toBeGreaterThan(0);
  });

  it("embeds texts with the same model, one vector of the model's width per text", async () => {
    const embeddings = await createLocalEmbeddings(engine.model, { modelId: engine.modelId, description: engine.description }, { contextSize: 512 });
    try {
      const vectors = await embeddings.embed(["lighthouse", "storm", "x".repeat(2000)]);
      expect(vectors).toHaveLength(3);
      for (const v of vectors) {
        expect(v).toBeInstanceOf(Float32Array);
        expect(v.length).toBe(32);
        expect(v.some((x) => x !== 0)).toBe(true);
      }
      expect(Array.from(vectors[0]!)).not.toEqual(Array.from(vectors[1]!));
    } finally {
      await embeddings.dispose();
    }
  });
});

describe("a model that cannot be used", () => {
  const dir = tempDir("foveate-model-");
  const load = (modelPath: string, extra = {}) => loadLocalEngine({ modelPath, parallel: 1, gpu: false, threads: 1, ...extra }).catch((e: unknown) => e);

  it("is missing", async () => {
    const error = await load(path.join(dir, "nowhere.gguf"));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/model file not found: .*nowhere\.gguf/);
  });

  it("is not a GGUF file", async () => {
    const file = path.join(dir, "notes.gguf");
    writeFileSync(file, "these are notes, not weights");
    const error = await load(file);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/not a GGUF model file/);
  });

  it("is cut short: llama.cpp's reason is in the one line", async () => {
    const whole = buildTinyLlamaGguf();
    const file = path.join(dir, "cut.gguf");
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const error = await load(file);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/cannot load the model .*cut\.gguf: .*(corrupted or incomplete|file bounds)/);
  });

  it("is larger than the machine's memory", async () => {
    // RAM and whatever GPU memory the runtime of these loads has, as the engine counts them.
    const llama = await localRuntime(false, 1);
    const memory = os.totalmem() + (llama.gpu === false ? 0 : (await llama.getVramState()).total);
    // About 120 GB of weights a layer, as many layers as it takes, in a sparse file that takes no disk.
    let layers = 0;
    let huge: ReturnType<typeof llamaGgufHeader>;
    do huge = llamaGgufHeader({ embeddingLength: 65536, feedForwardLength: 65536, headCount: 64, blockCount: ++layers });
    while (huge.fileSize <= memory);
    const file = path.join(dir, "huge.gguf");
    writeFileSync(file, huge.header);
    truncateSync(file, huge.fileSize);
    const error = await load(file);
    expect(error).toBeInstanceOf(ConfigError);
    const size = (huge.fileSize / 1e9).toFixed(1).replace(".", "\\.");
    expect((error as Error).message).toMatch(new RegExp(`is ${size} GB and this machine has .* GB of memory .*choose a smaller model`));
  });

  it("needs a context larger than memory allows", async () => {
    const error = await load(writeTinyModel(dir), { contextSize: 1_000_000_000 });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/a context of 1000000000 tokens x 1 sequences for .* needs about .* GB and this machine has .* GB of memory; try a smaller --ctx or --parallel/);
  });
});
