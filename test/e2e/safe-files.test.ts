import { execFileSync } from "node:child_process";
import { createReadStream, existsSync } from "node:fs";
import { lstat, readdir, readFile, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimServer } from "../support/sim-server.js";
import { tempDir } from "../support/temp-dir.js";

let sim: SimServer;
beforeAll(async () => {
  sim = await startSimServer();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.setOptions(DEFAULT_SIM_OPTIONS);
  sim.resetStats();
});

/** A small, quick run against the simulator: the first two documents, one level. */
const synth = (corpus: string, ...args: string[]) =>
  runCli(["synth", corpus, "--base-url", sim.baseURL, "--model", "sim-model", "--limit", "2", "--mu", "2", "--levels", "micro", "--quiet", ...args]);

/** Every file under `dir` with its content (a link as "-> target"), to show the folder is as it was. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const path = join(dir, name);
    const info = await lstat(path);
    if (info.isSymbolicLink()) files[name] = `-> ${await readlink(path)}`;
    else if (info.isFIFO()) files[name] = "fifo";
    else if (info.isFile()) files[name] = await readFile(path, "utf8");
    else if (info.isDirectory()) files[name] = "dir";
  }
  return files;
}

describe("case 1: an output that is not a regular file is written through, never replaced", () => {
  it("-o /dev/null leaves the null device a device", async () => {
    const dir = tempDir("foveate-safe-");
    const result = await synth(SAMPLE_CORPUS, "-o", "/dev/null", "--store", join(dir, "run.db"));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect((await stat("/dev/null")).isCharacterDevice()).toBe(true);
    expect(existsSync("/dev/null.partial")).toBe(false);
  });

  it("-o a FIFO sends the dataset to its reader and leaves the FIFO in place", async () => {
    const dir = tempDir("foveate-safe-");
    const fifo = join(dir, "data.fifo");
    execFileSync("mkfifo", [fifo]);
    const received = text(createReadStream(fifo));
    const result = await synth(SAMPLE_CORPUS, "-o", fifo, "--store", join(dir, "run.db"));
    expect(result.code).toBe(0);
    const records = (await received).trim().split("\n").map((line) => JSON.parse(line) as { level: string });
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.level === "micro")).toBe(true);
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    expect(existsSync(`${fifo}.partial`)).toBe(false);
  });

  it("-o a symbolic link writes its target and keeps the link; a link to /dev/null leaves the device", async () => {
    const dir = tempDir("foveate-safe-");
    await writeFile(join(dir, "target.jsonl"), "old\n");
    await symlink("target.jsonl", join(dir, "data.jsonl"));
    await symlink("/dev/null", join(dir, "null.jsonl"));
    const result = await synth(SAMPLE_CORPUS, "-o", join(dir, "data.jsonl"));
    expect(result.code).toBe(0);
    expect(await readlink(join(dir, "data.jsonl"))).toBe("target.jsonl");
    expect((await readFile(join(dir, "target.jsonl"), "utf8")).split("\n").length).toBeGreaterThan(2);
    const toNull = await synth(SAMPLE_CORPUS, "-o", join(dir, "null.jsonl"));
    expect(toNull.code).toBe(0);
    expect(await readlink(join(dir, "null.jsonl"))).toBe("/dev/null");
    expect((await stat("/dev/null")).isCharacterDevice()).toBe(true);
    expect(Object.keys(await snapshot(dir)).filter((name) => name.endsWith(".partial"))).toEqual([]);
  });
});
