import { execFileSync } from "node:child_process";
import { createReadStream, existsSync } from "node:fs";
import { lstat, readFile, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { JsonlWriter } from "./jsonl-writer.js";

async function writeAll(target: string, records: unknown[]): Promise<void> {
  const writer = await JsonlWriter.open(target);
  for (const record of records) await writer.write(record);
  await writer.commit();
}

describe("JsonlWriter", () => {
  it("writes a regular file through .partial and puts it in place only on commit", async () => {
    const path = join(tempDir("foveate-writer-"), "out.jsonl");
    await writeFile(path, "old\n");
    const writer = await JsonlWriter.open(path);
    await writer.write({ a: 1 });
    expect(await readFile(path, "utf8")).toBe("old\n");
    expect(existsSync(`${path}.partial`)).toBe(true);
    await writer.commit();
    expect(await readFile(path, "utf8")).toBe('{"a":1}\n');
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it("replaces the target of a symbolic link and keeps the link", async () => {
    const dir = tempDir("foveate-writer-");
    const target = join(dir, "target.jsonl");
    const link = join(dir, "link.jsonl");
    await writeFile(target, "old\n");
    await symlink(target, link);
    await writeAll(link, [{ a: 1 }]);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(target);
    expect(await readFile(target, "utf8")).toBe('{"a":1}\n');
    expect(existsSync(`${link}.partial`) || existsSync(`${target}.partial`)).toBe(false);
  });

  it("writes through a dangling symbolic link, creating its target and keeping the link", async () => {
    const dir = tempDir("foveate-writer-");
    const link = join(dir, "link.jsonl");
    await symlink("target.jsonl", link);
    await writeAll(link, [{ a: 1 }]);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, "target.jsonl"), "utf8")).toBe('{"a":1}\n');
  });

  it("writes through to a device, directly or through a link, and leaves it a device", async () => {
    const link = join(tempDir("foveate-writer-"), "null.jsonl");
    await symlink("/dev/null", link);
    for (const path of ["/dev/null", link]) {
      await writeAll(path, [{ a: 1 }]);
      const writer = await JsonlWriter.open(path);
      await writer.write({ b: 2 });
      await writer.abandon();
      expect((await stat("/dev/null")).isCharacterDevice()).toBe(true);
    }
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(existsSync("/dev/null.partial")).toBe(false);
  });

  it.runIf(existsSync("/dev/full"))("reports a full device as a failed write or commit, not as a crash", async () => {
    const writer = await JsonlWriter.open("/dev/full");
    // A small record is taken into the stream's buffer; the device's ENOSPC comes back later, as an
    // event, while the run waits for its next record: with nobody listening, that event ends the process.
    await writer.write({ instruction: "x" });
    let failure: unknown;
    for (let turn = 0; turn < 1000 && failure === undefined; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
      failure = await writer.write({ turn }).then(() => undefined, (error: unknown) => error);
    }
    expect(failure).toMatchObject({ code: "ENOSPC" });
    await expect(writer.commit()).rejects.toMatchObject({ code: "ENOSPC" });
    expect((await lstat("/dev/full")).isCharacterDevice()).toBe(true);
  });

  it("writes through to a FIFO, which a reader receives whole, and leaves the FIFO in place", async () => {
    const dir = tempDir("foveate-writer-");
    const fifo = join(dir, "out.fifo");
    execFileSync("mkfifo", [fifo]);
    const received = text(createReadStream(fifo));
    await writeAll(fifo, [{ a: 1 }, { b: 2 }]);
    expect(await received).toBe('{"a":1}\n{"b":2}\n');
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    expect(existsSync(`${fifo}.partial`)).toBe(false);
  });
});
