import { describe, expect, it } from "vitest";
import { ScriptedModel, happyReply } from "../../test/support/scripted-model.js";
import { resolveSettings } from "./resolve-settings.js";

const model = new ScriptedModel(happyReply);

describe("resolveSettings", () => {
  it("asks again 3 times for an unusable reply and twice more for missing features by default", () => {
    const settings = resolveSettings({ model });
    expect(settings.maxReasks).toBe(3);
    expect(settings.methodSettings.extraExtractionAsks).toBe(2);
  });

  it("takes zero re-asks and zero extra asks, and refuses negative or fractional ones, showing the value", () => {
    const settings = resolveSettings({ model, maxReasks: 0, extraExtractionAsks: 0 });
    expect([settings.maxReasks, settings.methodSettings.extraExtractionAsks]).toEqual([0, 0]);
    expect(() => resolveSettings({ model, maxReasks: -1 })).toThrow("maxReasks must be an integer >= 0, got -1");
    expect(() => resolveSettings({ model, extraExtractionAsks: 1.5 })).toThrow("extraExtractionAsks must be an integer >= 0, got 1.5");
  });
});
