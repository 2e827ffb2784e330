import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimServer } from "../support/sim-server.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { tempDir } from "../support/temp-dir.js";

let sim: SimServer;
beforeAll(async () => (sim = await startSimServer()));
afterAll(() => sim.close());

const synthArgs = (output: string, ...more: string[]) => ["synth", SAMPLE_CORPUS, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--mu", "2", ...more];

/** Every file under `dir` with its bytes, to show a command left the user's files as they were. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => statSync(join(dir, f)).isFile())
      .map((f) => [f, createHash("sha256").update(readFileSync(join(dir, f))).digest("hex")]),
  );
}

describe("store integrity (issue 12, case 5)", () => {
  it("synth on a damaged store: refused at open, before any call, the store as it was", async () => {
    const dir = tempDir("foveate-guard-");
    sim.setOptions(DEFAULT_SIM_OPTIONS);
    const output = join(dir, "data.jsonl");
    expect((await runCli(synthArgs(output))).code).toBe(0);
    const store = `${output}.foveate.db`;
    const bytes = await readFile(store);
    // The header and the first pages stay sound, the rest is garbage: SQLite opens it without a word.
    for (let i = 4096 * 3; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    await writeFile(store, bytes);
    const before = snapshot(dir);
    sim.resetStats();
    const run = await runCli(synthArgs(output));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`foveate: run store ${store}: cannot open it: the store is damaged (corrupt)\n`);
    expect(sim.stats.requests).toBe(0);
    expect(snapshot(dir)).toEqual(before);
  });

  it("another program's SQLite file as --store: refused and left untouched, for synth and status", async () => {
    const dir = tempDir("foveate-guard-");
    const theirs = join(dir, "contacts.sqlite");
    const db = new Database(theirs);
    db.exec("CREATE TABLE contacts (name TEXT, phone TEXT); INSERT INTO contacts VALUES ('Ada', '555-0100')");
    db.close();
    const before = snapshot(dir);
    sim.resetStats();
    const line = `foveate: run store ${theirs}: another program's SQLite database, not a foveate store; it was left untouched\n`;
    const run = await runCli(synthArgs(join(dir, "data.jsonl"), "--store", theirs));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(line);
    expect(sim.stats.requests).toBe(0);
    const status = await runCli(["status", theirs]);
    expect(status.code).toBe(1);
    expect(status.stderr).toBe(line);
    expect(snapshot(dir)).toEqual(before);
  });

  it("an empty file as --store is a new store", async () => {
    const dir = tempDir("foveate-guard-");
    sim.setOptions(DEFAULT_SIM_OPTIONS);
    const store = join(dir, "run.db");
    await writeFile(store, "");
    const run = await runCli(synthArgs(join(dir, "data.jsonl"), "--store", store));
    expect(run.code).toBe(0);
    expect((await runCli(["status", store])).code).toBe(0);
  });
});

describe("one writer per store (issue 12, case 6)", () => {
  it("a second synth on a store in use is refused at once, naming the store and its process; the first goes on", async () => {
    const dir = tempDir("foveate-guard-");
    sim.setOptions(DEFAULT_SIM_OPTIONS);
    const output = join(dir, "data.jsonl");
    const store = `${output}.foveate.db`;
    // Once 10 replies are delivered the simulator holds every further request: the first run is in flight.
    const holding = sim.holdAfterDelivered(10);
    // At most 4 calls at once: once 4 are held, the first run sends nothing more until released.
    const first = runCli(synthArgs(output, "--concurrency", "4"));
    const release = await holding;
    while (sim.stats.inFlight < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    // SQLite's shared-memory index (-shm) is its own bookkeeping, touched by any reader.
    const userFiles = () => Object.fromEntries(Object.entries(snapshot(dir)).filter(([f]) => !f.endsWith("-shm")));
    const before = userFiles();
    expect(Object.keys(before)).toContain("data.jsonl.partial");
    const requests = sim.stats.requests;
    const second = await runCli(synthArgs(output));
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `foveate: run store ${store}: in use by another run (process ${process.pid}); wait for it to end, or give this run another --store\n`,
    );
    expect(sim.stats.requests).toBe(requests);
    expect(userFiles()).toEqual(before);
    // Readers still work while the run goes on.
    const status = await runCli(["status", store]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("replies");
    expect((await runCli(["export", store])).code).toBe(0);
    release();
    const done = await first;
    expect(done.code).toBe(0);
    expect(existsSync(output)).toBe(true);
    // The store is free again: the same command resumes with no call.
    sim.resetStats();
    expect((await runCli(synthArgs(output, "--concurrency", "4"))).code).toBe(0);
    expect(sim.stats.chatRequests).toBe(0);
  }, 60_000);
});
