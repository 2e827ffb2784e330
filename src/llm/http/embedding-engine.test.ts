import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { embed } from "../../../test/support/sim-embeddings.js";
import { startSimServer, type SimOptions, type SimServer } from "../../../test/support/sim-server.js";
import { AbortedError, EngineCallError } from "../../errors.js";
import { createEmbeddingEngine, decodeVector } from "./embedding-engine.js";

const noWait = { sleep: async () => {}, random: () => 0 };
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function sim(options: Partial<SimOptions> = {}): Promise<SimServer> {
  const server = await startSimServer(options);
  closers.push(() => server.close());
  return server;
}

/** A server that answers every request with `reply(body)` and records the bodies. */
async function scripted(reply: (body: Record<string, unknown>, res: ServerResponse, req: IncomingMessage) => void) {
  const bodies: Array<Record<string, unknown>> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      bodies.push(body);
      reply(body, res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, bodies };
}

const texts = (n: number, prefix = "text") => Array.from({ length: n }, (_, i) => `${prefix} number ${i} about topic ${i % 7}`);
const expected = (text: string, dim = 64) => Float32Array.from(embed(text, dim));

describe("createEmbeddingEngine against the simulator", () => {
  it("batches 600 texts into 3 requests and keeps their order", async () => {
    const server = await sim();
    const engine = createEmbeddingEngine({ baseURL: server.baseURL, model: "sim-embedding", batchSize: 256, concurrency: 4 });
    const input = texts(600);
    const vectors = await engine.embed(input);
    expect(server.stats.embeddingRequests).toBe(3);
    expect(server.stats.embeddingInputs).toBe(600);
    expect(engine.stats).toEqual({ requests: 3, inputs: 600, promptTokens: server.stats.promptTokens });
    expect(engine.stats.promptTokens).toBeGreaterThan(0);
    expect(vectors).toHaveLength(600);
    // The simulator sends base64 float32 (the engine always asks for it); decoded, each vector is
    // the simulator's vector for that very text.
    input.forEach((text, i) => expect(vectors[i]).toEqual(expected(text)));
  });

  it("asks for `dimensions` when set", async () => {
    const server = await sim();
    const engine = createEmbeddingEngine({ baseURL: server.baseURL, model: "sim-embedding", dimensions: 16 });
    expect(engine.dimensions).toBe(16);
    const [vector] = await engine.embed(["short text"]);
    expect(vector).toEqual(expected("short text", 16));
  });

  it("makes no request for an empty list", async () => {
    const server = await sim();
    const engine = createEmbeddingEngine({ baseURL: server.baseURL, model: "sim-embedding" });
    expect(await engine.embed([])).toEqual([]);
    expect(server.stats.requests).toBe(0);
    expect(engine.stats.requests).toBe(0);
  });

  it("retries 429s and still returns every vector in order", async () => {
    const server = await sim({ rate429: 0.5 });
    const retries: number[] = [];
    const engine = createEmbeddingEngine({
      baseURL: server.baseURL,
      model: "sim-embedding",
      batchSize: 1,
      retry: { ...noWait, maxRetries: 30, onRetry: (info) => retries.push(info.error.details.status ?? 0) },
    });
    const input = texts(20);
    const vectors = await engine.embed(input);
    expect(server.stats.faults.status429).toBeGreaterThan(0);
    expect(retries.length).toBe(server.stats.faults.status429);
    expect(retries.every((status) => status === 429)).toBe(true);
    expect(engine.stats.requests).toBe(20 + retries.length);
    expect(engine.stats.inputs).toBe(20);
    input.forEach((text, i) => expect(vectors[i]).toEqual(expected(text)));
  });

  it("fails a wrong key at once with one clear line", async () => {
    const server = await sim({ apiKey: "sk-right-key" });
    const engine = createEmbeddingEngine({ baseURL: server.baseURL, apiKey: "sk-wrong-key", model: "sim-embedding", retry: noWait });
    const error = await engine.embed(["a", "b"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineCallError);
    const message = (error as EngineCallError).message;
    expect(message).toBe(`401 Unauthorized from ${server.baseURL} (model "sim-embedding"): check the API key (OPENAI_API_KEY or --api-key)`);
    expect((error as EngineCallError).details).toMatchObject({ status: 401, retryable: false });
    expect(server.stats.requests).toBe(1);
  });

  it("names an unknown model in a 404", async () => {
    const server = await sim();
    const engine = createEmbeddingEngine({ baseURL: server.baseURL, model: "no-such-model", retry: noWait });
    const error = await engine.embed(["a"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineCallError);
    expect((error as Error).message).toMatch(/^404 from http:\/\/127\.0\.0\.1:\d+\/v1: model "no-such-model" not found or wrong base URL/);
    expect((error as Error).message).not.toContain("\n");
    expect(server.stats.requests).toBe(1);
  });

  it("stops the other batches when one fails for good", async () => {
    const server = await sim({ apiKey: "k" });
    const engine = createEmbeddingEngine({ baseURL: server.baseURL, apiKey: "bad", model: "sim-embedding", batchSize: 1, concurrency: 1, retry: noWait });
    await expect(engine.embed(texts(10))).rejects.toBeInstanceOf(EngineCallError);
    // Let anything still queued run (it must not).
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.stats.requests).toBe(1);
  });

  it("says AbortedError when the caller aborts", async () => {
    const server = await sim({ latencyMs: 2000 });
    const engine = createEmbeddingEngine({ baseURL: server.baseURL, model: "sim-embedding" });
    const controller = new AbortController();
    const call = engine.embed(["a"], controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toBeInstanceOf(AbortedError);
    const aborted = new AbortController();
    aborted.abort();
    await expect(engine.embed(["a"], aborted.signal)).rejects.toBeInstanceOf(AbortedError);
  });
});

describe("createEmbeddingEngine against other servers", () => {
  it("sends model, input list and base64 encoding; accepts plain number lists placed by index", async () => {
    const server = await scripted((body, res) => {
      const input = body.input as string[];
      // Data in reverse order, as plain numbers (a server that ignores encoding_format).
      const data = input.map((text, index) => ({ object: "embedding", index, embedding: [text.length, index, 0.5] })).reverse();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data, model: body.model, usage: { prompt_tokens: 7, total_tokens: 7 } }));
    });
    const engine = createEmbeddingEngine({ baseURL: server.url, apiKey: "k", model: "m", batchSize: 3 });
    const vectors = await engine.embed(["a", "bb", "ccc", "dddd"]);
    expect(server.bodies[0]).toEqual({ model: "m", input: ["a", "bb", "ccc"], encoding_format: "base64" });
    expect(server.bodies[1]).toEqual({ model: "m", input: ["dddd"], encoding_format: "base64" });
    expect(vectors.map((v) => [...v])).toEqual([
      [1, 0, 0.5],
      [2, 1, 0.5],
      [3, 2, 0.5],
      [4, 0, 0.5],
    ]);
    expect(engine.stats).toEqual({ requests: 2, inputs: 4, promptTokens: 14 });
  });

  it("retries a malformed reply, then reports it", async () => {
    const server = await scripted((_body, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [] }));
    });
    const engine = createEmbeddingEngine({ baseURL: server.url, model: "m", retry: { ...noWait, maxRetries: 2 } });
    const error = await engine.embed(["a"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineCallError);
    expect((error as Error).message).toBe(`reply with 0 embeddings for 1 inputs from ${server.url} (model "m")`);
    expect(server.bodies).toHaveLength(3);
  });
});

describe("decodeVector", () => {
  it("reads little-endian float32 base64 and plain lists, and refuses anything else", () => {
    const bytes = Buffer.alloc(12);
    [0.25, -1.5, 3].forEach((x, i) => bytes.writeFloatLE(x, i * 4));
    expect([...decodeVector(bytes.toString("base64"))!]).toEqual([0.25, -1.5, 3]);
    expect([...decodeVector([1, 2.5])!]).toEqual([1, 2.5]);
    expect(decodeVector(Buffer.alloc(6).toString("base64"))).toBeUndefined();
    expect(decodeVector(["1"])).toBeUndefined();
    expect(decodeVector([])).toBeUndefined();
    expect(decodeVector(null)).toBeUndefined();
  });
});
