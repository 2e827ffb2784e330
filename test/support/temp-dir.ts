import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, onTestFinished, TestRunner } from "vitest";

/**
 * Creates a new folder in the temporary directory and removes it, with everything in it, once it is
 * no longer needed: when the test ends if called in a test or a beforeEach hook; when the suite
 * ends if called while a describe block (or the file) is collected, for a folder its tests share.
 */
export function tempDir(prefix: string): string {
  const collecting = TestRunner.getCurrentSuite().file?.result === undefined;
  const inTest = TestRunner.getCurrentTest() !== undefined;
  if (!inTest && !collecting) {
    // In beforeAll or afterAll no test owns the folder, and the suite's hooks are already fixed.
    throw new Error("tempDir() works in a test, a beforeEach, or a describe block's body; not in beforeAll or afterAll");
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (inTest) onTestFinished(remove);
  else afterAll(remove);
  return dir;
}
