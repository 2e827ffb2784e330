import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { ConfigError } from "../errors.js";
import { RunStore } from "../store/run-store.js";
import { claimStore } from "./claim-store.js";

let store: RunStore;
beforeEach(() => {
  store = RunStore.open(join(tempDir("foveate-claim-"), "s.db"));
  return () => store.close();
});

const reply = { text: "kept", usage: { promptTokens: 1, completionTokens: 1, cachedPromptTokens: 0 }, finishReason: "stop", attempts: 1 };
const current = { mu: 3, seed: 1, maxReasks: 3, extraExtractionAsks: 2 };

describe("claimStore", () => {
  it("records the fingerprint in a new store and accepts the same one again", () => {
    claimStore(store, current, false);
    expect(store.readConfig()).toEqual(current);
    expect(() => claimStore(store, { ...current }, false)).not.toThrow();
  });

  it("refuses a store made with other settings, naming each change, and leaves it as it was", () => {
    claimStore(store, current, false);
    expect(() => claimStore(store, { ...current, mu: 4, extra: true }, false)).toThrow(ConfigError);
    expect(() => claimStore(store, { ...current, mu: 4, extra: true }, false)).toThrow(/\(mu: 3 then, 4 now; extra: unset then, true now\)/);
    expect(store.readConfig()).toEqual(current);
  });

  it("says a store made with other prompts was made by an earlier foveate, and leaves it as it was", () => {
    claimStore(store, { ...current, promptVersion: 1 }, false);
    expect(() => claimStore(store, { ...current, promptVersion: 2 }, false)).toThrow(
      /made by an earlier foveate, whose prompts differ \(prompt version 1, now 2\).*another --store.*--force-new/,
    );
    expect(store.readConfig()).toEqual({ ...current, promptVersion: 1 });
  });

  it("starts the store over on request, keeping its replies", () => {
    claimStore(store, current, false);
    store.putReply("r", "answer", reply);
    claimStore(store, { ...current, mu: 4 }, true);
    expect(store.readConfig()).toEqual({ ...current, mu: 4 });
    expect(store.getReply("r")?.text).toBe("kept");
  });

  it("takes a fingerprint written before maxReasks and extraExtractionAsks were in it as made with their defaults", () => {
    store.writeConfig({ mu: 3, seed: 1 });
    expect(() => claimStore(store, { ...current, maxReasks: 4 }, false)).toThrow(/maxReasks: 3 then, 4 now/);
    expect(() => claimStore(store, { ...current, extraExtractionAsks: 0 }, false)).toThrow(/extraExtractionAsks: 2 then, 0 now/);
    claimStore(store, current, false);
    expect(store.readConfig()).toEqual(current);
  });
});
