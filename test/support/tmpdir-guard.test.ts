import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./temp-dir.js";
import setup, { leftovers } from "./tmpdir-guard.js";

describe("leftovers", () => {
  it("names every file and folder but tsx's compile cache, in order", () => {
    const dir = tempDir("foveate-guard-");
    writeFileSync(path.join(dir, "b.db"), "");
    mkdirSync(path.join(dir, "a-run"));
    mkdirSync(path.join(dir, "tsx-0"));
    mkdirSync(path.join(dir, "tsx-cache"));
    expect(leftovers(dir)).toEqual(["a-run", "b.db", "tsx-cache"]);
  });
});

describe("the temporary directory guard", () => {
  it("gives the run a folder of its own and at teardown restores the old one", () => {
    const before = os.tmpdir();
    const teardown = setup();
    const runDir = os.tmpdir();
    expect(path.dirname(runDir)).toBe(before);
    expect(path.basename(runDir)).toMatch(/^foveate-test-run-/);
    mkdirSync(path.join(runDir, "tsx-0"));
    teardown();
    expect(os.tmpdir()).toBe(before);
    expect(existsSync(runDir)).toBe(false);
  });

  it("fails the run, naming what was left, and removes it", () => {
    const before = os.tmpdir();
    const exitCode = process.exitCode;
    const teardown = setup();
    const runDir = os.tmpdir();
    writeFileSync(path.join(runDir, "left.txt"), "x");
    mkdirSync(path.join(runDir, "foveate-store-x"));
    try {
      expect(teardown).toThrow(/tests left 2 entries in the temporary directory \(removed now\): foveate-store-x, left\.txt; make test folders with tempDir\(\)/);
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = exitCode;
    }
    expect(os.tmpdir()).toBe(before);
    expect(existsSync(runDir)).toBe(false);
  });
});
