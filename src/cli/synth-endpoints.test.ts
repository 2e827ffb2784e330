import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { SAMPLE_CORPUS } from "../../test/support/fixtures.js";
import { runCli } from "../../test/support/run-cli.js";
import { tempDir } from "../../test/support/temp-dir.js";
import type { SynthesisJobOptions } from "../run/job-options.js";

/** The options of every job the CLI builds, recorded by the real job class. */
const built = vi.hoisted(() => [] as SynthesisJobOptions[]);
vi.mock("../run/synthesis-job.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../run/synthesis-job.js")>();
  class RecordingJob extends original.SynthesisJob {
    constructor(options: SynthesisJobOptions) {
      super(options);
      built.push(options);
    }
  }
  return { ...original, SynthesisJob: RecordingJob };
});

beforeEach(() => {
  built.length = 0;
});

/** An estimate: it reads the corpus and stops before any call, so no server is needed. */
const dryRun = (...more: string[]) => runCli(["synth", SAMPLE_CORPUS, "--dry-run", ...more]);

async function jobOptions(args: string[], env: Record<string, string> = {}): Promise<SynthesisJobOptions> {
  built.length = 0;
  const run = await runCli(["synth", SAMPLE_CORPUS, "--dry-run", ...args], env);
  expect(run.stderr).toMatch(/Estimate for 12 documents: about [\d,]+ LLM calls/);
  expect(run.code).toBe(0);
  expect(built).toHaveLength(1);
  return built[0]!;
}

/** The one line a refused command prints, after checking it is refused with exit 1 and builds no job. */
async function refusal(args: string[], env: Record<string, string> = {}): Promise<string> {
  const run = await runCli(["synth", SAMPLE_CORPUS, ...args], env);
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  expect(built).toHaveLength(0);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe("foveate synth with several --base-url", () => {
  it("gives the job one endpoint per URL, with the key, model and limits of the flags for each", async () => {
    const options = await jobOptions([
      "--base-url", "http://gpu1:8000/v1", "--base-url", "http://gpu2:8000/v1", "--base-url", "http://gpu3:8000/v1",
      "--api-key", "sk-all", "--model", "Qwen2.5-7B-Instruct", "--rpm", "600", "--tpm", "900000", "--concurrency", "48",
    ]);
    const each = { apiKey: "sk-all", model: "Qwen2.5-7B-Instruct", rpm: 600, tpm: 900000, concurrency: 48 };
    expect(options.endpoints).toStrictEqual([
      { baseUrl: "http://gpu1:8000/v1", ...each },
      { baseUrl: "http://gpu2:8000/v1", ...each },
      { baseUrl: "http://gpu3:8000/v1", ...each },
    ]);
    expect(options).toMatchObject({ engine: "api", model: "Qwen2.5-7B-Instruct" });
    expect(options.baseUrl).toBeUndefined();
    expect(options.apiKey).toBeUndefined();
  });

  it("pairs one --api-key per --base-url, in order", async () => {
    const options = await jobOptions(["--base-url", "https://eu.example.com/v1", "--api-key", "sk-eu", "--base-url", "https://us.example.com/v1", "--api-key", "sk-us"]);
    expect(options.endpoints).toStrictEqual([
      { baseUrl: "https://eu.example.com/v1", apiKey: "sk-eu" },
      { baseUrl: "https://us.example.com/v1", apiKey: "sk-us" },
    ]);
  });

  it("leaves one --base-url as it always was: a base URL and a key, no endpoint list", async () => {
    const options = await jobOptions(["--base-url", "http://localhost:8000/v1", "--api-key", "sk-one", "--model", "m"]);
    expect(options).toMatchObject({ baseUrl: "http://localhost:8000/v1", apiKey: "sk-one", model: "m", engine: "auto" });
    expect(options.endpoints).toBeUndefined();
    const fromEnv = await jobOptions([], { FOVEATE_BASE_URL: "http://from-env/v1", FOVEATE_API_KEY: "sk-env" });
    expect(fromEnv).toMatchObject({ baseUrl: "http://from-env/v1", apiKey: "sk-env" });
  });

  it("refuses a number of keys that is neither one nor one per --base-url", async () => {
    expect(await refusal(["--base-url", "http://a/v1", "--base-url", "http://b/v1", "--api-key", "k1", "--api-key", "k2", "--api-key", "k3"])).toBe(
      "foveate: --api-key given 3 times and --base-url 2 times: give one key for all, or one per --base-url, in order",
    );
    expect(await refusal(["--api-key", "k1", "--api-key", "k2"])).toBe(
      "foveate: --api-key given 2 times and --base-url 0 times: give one key for all, or one per --base-url, in order",
    );
  });

  it("refuses model names that differ, unless --same-model says they are one model", async () => {
    const args = ["--endpoints", writeFleet("http://a/v1 model=qwen2.5-7b\nhttp://b/v1 model=Qwen/Qwen2.5-7B-Instruct\n")];
    expect(await refusal(args)).toBe(
      `foveate: the endpoints name different models: "qwen2.5-7b" at http://a/v1 and "Qwen/Qwen2.5-7B-Instruct" at http://b/v1; ` +
        `every endpoint must serve the same model (pass --same-model if these names do)`,
    );
    expect(await refusal([...args, "--base-url", "http://c/v1"])).toBe("foveate: --endpoints and --base-url both given: put every endpoint in the file");
    const options = await jobOptions([...args, "--same-model"]);
    expect(options).toMatchObject({ sameModel: true });
  });

  it("refuses a --base-url that is not an http(s) URL, whichever of them it is", async () => {
    expect(await refusal(["--base-url", "http://a/v1", "--base-url", "gpu2:8000/v1"])).toBe(
      'foveate: base URL "gpu2:8000/v1" is not an http(s) URL; give one like http://localhost:8000/v1',
    );
  });

  it("refuses the same endpoint twice, and takes one server twice with two keys", async () => {
    expect(await refusal(["--base-url", "http://a/v1", "--base-url", "http://A:80/v1/"])).toBe("foveate: --base-url http://A:80/v1/ given twice: each endpoint once");
    const sameKey = ["--base-url", "http://a/v1", "--api-key", "k", "--base-url", "http://a/v1", "--api-key", "k"];
    expect(await refusal(sameKey)).toBe("foveate: --base-url http://a/v1 given twice with the same --api-key: each endpoint once");
    const accounts = await jobOptions(["--base-url", "http://a/v1", "--api-key", "k1", "--base-url", "http://a/v1", "--api-key", "k2"]);
    expect(accounts.endpoints?.map((e) => e.apiKey)).toEqual(["k1", "k2"]);
  });

  it("refuses several endpoints with the local engine or a model file", async () => {
    const two = ["--base-url", "http://a/v1", "--base-url", "http://b/v1"];
    expect(await refusal([...two, "--engine", "local"])).toBe("foveate: --engine local runs one model in this process; 2 --base-url need --engine api");
    expect(await refusal([...two, "--model", "qwen.gguf"])).toBe("foveate: --model qwen.gguf is a model file to run in this process; 2 --base-url need the name of the model they serve");
  });
});

/** Writes an endpoints file in a folder removed after the test, and returns its path. */
function writeFleet(text: string): string {
  const path = join(tempDir("foveate-fleet-"), "fleet.txt");
  writeFileSync(path, text);
  return path;
}

describe("foveate synth --endpoints FILE", () => {
  it("gives the job the file's endpoints, with the flags filling what a line leaves out", async () => {
    const fleet = writeFleet(
      [
        "# two GPU boxes and a hosted fallback",
        "http://gpu1:8000/v1 concurrency=64",
        "http://gpu2:8000/v1 concurrency=16 rpm=100",
        "https://api.example.com/v1 key-env=FLEET_KEY model=qwen",
        "",
      ].join("\n"),
    );
    const options = await jobOptions(["--endpoints", fleet, "--api-key", "sk-local", "--model", "qwen", "--rpm", "1000"], { FLEET_KEY: "sk-hosted" });
    expect(options.endpoints).toStrictEqual([
      { baseUrl: "http://gpu1:8000/v1", apiKey: "sk-local", model: "qwen", rpm: 1000, concurrency: 64 },
      { baseUrl: "http://gpu2:8000/v1", apiKey: "sk-local", model: "qwen", rpm: 100, concurrency: 16 },
      { baseUrl: "https://api.example.com/v1", apiKey: "sk-hosted", model: "qwen", rpm: 1000 },
    ]);
    expect(options).toMatchObject({ engine: "api", model: "qwen" });
  });

  it("takes the run's model from the endpoints when --model is not given", async () => {
    const args = ["--endpoints", writeFleet("http://a/v1 model=llama-3.1-8b\nhttp://b/v1 model=llama-3.1-8b\n")];
    const options = await jobOptions(args);
    expect(options.endpoints?.map((e) => e.model)).toEqual(["llama-3.1-8b", "llama-3.1-8b"]);
    // The price is looked up by the run's model, the endpoints' (unknown), not the default's (known).
    expect((await dryRun(...args)).stderr).toContain("Cost: price unknown");
    expect((await dryRun("--base-url", "http://a/v1")).stderr).not.toContain("Cost: price unknown");
  });

  it("names the file and line of a bad line, and touches no file", async () => {
    const fleet = writeFleet("http://a/v1\nhttp://b/v1 rpm=lots\n");
    const output = join(tempDir("foveate-out-"), "data.jsonl");
    expect(await refusal(["--endpoints", fleet, "-o", output])).toBe(`foveate: ${fleet}:2: rpm=lots is not a whole number >= 1`);
    expect(existsSync(output)).toBe(false);
    expect(existsSync(`${output}.foveate.db`)).toBe(false);
    expect(readFileSync(fleet, "utf8")).toBe("http://a/v1\nhttp://b/v1 rpm=lots\n");
  });

  it("names a key-env variable that is not set, an empty file and a missing one", async () => {
    expect(await refusal(["--endpoints", writeFleet("http://a/v1 key-env=FLEET_KEY\n")])).toMatch(/fleet\.txt:1: key-env=FLEET_KEY names a variable that is not set$/);
    expect(await refusal(["--endpoints", writeFleet("# none yet\n")])).toMatch(/fleet\.txt: no endpoint: every line is blank or a comment/);
    const missing = join(tempDir("foveate-fleet-"), "missing.txt");
    expect(await refusal(["--endpoints", missing])).toBe(`foveate: ${missing}: no such file or directory`);
  });

  it("takes --api-key once, as the key of the lines without one", async () => {
    expect(await refusal(["--endpoints", writeFleet("http://a/v1\n"), "--api-key", "k1", "--api-key", "k2"])).toBe(
      "foveate: --api-key given 2 times with --endpoints: give it once (the key of the lines without one), or put each key in the file",
    );
  });
});

it("estimates a run over several endpoints as it does one over one", async () => {
  const one = await dryRun("--base-url", "http://a/v1", "--model", "gpt-4o-mini");
  const two = await dryRun("--base-url", "http://a/v1", "--base-url", "http://b/v1", "--model", "gpt-4o-mini");
  expect(two.code).toBe(0);
  expect(two.stderr).toBe(one.stderr);
});
