import { describe, expect, it } from "vitest";
import type { Completion, LanguageModel } from "../llm/port.js";
import { CallsInFlight } from "./calls-in-flight.js";

const completion: Completion = { text: "ok", usage: { promptTokens: 1, completionTokens: 1, cachedPromptTokens: 0 }, finishReason: "stop", attempts: 1 };

describe("CallsInFlight", () => {
  it("says none only once every call has ended, what its model does after the reply included", async () => {
    const kept: string[] = [];
    let answer: () => void = () => {};
    const inner: LanguageModel = {
      description: "d",
      modelId: "m",
      // As the store does: the reply is kept after the engine answers, before the call ends.
      complete: (request) =>
        new Promise<void>((resolve) => (answer = resolve)).then(() => {
          kept.push(request.messages[0]!.content);
          return completion;
        }),
    };
    const calls = new CallsInFlight();
    const model = calls.of(inner);
    await calls.whenNone();
    const call = model.complete({ messages: [{ role: "user", content: "x" }], sampling: {} });
    let none = false;
    const waited = calls.whenNone().then(() => {
      none = true;
      expect(kept).toEqual(["x"]);
    });
    await new Promise((r) => setImmediate(r));
    expect(none).toBe(false);
    answer();
    await call;
    await waited;
    expect(none).toBe(true);
  });

  it("counts a call that failed as ended", async () => {
    const calls = new CallsInFlight();
    const model = calls.of({ description: "d", modelId: "m", complete: () => Promise.reject(new Error("down")) });
    await expect(model.complete({ messages: [], sampling: {} })).rejects.toThrow("down");
    await calls.whenNone();
  });
});
