import { describe, expect, it } from "vitest";
import { ScriptedModel, happyReply } from "../../test/support/scripted-model.js";
import { PROMPT_VERSION } from "../method/prompts.js";
import { resolveSettings } from "./resolve-settings.js";
import { runFingerprint } from "./run-fingerprint.js";
import type { SynthesizeOptions } from "./synthesize-options.js";

const model = new ScriptedModel(happyReply);
const fingerprint = (options: Partial<SynthesizeOptions> = {}) => runFingerprint(resolveSettings({ model, ...options }), "m");

describe("runFingerprint", () => {
  it("holds everything that changes the dataset, with the defaults filled in", () => {
    expect(fingerprint()).toMatchObject({
      promptVersion: PROMPT_VERSION,
      model: "m",
      method: "foveate",
      mu: 8,
      levels: ["micro", "scatter", "macro"],
      important: null,
      maxRounds: 5,
      shots: 3,
      maxReasks: 3,
      extraExtractionAsks: 2,
      seed: 0,
      budgets: null,
    });
    expect(fingerprint({ method: "self-qa" }).levels).toEqual(["self-qa"]);
  });

  it("tells Self-QA runs apart by the pairs they ask per document (mu x levels)", () => {
    expect(fingerprint({ method: "self-qa" }).selfQaPairsPerBudget).toBe(3);
    expect(fingerprint({ method: "self-qa", levels: ["micro"] })).not.toEqual(fingerprint({ method: "self-qa" }));
    expect(fingerprint()).not.toHaveProperty("selfQaPairsPerBudget");
  });

  it("changes with re-asks and extra extraction asks, not with how fast the run goes", () => {
    expect(fingerprint({ maxReasks: 1 })).not.toEqual(fingerprint());
    expect(fingerprint({ extraExtractionAsks: 0 })).not.toEqual(fingerprint());
    expect(fingerprint({ concurrency: 3, graceMs: 1 })).toEqual(fingerprint());
  });
});
