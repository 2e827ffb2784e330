import { existsSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "./temp-dir.js";

// Each check of removal runs in the test after the one that made the folder: tests of a file run in order.

describe("a folder made in a test", () => {
  let made = "";

  it("is new, empty, named with the prefix, in the temporary directory, and writable", () => {
    made = tempDir("foveate-temp-dir-");
    expect(path.dirname(made)).toBe(os.tmpdir());
    expect(path.basename(made)).toMatch(/^foveate-temp-dir-.+/);
    expect(readdirSync(made)).toEqual([]);
    expect(tempDir("foveate-temp-dir-")).not.toBe(made);
    writeFileSync(path.join(made, "f.txt"), "x");
    expect(existsSync(path.join(made, "f.txt"))).toBe(true);
  });

  it("is gone, with what was in it, once that test has ended", () => {
    expect(made).not.toBe("");
    expect(existsSync(made)).toBe(false);
  });
});

describe("a folder made in beforeEach", () => {
  const seen: string[] = [];
  beforeEach(() => {
    seen.push(tempDir("foveate-temp-dir-each-"));
  });

  it("is there during its test", () => {
    expect(existsSync(seen.at(-1)!)).toBe(true);
  });

  it("is gone once its test has ended, and the next test has a new one", () => {
    expect(seen).toHaveLength(2);
    expect(existsSync(seen[0]!)).toBe(false);
    expect(existsSync(seen[1]!)).toBe(true);
  });
});

let shared = "";
describe("a folder made while a suite is collected", () => {
  shared = tempDir("foveate-temp-dir-suite-");

  it("is there for the first test", () => {
    writeFileSync(path.join(shared, "f.txt"), "x");
  });

  it("and still there, with what it holds, for the next", () => {
    expect(existsSync(path.join(shared, "f.txt"))).toBe(true);
  });
});

describe("after that suite", () => {
  it("the folder is gone", () => {
    expect(shared).not.toBe("");
    expect(existsSync(shared)).toBe(false);
  });
});

describe("a folder asked for in beforeAll", () => {
  let error: unknown;
  beforeAll(() => {
    try {
      tempDir("foveate-temp-dir-all-");
    } catch (e) {
      error = e;
    }
  });

  it("is refused, since nothing would remove it", () => {
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/not in beforeAll or afterAll/);
  });
});
