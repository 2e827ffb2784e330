import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { checkSameModel } from "./check-same-model.js";

describe("checkSameModel", () => {
  it("accepts endpoints that name one model, themselves or through the run's model", () => {
    expect(() => checkSameModel([{ baseUrl: "http://a/v1" }, { baseUrl: "http://b/v1", model: "qwen" }], "qwen")).not.toThrow();
    expect(() => checkSameModel([{ baseUrl: "http://a/v1", model: "x" }, { baseUrl: "http://b/v1", model: "x" }], "qwen")).not.toThrow();
    expect(() => checkSameModel([{ baseUrl: "http://a/v1", model: "x" }], "qwen")).not.toThrow();
    expect(() => checkSameModel([], "qwen")).not.toThrow();
  });

  it("refuses two names in one line naming both and where they are served", () => {
    const endpoints = [{ baseUrl: "http://a/v1" }, { baseUrl: "http://b/v1" }, { baseUrl: "http://c/v1", model: "Qwen/Qwen2.5-7B-Instruct" }];
    let thrown: unknown;
    try {
      checkSameModel(endpoints, "qwen2.5-7b");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(
      `the endpoints name different models: "qwen2.5-7b" at http://a/v1 and "Qwen/Qwen2.5-7B-Instruct" at http://c/v1; ` +
        `every endpoint must serve the same model (pass --same-model if these names do)`,
    );
  });

  it("names the run's model when it is the odd one out", () => {
    expect(() => checkSameModel([{ baseUrl: "http://a/v1", model: "x" }, { baseUrl: "http://b/v1" }], "y")).toThrow(/"x" at http:\/\/a\/v1 and "y" at http:\/\/b\/v1/);
  });

  it("accepts names that differ when told they serve the same model", () => {
    expect(() => checkSameModel([{ baseUrl: "http://a/v1", model: "x" }, { baseUrl: "http://b/v1", model: "y" }], "z", true)).not.toThrow();
  });
});
