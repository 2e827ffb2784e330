import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../support/run-cli.js";
import { startSimServer, type SimServer } from "../support/sim-server.js";
import { tempDir } from "../support/temp-dir.js";

/** Requests meant for api.openai.com go to the simulator instead, so that it stands in for OpenAI. */
const standIn = vi.hoisted(() => ({ url: "" }));

vi.mock("../../src/llm/http/api-request.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/llm/http/api-request.js")>();
  return {
    ...actual,
    postApi: (url: URL, body: unknown, options: Parameters<typeof actual.postApi>[2]) =>
      actual.postApi(url.hostname === "api.openai.com" ? new URL(`${standIn.url}${url.pathname}`) : url, body, options),
  };
});

let sim: SimServer;
const dir = tempDir("foveate-penalty-");

beforeAll(async () => {
  sim = await startSimServer();
  standIn.url = `http://127.0.0.1:${sim.port}`;
});
afterAll(() => sim.close());

describe("eval qa --paper against api.openai.com", () => {
  it("asks without repetition_penalty, which OpenAI rejects, and says so once on stderr", async () => {
    const test = join(dir, "qa.jsonl");
    await writeFile(test, JSON.stringify({ question: "The bridge opened in 1911. When did the bridge open?", answer: "1911" }));
    const bodies: Array<Record<string, unknown>> = [];
    sim.onDelivered((body) => bodies.push(JSON.parse(body)));
    const run = await runCli([
      "eval", "qa", "--test", test, "--paper", "--store", join(dir, "eval.db"), "--json",
      "--target-base-url", "https://api.openai.com/v1", "--target-model", "sim-model", "--target-api-key", "sk-test",
      "--judge-base-url", sim.baseURL, "--judge-model", "sim-model",
    ]);
    expect(run.code).toBe(0);
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies.every((b) => !("repetition_penalty" in b))).toBe(true);
    expect(run.stderr).toMatch(/^warning: model "sim-model" at https:\/\/api\.openai\.com\/v1: OpenAI's API takes no repetition_penalty; answering without the repetition penalty 1\.02\n$/);
  });
});
