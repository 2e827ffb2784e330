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

/** Runs synth with `args` (no --quiet: whatever it prints counts) and checks it was refused before any call. */
async function refusedBeforeAnyCall(corpus: string, args: string[], folders: string[]) {
  const before = await Promise.all(folders.map(snapshot));
  const result = await runCli(["synth", corpus, "--base-url", sim.baseURL, "--model", "sim-model", ...args]);
  expect(sim.stats.requests).toBe(0);
  expect(await Promise.all(folders.map(snapshot))).toEqual(before);
  return { code: result.code, stderr: result.stderr, stdout: result.stdout };
}

describe("case 2: an output or store that is the corpus, or inside the corpus folder, is refused at once", () => {
  it("-o the corpus file, or a link to it, and --store the corpus file", async () => {
    const dir = tempDir("foveate-safe-");
    const corpus = join(dir, "corpus.jsonl");
    await writeFile(corpus, await readFile(SAMPLE_CORPUS, "utf8"));
    await symlink("corpus.jsonl", join(dir, "link.jsonl"));
    const line = (label: string) => `foveate: ${label} is the corpus: writing it would destroy what is being read; name another file\n`;
    expect(await refusedBeforeAnyCall(corpus, ["-o", corpus], [dir])).toEqual({ code: 1, stderr: line(`-o "${corpus}"`), stdout: "" });
    const viaLink = join(dir, "link.jsonl");
    expect(await refusedBeforeAnyCall(corpus, ["-o", viaLink], [dir])).toEqual({ code: 1, stderr: line(`-o "${viaLink}"`), stdout: "" });
    const out = join(dir, "out.jsonl");
    expect(await refusedBeforeAnyCall(corpus, ["-o", out, "--store", corpus], [dir])).toEqual({ code: 1, stderr: line(`the run store "${corpus}"`), stdout: "" });
  });

  it("-o or --store inside the corpus folder, however deep", async () => {
    const dir = tempDir("foveate-safe-");
    const docs = join(dir, "docs");
    execFileSync("mkdir", ["-p", join(docs, "sub")]);
    await writeFile(join(docs, "a.jsonl"), await readFile(SAMPLE_CORPUS, "utf8"));
    const line = (label: string) => `foveate: ${label} lies inside the corpus folder "${docs}", which is read for documents; write it elsewhere\n`;
    for (const output of [join(docs, "out.jsonl"), join(docs, "sub", "out.jsonl"), join(docs, "sub", "..", "a.jsonl")]) {
      expect(await refusedBeforeAnyCall(docs, ["-o", output], [dir])).toEqual({ code: 1, stderr: line(`-o "${output}"`), stdout: "" });
    }
    const store = join(docs, "sub", "run.db");
    expect(await refusedBeforeAnyCall(docs, ["-o", join(dir, "out.jsonl"), "--store", store], [dir])).toEqual({ code: 1, stderr: line(`the run store "${store}"`), stdout: "" });
  });

  it("an output beside the corpus folder, whose name starts like it, is not inside it", async () => {
    const dir = tempDir("foveate-safe-");
    const docs = join(dir, "docs");
    execFileSync("mkdir", ["-p", docs]);
    await writeFile(join(docs, "a.jsonl"), await readFile(SAMPLE_CORPUS, "utf8"));
    const result = await synth(docs, "-o", join(dir, "docs-out.jsonl"));
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, "docs-out.jsonl"))).toBe(true);
  });
});

describe("case 3: output and store paths are checked before the first call", () => {
  it("-o naming a directory, -o '', -o in a missing folder: one line, exit 1, no call, no store", async () => {
    const dir = tempDir("foveate-safe-");
    execFileSync("mkdir", [join(dir, "out")]);
    const cases: Array<[string, string]> = [
      [join(dir, "out"), `-o "${join(dir, "out")}" is a directory: name the file to write the dataset to`],
      ["", `-o "" is empty: name the file to write the dataset to`],
      [join(dir, "missing", "data.jsonl"), `-o "${join(dir, "missing", "data.jsonl")}": the folder "${join(dir, "missing")}" does not exist; create it first`],
    ];
    for (const [output, line] of cases) {
      expect(await refusedBeforeAnyCall(SAMPLE_CORPUS, ["-o", output], [dir])).toEqual({ code: 1, stderr: `foveate: ${line}\n`, stdout: "" });
    }
    expect(existsSync(".foveate.db")).toBe(false);
  });

  it("--store naming a directory or in a missing folder: one line, exit 1, no call, no output", async () => {
    const dir = tempDir("foveate-safe-");
    const output = join(dir, "data.jsonl");
    const missing = join(dir, "missing", "run.db");
    const cases: Array<[string, string]> = [
      [dir, `the run store "${dir}" is a directory: name a file for the run store with --store`],
      [missing, `the run store "${missing}": the folder "${join(dir, "missing")}" does not exist; create it first`],
    ];
    for (const [store, line] of cases) {
      expect(await refusedBeforeAnyCall(SAMPLE_CORPUS, ["-o", output, "--store", store], [dir])).toEqual({ code: 1, stderr: `foveate: ${line}\n`, stdout: "" });
    }
  });

  it("--store the same file as -o", async () => {
    const dir = tempDir("foveate-safe-");
    const output = join(dir, "data.jsonl");
    const line = `foveate: the run store "${output}" is the output -o "${output}": give the store another name\n`;
    expect(await refusedBeforeAnyCall(SAMPLE_CORPUS, ["-o", output, "--store", output], [dir])).toEqual({ code: 1, stderr: line, stdout: "" });
  });
});

describe("case 3: export's output is checked before the store is read", () => {
  it("-o naming a directory, '', a missing folder or the store itself: one line, exit 1, files as they were", async () => {
    const dir = tempDir("foveate-safe-");
    const store = join(dir, "run.db");
    expect((await synth(SAMPLE_CORPUS, "-o", join(dir, "data.jsonl"), "--store", store)).code).toBe(0);
    const cases: Array<[string, string]> = [
      [dir, `-o "${dir}" is a directory: name the file to write the dataset to`],
      ["", `-o "" is empty: name the file to write the dataset to`],
      [join(dir, "missing", "x.jsonl"), `-o "${join(dir, "missing", "x.jsonl")}": the folder "${join(dir, "missing")}" does not exist; create it first`],
      [store, `-o "${store}" is the run store being exported: name another file`],
    ];
    for (const [output, line] of cases) {
      const before = await snapshotBytes(dir);
      const result = await runCli(["export", store, "-o", output]);
      expect({ code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({ code: 1, stderr: `foveate: ${line}\n`, stdout: "" });
      expect(await snapshotBytes(dir)).toEqual(before);
    }
    expect(existsSync(".partial")).toBe(false);
  });
});

/** Names and sizes and contents in hex: a SQLite store is binary. */
async function snapshotBytes(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) files[name] = (await readFile(join(dir, name))).toString("base64");
  return files;
}

describe("case 8: an empty corpus exits 1 with one line, before any call, leaving no store", () => {
  it("an empty file, an empty folder, a header-only CSV, [], every line skipped", async () => {
    const dir = tempDir("foveate-safe-");
    const corpora = join(dir, "corpora");
    execFileSync("mkdir", ["-p", join(corpora, "empty-folder"), join(corpora, "folder-of-nothing")]);
    await writeFile(join(corpora, "empty.jsonl"), "");
    await writeFile(join(corpora, "blank-lines.jsonl"), "\n\n");
    await writeFile(join(corpora, "header.csv"), "id,content\n");
    await writeFile(join(corpora, "empty-array.json"), "[]");
    await writeFile(join(corpora, "bad.jsonl"), '{"content": 1}\nnot json\n{"text": "no content field"}\n');
    await writeFile(join(corpora, "folder-of-nothing", "notes.rtf"), "not a corpus file");
    await writeFile(join(corpora, "folder-of-nothing", "empty.jsonl"), "");
    const noRecords = "no documents to synthesize: the file holds no records";
    const noFile =
      "no documents to synthesize: no .jsonl, .ndjson, .json, .csv, .txt, .md, .markdown, .pdf, .docx, .doc, .html, .htm or .epub file in this folder holds one";
    const cases: Array<[string, string[], string]> = [
      ["empty.jsonl", [], noRecords],
      ["blank-lines.jsonl", [], noRecords],
      ["header.csv", [], noRecords],
      ["empty-array.json", [], noRecords],
      ["empty-folder", [], noFile],
      ["folder-of-nothing", [], noFile],
      ["bad.jsonl", ["--on-bad-input", "skip", "--quiet"], "no documents to synthesize: all 3 records were skipped as bad input"],
    ];
    for (const [name, extra, problem] of cases) {
      const corpus = join(corpora, name);
      const output = join(dir, `${name}.out.jsonl`);
      const result = await refusedBeforeAnyCall(corpus, ["-o", output, ...extra], [dir]);
      expect(result, name).toEqual({ code: 1, stderr: `foveate: ${corpus}: ${problem}\n`, stdout: "" });
      expect(existsSync(`${output}.foveate.db`), name).toBe(false);
    }
  });

  it("--dry-run says the same", async () => {
    const dir = tempDir("foveate-safe-");
    await writeFile(join(dir, "empty.jsonl"), "");
    const result = await refusedBeforeAnyCall(join(dir, "empty.jsonl"), ["--dry-run"], [dir]);
    expect(result).toEqual({ code: 1, stderr: `foveate: ${join(dir, "empty.jsonl")}: no documents to synthesize: the file holds no records\n`, stdout: "" });
  });
});
