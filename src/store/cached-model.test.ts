import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ScriptedModel } from "../../test/support/scripted-model.js";
import { tempDir } from "../../test/support/temp-dir.js";
import type { CompletionRequest } from "../llm/port.js";
import { cachedModel, requestKey } from "./cached-model.js";
import { RunStore } from "./run-store.js";

const request = (content: string, temperature = 1): CompletionRequest => ({ messages: [{ role: "user", content }], sampling: { temperature } });

describe("cachedModel", () => {
  it("keys a request by what changes the reply: model, messages, sampling and schema", () => {
    expect(requestKey("m", request("a"))).toBe(requestKey("m", { ...request("a"), signal: new AbortController().signal }));
    expect(requestKey("m", request("a"))).not.toBe(requestKey("m", request("b")));
    expect(requestKey("m", request("a"))).not.toBe(requestKey("n", request("a")));
    expect(requestKey("m", request("a"))).not.toBe(requestKey("m", request("a", 0.5)));
    expect(requestKey("m", request("a"))).not.toBe(requestKey("m", { ...request("a"), responseSchema: { name: "x", schema: {} } }));
  });

  it("pays once: a stored reply is replayed, and an identical request in flight is waited for", async () => {
    const store = RunStore.open(join(tempDir("foveate-cache-"), "c.db"));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inner = new ScriptedModel(() => "the reply");
    const slow = { ...inner, description: inner.description, modelId: inner.modelId, complete: async (r: CompletionRequest) => (await gate, inner.complete(r)) };
    let replayed = 0;
    const model = cachedModel(slow, store, () => replayed++);

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
});
