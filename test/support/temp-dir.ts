import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, onTestFinished, TestRunner } from "vitest";

/**
 * Creates a new folder in the temporary directory and removes it, with everything in it, once it is
 * no longer needed: when the test ends if called in a test or a beforeEach hook; when the suite
 * ends if called while a describe block (or the file) is collected, for a folder its tests share.
 * Not from beforeAll: no test runs there and the suite has been collected, so nothing could own it.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (TestRunner.getCurrentTest()) onTestFinished(remove);
  else afterAll(remove);
  return dir;
}
