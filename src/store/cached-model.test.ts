import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ScriptedModel } from "../../test/support/scripted-model.js";
import { tempDir } from "../../test/support/temp-dir.js";
import type { CompletionRequest } from "../llm/port.js";
import { cachedModel, requestKey } from "./cached-model.js";
import { RunStore } from "./run-store.js";

const request = (content: string, temperature = 1): CompletionRequest => ({ messages: [{ role: "user", content }], sampling: { temperature } });

describe("cachedModel", () => {
  it("keys a request by what changes the reply: prompt version, model, messages, sampling and schema", () => {
    const key = (modelId: string, r: CompletionRequest, version = 1) => requestKey(version, modelId, r);
    expect(key("m", request("a"))).toBe(key("m", { ...request("a"), signal: new AbortController().signal }));
    expect(key("m", request("a"))).not.toBe(key("m", request("b")));
    expect(key("m", request("a"))).not.toBe(key("n", request("a")));
    expect(key("m", request("a"))).not.toBe(key("m", request("a", 0.5)));
    expect(key("m", request("a"))).not.toBe(key("m", { ...request("a"), responseSchema: { name: "x", schema: {} } }));
    expect(key("m", request("a"))).not.toBe(key("m", request("a"), 2));
    expect(key("m", request("a"))).not.toBe(key("m", { ...request("a"), sampling: { temperature: 1, repetitionPenalty: 1.02 } }));
  });

  it("keeps the keys stores were written with: version 1 of the prompts as before the version came from the caller", () => {
    expect(requestKey(1, "m", request("a"))).toBe("W9oCRb2tGbkwoUq7t6A8CoLlFBZ9j6_evbx50R9rHsw");
  });

  it("pays once: a stored reply is replayed, and an identical request in flight is waited for", async () => {
    const store = RunStore.open(join(tempDir("foveate-cache-"), "c.db"));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inner = new ScriptedModel(() => "the reply");
    const slow = { ...inner, description: inner.description, modelId: inner.modelId, complete: async (r: CompletionRequest) => (await gate, inner.complete(r)) };
    let replayed = 0;
    const model = cachedModel(slow, store, { promptVersion: 1, onReplay: () => replayed++ });

    const first = model.complete(request("same"));
    const second = model.complete(request("same"));
    release();
    expect((await first).text).toBe("the reply");
    expect((await second).text).toBe("the reply");
    expect(inner.calls).toHaveLength(1);

    expect((await model.complete(request("same"))).attempts).toBe(0);
    expect(inner.calls).toHaveLength(1);
    expect(replayed).toBe(2);
    store.close();
  });

  it("asks again when the prompts' version changes, and replays each version's own reply", async () => {
    const store = RunStore.open(join(tempDir("foveate-cache-"), "v.db"));
    const inner: ScriptedModel = new ScriptedModel((): string => `reply ${inner.calls.length}`);
    const first = cachedModel(inner, store, { promptVersion: 1 });
    const second = cachedModel(inner, store, { promptVersion: "judges-2" });
    expect((await first.complete(request("same"))).text).toBe("reply 1");
    expect((await second.complete(request("same"))).text).toBe("reply 2");
    expect((await first.complete(request("same"))).text).toBe("reply 1");
    expect(inner.calls).toHaveLength(2);
    store.close();
  });
});
