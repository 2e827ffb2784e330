import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { SAMPLE_CORPUS } from "../../test/support/fixtures.js";
import { repoRoot } from "../../test/support/repo-root.js";
import { runCli } from "../../test/support/run-cli.js";
import { FLAGS, type FlagSpec } from "./option-table.js";
import { toOption } from "./program.js";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const dryRun = (...more: string[]) => ["synth", SAMPLE_CORPUS, "--dry-run", "--model", "gpt-4o-mini", ...more];
const calls = (stderr: string) => /about ([\d,]+) LLM calls/.exec(stderr)?.[1];

describe("the command line", () => {
  it("prints its version and its help, exit 0", async () => {
    expect(await runCli(["--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
    const help = await runCli(["synth", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--mu <n>");
    expect(help.stdout).toContain("env: FOVEATE_MU");
  });

  it("takes a flag from FOVEATE_<FLAG> in the environment it is given, the command line winning", async () => {
    const plain = calls((await runCli(dryRun())).stderr);
    const fromEnv = calls((await runCli(dryRun(), { FOVEATE_MU: "2" })).stderr);
    const fromFlag = calls((await runCli(dryRun("--mu", "2"), { FOVEATE_MU: "7" })).stderr);
    expect(plain).toBeDefined();
    expect(fromEnv).not.toBe(plain);
    expect(fromFlag).toBe(fromEnv);
  });

  it("lets the environment set synth's flags and the local engine's, not another command's", async () => {
    const qa = (await runCli(["eval", "qa", "--help"])).stdout;
    expect(qa).toContain("env: FOVEATE_GPU");
    expect(qa).not.toContain("FOVEATE_TEMPERATURE");
    expect((await runCli(["export", "--help"])).stdout).not.toContain("FOVEATE_OUTPUT");
  });

  it("names a bad value from the environment in one line, exit 1", async () => {
    const run = await runCli(dryRun(), { FOVEATE_LEVELS: "micro,nano" });
    expect(run.code).toBe(1);
    expect(run.stderr.split("\n")[0]).toBe(
      `error: FOVEATE_LEVELS="micro,nano" for option '--levels <list>' is invalid. expected a comma-separated list of micro, scatter, macro, got "micro,nano"`,
    );
    const choice = await runCli(dryRun(), { FOVEATE_METHOD: "magic" });
    expect(choice.code).toBe(1);
    expect(choice.stderr).toMatch(/FOVEATE_METHOD="magic" .* Allowed choices are foveate, self-qa/);
  });

  it("rejects an unknown command or flag with exit 1", async () => {
    expect((await runCli(["sinth"])).code).toBe(1);
    const run = await runCli(["synth", SAMPLE_CORPUS, "--muu", "3"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("unknown option '--muu'");
  });

  it("asks for the options an evaluation needs", async () => {
    const run = await runCli(["eval", "difficulty", "--a", "x.jsonl"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("required option '--b <file>' not specified");
  });

  it("lets only the commands that say so take a repeatable flag twice; another refuses the second in one line", async () => {
    const parse = (repeatable: boolean, args: string[]) => {
      const command = new Command("x").exitOverride().configureOutput({ writeErr: () => {} }).addOption(toOption(FLAGS.baseUrl as FlagSpec<unknown>, repeatable));
      return command.parse(args, { from: "user" }).opts().baseUrl as unknown;
    };
    expect(parse(true, ["--base-url", "http://a/v1", "--base-url", "http://b/v1"])).toEqual(["http://a/v1", "http://b/v1"]);
    expect(parse(false, ["--base-url", "http://a/v1"])).toEqual(["http://a/v1"]);
    expect(() => parse(false, ["--base-url", "http://a/v1", "--base-url", "http://b/v1"])).toThrow(
      "error: option '--base-url <url>' argument 'http://b/v1' is invalid. given more than once: this command takes one",
    );
    // synth says so for --base-url.
    const twice = await runCli(["synth", SAMPLE_CORPUS, "--dry-run", "--model", "gpt-4o-mini", "--base-url", "http://a/v1", "--base-url", "http://b/v1"]);
    expect(twice.code).toBe(0);
  });
});
