import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/temp-dir.js";
import { defaultStorePath, storeName } from "./default-store-path.js";

describe("storeName", () => {
  it("names the store for the corpus, with a hash of its path and the settings", () => {
    const name = storeName("/data/news 2024.jsonl", { mu: 8 });
    expect(name).toMatch(/^foveate-news-2024-[0-9a-f]{10}\.foveate\.db$/);
    expect(storeName("/data/news 2024.jsonl", { mu: 8 })).toBe(name);
    expect(storeName("/other/news 2024.jsonl", { mu: 8 })).not.toBe(name);
    expect(storeName("/data/news 2024.jsonl", { mu: 9 })).not.toBe(name);
  });

  it("keeps a folder's name, and falls back to 'corpus' when nothing of the name can be used", () => {
    expect(storeName("/data/docs", {})).toMatch(/^foveate-docs-[0-9a-f]{10}\.foveate\.db$/);
    expect(storeName("/", {})).toMatch(/^foveate-corpus-[0-9a-f]{10}\.foveate\.db$/);
  });
});

describe("defaultStorePath", () => {
  it("puts the store in the working folder when the corpus is a file or a folder elsewhere", () => {
    const dir = tempDir("foveate-store-path-");
    writeFileSync(join(dir, "corpus.jsonl"), "");
    mkdirSync(join(dir, "docs"));
    mkdirSync(join(dir, "work"));
    const work = join(dir, "work");
    const inWork = (path: string) => relative(work, join(process.cwd(), path));
    expect(inWork(defaultStorePath("../corpus.jsonl", {}, work))).toMatch(/^foveate-corpus-[0-9a-f]{10}\.foveate\.db$/);
    expect(inWork(defaultStorePath("../docs", {}, work))).toMatch(/^foveate-docs-[0-9a-f]{10}\.foveate\.db$/);
  });

  it("puts it beside the corpus folder when the working folder is that folder or inside it", () => {
    const dir = realpathSync(tempDir("foveate-store-path-"));
    mkdirSync(join(dir, "docs", "deep"), { recursive: true });
    const docs = join(dir, "docs");
    const here = defaultStorePath(".", {}, docs);
    expect(relative(dir, here)).toMatch(/^foveate-docs-[0-9a-f]{10}\.foveate\.db$/);
    expect(defaultStorePath("..", {}, join(docs, "deep"))).toBe(here);
    expect(defaultStorePath(docs, {}, docs)).toBe(here);
  });
});
