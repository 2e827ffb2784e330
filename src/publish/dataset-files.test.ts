import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { fileDigests, listDatasetFiles } from "./dataset-files.js";

describe("listDatasetFiles", () => {
  it("lists regular files by repository path, leaving out dot-files and dot-folders", async () => {
    const dir = tempDir("foveate-push-");
    mkdirSync(path.join(dir, "data"));
    mkdirSync(path.join(dir, ".cache"));
    writeFileSync(path.join(dir, "README.md"), "# card\n");
    writeFileSync(path.join(dir, "data", "train-00000-of-00001.parquet"), Buffer.alloc(10, 1));
    writeFileSync(path.join(dir, ".DS_Store"), "x");
    writeFileSync(path.join(dir, ".cache", "x"), "x");
    const files = await listDatasetFiles(dir);
    expect(files.map((f) => [f.path, f.size])).toEqual([
      ["README.md", 7],
      ["data/train-00000-of-00001.parquet", 10],
    ]);
    expect(files[1]!.absolute).toBe(path.join(dir, "data", "train-00000-of-00001.parquet"));
  });

  it("refuses a missing folder, a file, an empty folder and a link, naming the path", async () => {
    const dir = tempDir("foveate-push-");
    const file = path.join(dir, "f.txt");
    writeFileSync(file, "x");
    mkdirSync(path.join(dir, "empty"));
    writeFileSync(path.join(dir, "empty", ".hidden"), "x");
    mkdirSync(path.join(dir, "linked"));
    symlinkSync(file, path.join(dir, "linked", "l.txt"));
    const cases: Array<[string, string]> = [
      [path.join(dir, "nope"), "no such folder"],
      [file, "not a folder"],
      [path.join(dir, "empty"), "holds no files to upload"],
      [path.join(dir, "linked"), "not a regular file (a link)"],
    ];
    for (const [target, why] of cases) {
      const error = await listDatasetFiles(target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toContain(why);
      expect((error as Error).message).toContain(target);
    }
  });
});

describe("fileDigests", () => {
  it("gives git's blob id and the SHA-256", async () => {
    const dir = tempDir("foveate-push-");
    const file = path.join(dir, "a.txt");
    writeFileSync(file, "hello\n");
    const digests = await fileDigests(file);
    // `git hash-object` of "hello\n", and sha256sum of the same bytes.
    expect(digests.gitOid).toBe("ce013625030ba8dba906f756967f9e9ca394464a");
    expect(digests.sha256).toBe("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
  });
});
