import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { repoRoot } from "../support/repo-root.js";
import { runCli } from "../support/run-cli.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimServer } from "../support/sim-server.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";

/** When set, the output streams of the next run fail with ENOSPC after this many bytes: a full disk. */
const disk = vi.hoisted(() => ({ fullAfter: undefined as number | undefined }));
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  return {
    ...actual,
    createWriteStream: (path: string, options: unknown) => {
      const stream = actual.createWriteStream(path, options as never);
      if (disk.fullAfter === undefined) return stream;
      let room = disk.fullAfter;
      const full = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
      const write = stream._write.bind(stream);
      stream._write = (chunk: Buffer, encoding: BufferEncoding, done: (error?: Error | null) => void) => {
        room -= chunk.length;
        if (room >= 0) return write(chunk, encoding, done);
        done(full());
      };
      // Chunks that queued up while a write was under way go out together, through _writev.
      const writev = stream._writev!.bind(stream);
      stream._writev = (chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, done: (error?: Error | null) => void) => {
        room -= chunks.reduce((n, { chunk }) => n + chunk.length, 0);
        if (room >= 0) return writev(chunks, done);
        done(full());
      };
      return stream;
    },
  };
});

let sim: SimServer;
beforeAll(async () => (sim = await startSimServer()));
afterAll(() => sim.close());

const lastLine = (text: string) => text.trim().split("\n").at(-1);
const synthArgs = (corpus: string, output: string, ...more: string[]) => ["synth", corpus, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--mu", "2", ...more];

/** Every file under `dir` with its bytes, to show a command left the user's files as they were. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(dir, f)).isFile()).map((f) => [f, createHash("sha256").update(readFileSync(join(dir, f))).digest("hex")]));
}

async function aStore(dir: string): Promise<string> {
  sim.setOptions(DEFAULT_SIM_OPTIONS);
  const output = join(dir, "data.jsonl");
  expect((await runCli(synthArgs(SAMPLE_CORPUS, output))).code).toBe(0);
  return `${output}.foveate.db`;
}

describe("a user's mistake is one line and exit 1, not an unexpected error", () => {
  it("--base-url that is not a URL", async () => {
    const dir = tempDir("foveate-honest-");
    const before = snapshot(dir);
    const run = await runCli(synthArgs(SAMPLE_CORPUS, join(dir, "out.jsonl"), "--base-url", "notaurl"));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('foveate: base URL "notaurl" is not an http(s) URL; give one like http://localhost:8000/v1\n');
    expect(snapshot(dir)).toEqual(before);
  });

  it("a full disk under the output (ENOSPC)", async () => {
    const dir = tempDir("foveate-honest-");
    sim.setOptions(DEFAULT_SIM_OPTIONS);
    disk.fullAfter = 2000;
    const run = await runCli(synthArgs(SAMPLE_CORPUS, join(dir, "out.jsonl"))).finally(() => (disk.fullAfter = undefined));
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toBe("foveate: no space left on the device (ENOSPC)");
    expect(run.stderr).not.toContain("unexpected error");
    expect(readdirSync(dir)).toEqual(["out.jsonl.foveate.db"]);
  });

  it("status on a file that is not a store", async () => {
    const dir = tempDir("foveate-honest-");
    const notes = join(dir, "notes.txt");
    await writeFile(notes, "not a store at all, just some notes that are long enough to be read\n".repeat(20));
    const before = snapshot(dir);
    const run = await runCli(["status", notes]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`foveate: run store ${notes}: cannot open it: the file is not a foveate store\n`);
    expect(snapshot(dir)).toEqual(before);
  });

  it("status on a corrupt store", async () => {
    const dir = tempDir("foveate-honest-");
    const store = await aStore(dir);
    const bytes = await readFile(store);
    // Spoil every page after the first: the header still says SQLite, the tables are garbage.
    for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    await writeFile(store, bytes);
    const before = snapshot(dir);
    const run = await runCli(["status", store]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^foveate: run store ${store}: cannot .*: the store is damaged \\(corrupt\\)\\n$`));
    expect(snapshot(dir)).toEqual(before);
  });

  it("a directory where a file is expected (EISDIR)", async () => {
    const dir = tempDir("foveate-honest-");
    const folder = join(dir, "folder");
    await mkdir(folder);
    const before = snapshot(dir);
    const status = await runCli(["status", folder]);
    expect(status.code).toBe(1);
    expect(status.stderr).toBe(`foveate: run store ${folder}: is a directory, not a store file\n`);
    const diversity = await runCli(["eval", "diversity", folder]);
    expect(diversity.code).toBe(1);
    expect(diversity.stderr).toBe("foveate: a directory where a file is expected (EISDIR)\n");
    expect(snapshot(dir)).toEqual(before);
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe("SIGTERM and SIGHUP stop a run as Ctrl-C does", () => {
  for (const [signal, code] of [["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    it(`${signal}: no new calls, the summary and how to resume, exit ${code}; the run resumes`, async () => {
      const dir = tempDir("foveate-honest-");
      sim.setOptions(DEFAULT_SIM_OPTIONS);
      // Once 20 replies are delivered the simulator holds every further request: calls are in flight.
      const holding = sim.holdAfterDelivered(20);
      const output = join(dir, "data.jsonl");
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...synthArgs(SAMPLE_CORPUS, output)], { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      let onStderr = () => {};
      child.stderr!.on("data", (d) => {
        stderr += d;
        onStderr();
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      const release = await holding;
      child.kill(signal);
      await new Promise<void>((resolve) => (onStderr = () => stderr.includes("stopping: no new calls") && resolve()));
      release();
      expect(await exited).toBe(code);
      expect(stderr).toContain("Documents:");
      expect(stderr).toContain("Nothing is lost: run the same command again");
      expect(lastLine(stderr)).toBe("foveate: interrupted");
      expect(existsSync(output)).toBe(false);
      expect(existsSync(`${output}.partial`)).toBe(false);
      sim.setOptions(DEFAULT_SIM_OPTIONS);
      expect((await runCli(synthArgs(SAMPLE_CORPUS, output))).code).toBe(0);
    }, 60_000);
  }
});

describe("no stray files", () => {
  it("status and export leave no -wal or -shm file beside the store", async () => {
    const dir = tempDir("foveate-honest-");
    const store = await aStore(dir);
    const before = snapshot(dir);
    expect(Object.keys(before).sort()).toEqual(["data.jsonl", "data.jsonl.foveate.db"]);
    expect((await runCli(["status", store])).code).toBe(0);
    expect((await runCli(["export", store])).code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
  });

  it("a 401 at the first call leaves no empty store behind", async () => {
    const dir = tempDir("foveate-honest-");
    sim.setOptions({ ...DEFAULT_SIM_OPTIONS, apiKey: "sk-right" });
    const run = await runCli(synthArgs(SAMPLE_CORPUS, join(dir, "out.jsonl"), "--api-key", "sk-wrong"));
    sim.setOptions(DEFAULT_SIM_OPTIONS);
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toMatch(/401/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a typo in the corpus path leaves no store behind", async () => {
    const dir = tempDir("foveate-honest-");
    const run = await runCli(synthArgs(join(dir, "corpsu.jsonl"), join(dir, "out.jsonl")));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`foveate: ${join(dir, "corpsu.jsonl")}: cannot read: no such file or directory\n`);
    expect(readdirSync(dir)).toEqual([]);
  });
});
