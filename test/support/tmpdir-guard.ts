import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** tsx, which spawned children run under, caches what it compiles in os.tmpdir()/tsx-<uid>. */
const TOOL_CACHE = /^tsx-\d+$/;

/** What tests left in `dir`: every entry but the tool caches, by name. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !TOOL_CACHE.test(name))
    .sort();
}

/**
 * Vitest global setup: the run gets a temporary directory of its own, which its workers and the
 * processes they spawn inherit through the environment. At teardown the run fails if a test left
 * anything there, naming it; the folder is removed either way. A run store written into the
 * working directory (a run without -o or --store) fails the run too, and is left for a look.
 */
export default function setup(): () => void {
  const saved = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP };
  const stores = () => new Set(readdirSync(process.cwd()).filter((name) => name.includes(".foveate.db")));
  const storesBefore = stores();
  const runDir = mkdtempSync(path.join(os.tmpdir(), "foveate-test-run-"));
  // TMPDIR is what os.tmpdir() reads on POSIX, TEMP and TMP on Windows.
  Object.assign(process.env, { TMPDIR: runDir, TMP: runDir, TEMP: runDir });
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    const left = leftovers(runDir);
    rmSync(runDir, { recursive: true, force: true });
    const newStores = [...stores()].filter((name) => !storesBefore.has(name));
    if (newStores.length > 0) {
      process.exitCode = 1;
      throw new Error(`tests wrote run stores into the working directory: ${newStores.join(", ")}; give each run -o or --store in a tempDir()`);
    }
    if (left.length > 0) {
      // Vitest only logs an error thrown at teardown; the exit code is what fails the run.
      process.exitCode = 1;
      throw new Error(
        `tests left ${left.length} entries in the temporary directory (removed now): ${left.join(", ")}; ` +
          "make test folders with tempDir() from test/support/temp-dir.ts",
      );
    }
  };
}
