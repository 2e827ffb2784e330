import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { embed } from "../../test/support/sim-embeddings.js";
import { startSimServer, type SimServer } from "../../test/support/sim-server.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { createEmbeddingEngine } from "../llm/http/embedding-engine.js";
import type { EmbeddingModel } from "../llm/port.js";
import { cachedEmbeddings, embeddingCacheKey, textHash } from "./cached-embeddings.js";
import { RunStore } from "./run-store.js";

let dir: string;
let server: SimServer;
const stores: RunStore[] = [];

beforeEach(async () => {
  dir = tempDir("foveate-embeddings-");
  server = await startSimServer();
});

afterEach(async () => {
  for (const store of stores.splice(0)) store.close();
  await server.close();
});

function open(name = "cache.db"): RunStore {
  const store = RunStore.open(join(dir, name));
  stores.push(store);
  return store;
}

/** A model that records the texts it is asked for and answers with vectors derived from them. */
function recordingModel(modelId = "fake", dimensions?: number): EmbeddingModel & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    modelId,
    description: `fake model ${modelId}`,
    ...(dimensions === undefined ? {} : { dimensions }),
    calls,
    async embed(texts) {
      calls.push([...texts]);
      return texts.map((t) => Float32Array.from([t.length, t.charCodeAt(0) || 0, modelId.length, dimensions ?? 0]));
    },
  };
}

const texts = Array.from({ length: 40 }, (_, i) => `instruction ${i}: explain step ${i % 5}`);

describe("cachedEmbeddings", () => {
  it("embeds through the server once; a second run, even after reopening the store, makes no request", async () => {
    const engine = createEmbeddingEngine({ baseURL: server.baseURL, model: "sim-embedding", batchSize: 16 });
    const first = cachedEmbeddings(engine, open());
    const vectors = await first.embed(texts);
    expect(server.stats.embeddingRequests).toBe(3);
    expect(first.stats).toEqual({ hits: 0, misses: 40 });
    texts.forEach((t, i) => expect(vectors[i]).toEqual(Float32Array.from(embed(t, 64))));

    server.resetStats();
    const again = await first.embed(texts);
    expect(server.stats.requests).toBe(0);
    expect(first.stats).toEqual({ hits: 40, misses: 40 });
    expect(again).toEqual(vectors);

    stores.pop()!.close();
    const reopened = cachedEmbeddings(engine, open());
    expect(await reopened.embed(texts)).toEqual(vectors);
    expect(server.stats.requests).toBe(0);
    expect(reopened.stats).toEqual({ hits: 40, misses: 0 });
  });

  it("embeds a repeated text once and sends only the texts it lacks, keeping the order", async () => {
    const inner = recordingModel();
    const model = cachedEmbeddings(inner, open());
    const out = await model.embed(["b", "aa", "b", "b"]);
    expect(inner.calls).toEqual([["b", "aa"]]);
    expect(out.map((v) => v[0])).toEqual([1, 2, 1, 1]);
    expect(out[0]).toEqual(out[2]);
    expect(out[0]).not.toBe(out[2]); // each position its own array
    expect(model.stats).toEqual({ hits: 0, misses: 2 });

    const mixed = await model.embed(["ccc", "aa", "dddd", "ccc"]);
    expect(inner.calls[1]).toEqual(["ccc", "dddd"]);
    expect(mixed.map((v) => v[0])).toEqual([3, 2, 4, 3]);
    expect(model.stats).toEqual({ hits: 1, misses: 4 });
    expect(await model.embed([])).toEqual([]);
    expect(inner.calls).toHaveLength(2);
  });

  it("keys the cache on the model and a requested vector length", async () => {
    const store = open();
    const a = recordingModel("model-a");
    const b = recordingModel("model-b");
    const a16 = recordingModel("model-a", 16);
    await cachedEmbeddings(a, store).embed(["x"]);
    await cachedEmbeddings(a, store).embed(["x"]);
    expect(a.calls).toHaveLength(1);
    const fromB = await cachedEmbeddings(b, store).embed(["x"]);
    expect(b.calls).toEqual([["x"]]);
    expect(fromB[0]![2]).toBe("model-b".length);
    await cachedEmbeddings(a16, store).embed(["x"]);
    expect(a16.calls).toEqual([["x"]]);
    expect(embeddingCacheKey(a16)).toBe("model-a#dimensions=16");
  });
});

describe("RunStore embeddings", () => {
  it("round-trips vectors bit for bit, in batched lookups, and skips hashes it lacks", () => {
    const store = open();
    const entries = Array.from({ length: 1234 }, (_, i): [string, Float32Array] => [
      textHash(`t${i}`),
      Float32Array.from({ length: 5 }, (_, k) => Math.fround(Math.sin(i * 7 + k) * 1e-3 * (i + 1))),
    ]);
    store.putEmbeddings("m", entries);
    const wanted = [...entries.map(([hash]) => hash), textHash("absent")];
    const found = store.getEmbeddings("m", wanted);
    expect(found.size).toBe(1234);
    for (const [hash, vector] of entries) expect(found.get(hash)).toEqual(vector);
    expect(store.getEmbeddings("other", wanted).size).toBe(0);
    expect(store.getEmbeddings("m", []).size).toBe(0);
  });

  it("stores a vector that is a view into a larger buffer as just that vector", () => {
    const store = open();
    const backing = new Float32Array([9, 1, 2, 3, 9]);
    store.putEmbeddings("m", [["h", backing.subarray(1, 4)]]);
    expect(store.getEmbeddings("m", ["h"]).get("h")).toEqual(new Float32Array([1, 2, 3]));
  });

  it("reports a store it cannot write as a StoreError", () => {
    const store = open();
    store.putEmbeddings("m", [["h", new Float32Array([1])]]);
    store.close();
    const readonly = RunStore.open(join(dir, "cache.db"), { readonly: true });
    stores.push(readonly);
    expect(readonly.getEmbeddings("m", ["h"]).get("h")).toEqual(new Float32Array([1]));
    expect(() => readonly.putEmbeddings("m", [["g", new Float32Array([2])]])).toThrow(/run store .*cache\.db: cannot save embeddings: /);
  });
});
