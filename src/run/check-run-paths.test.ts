import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { ConfigError } from "../errors.js";
import { checkOutputPath, checkRunPaths } from "./check-run-paths.js";

describe("checkRunPaths", () => {
  it("lets a new file, an existing file, a device and a FIFO be written", async () => {
    const dir = tempDir("foveate-paths-");
    const corpus = join(dir, "c.jsonl");
    await writeFile(corpus, "{}\n");
    await writeFile(join(dir, "old.jsonl"), "old\n");
    execFileSync("mkfifo", [join(dir, "out.fifo")]);
    for (const output of [join(dir, "new.jsonl"), join(dir, "old.jsonl"), "/dev/null", join(dir, "out.fifo"), undefined]) {
      await expect(checkRunPaths({ corpus, output, store: join(dir, "run.db") })).resolves.toBeUndefined();
    }
  });

  it("leaves a corpus it cannot find to the corpus reader, which names it", async () => {
    const dir = tempDir("foveate-paths-");
    await expect(checkRunPaths({ corpus: join(dir, "typo.jsonl"), output: join(dir, "o.jsonl"), store: join(dir, "o.db") })).resolves.toBeUndefined();
  });

  it("refuses standard output's store inside the corpus folder", async () => {
    const dir = tempDir("foveate-paths-");
    await mkdir(join(dir, "docs"));
    const store = join(dir, "docs", "foveate-run.foveate.db");
    await expect(checkRunPaths({ corpus: join(dir, "docs"), output: undefined, store })).rejects.toThrow(
      new ConfigError(`the run store "${store}" lies inside the corpus folder "${join(dir, "docs")}", which is read for documents; write it elsewhere`),
    );
  });
});

describe("checkOutputPath", () => {
  it("refuses an empty path, a directory and a path under a file", async () => {
    const dir = tempDir("foveate-paths-");
    await writeFile(join(dir, "file"), "");
    await expect(checkOutputPath("")).rejects.toThrow('-o "" is empty');
    await expect(checkOutputPath(dir)).rejects.toThrow("is a directory");
    await expect(checkOutputPath(join(dir, "file", "x.jsonl"))).rejects.toThrow(`: "${join(dir, "file")}" is not a folder`);
  });
});
