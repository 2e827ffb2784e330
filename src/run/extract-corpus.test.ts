import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { ConfigError, InputError } from "../errors.js";
import { extractCorpus } from "./extract-corpus.js";
import { readCorpus } from "../corpus/read-corpus.js";
import type { SourceDocument } from "../corpus/source-document.js";
import { tempDir } from "../../test/support/temp-dir.js";

let root: string;
let corpus: string;
let out: string;

beforeEach(async () => {
  root = tempDir("foveate-extract-");
  corpus = join(root, "docs");
  out = join(root, "out");
  await mkdir(out);
});

async function put(rel: string, content: string): Promise<void> {
  const path = join(corpus, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, "utf8");
}

async function lines(path: string): Promise<Array<Record<string, unknown>>> {
  return (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("extractCorpus", () => {
  it("writes one line per document with its text, id and structure", async () => {
    await put("guide.md", "# Setup\n\nInstall *it*.\n\n## Linux\n\nUse the package.");
    await put("notes/plain.txt", "Just text.");
    await put("rows.jsonl", '{"content": "A record."}\n');
    const output = join(out, "corpus.jsonl");
    expect(await extractCorpus(corpus, { output })).toEqual({ documents: 3, skipped: 0 });
    expect(await lines(output)).toEqual([
      {
        content: "Setup\n\nInstall it.\n\nLinux\n\nUse the package.",
        source_id: "guide.md",
        source: {
          file: "guide.md",
          sections: [
            { path: ["Setup"], start: 0, end: 18 },
            { path: ["Setup", "Linux"], start: 20, end: 43 },
          ],
        },
      },
      { content: "Just text.", source_id: "notes/plain.txt", source: { file: "notes/plain.txt", sections: [{ path: [], start: 0, end: 10 }] } },
      { content: "A record.", source_id: "rows.jsonl:1" },
    ]);
  });

  it("writes what readCorpus reads back as the same documents, structure and all", async () => {
    await put("a.md", "Intro.\n\n# One\n\nFirst.\n\n# Two\n\n- item\n- other");
    await put("b.md", "## Deep\n\nText `code`.");
    const output = join(out, "corpus.jsonl");
    await extractCorpus(corpus, { output });
    const collect = async (path: string) => {
      const documents: SourceDocument[] = [];
      for await (const document of readCorpus(path)) documents.push(document);
      return documents;
    };
    const direct = await collect(corpus);
    const back = await collect(output);
    expect(back.map(({ text, structure }) => ({ text, structure }))).toEqual(direct.map(({ text, structure }) => ({ text, structure })));
    expect(back.map((d) => d.sourceId)).toEqual(direct.map((d) => d.sourceId));
  });

  it("stops at a bad file and leaves no output, or skips it and says so", async () => {
    await put("a.md", "Fine.");
    await put("b.md", "<!-- nothing -->");
    await put("c.txt", "Also fine.");
    const output = join(out, "corpus.jsonl");
    await expect(extractCorpus(corpus, { output })).rejects.toThrow(InputError);
    expect(existsSync(output)).toBe(false);
    expect(existsSync(`${output}.partial`)).toBe(false);

    const skipped: string[] = [];
    expect(await extractCorpus(corpus, { output, onBadInput: "skip", onSkip: (e) => skipped.push(e.message) })).toEqual({ documents: 2, skipped: 1 });
    expect(skipped).toEqual([`${join(corpus, "b.md")}: empty document: the Markdown file has no text`]);
    expect((await lines(output)).map((l) => l.source_id)).toEqual(["a.md", "c.txt"]);
  });

  it("refuses a corpus with nothing to extract", async () => {
    await put("empty.md", "  ");
    const output = join(out, "corpus.jsonl");
    await expect(extractCorpus(corpus, { output, onBadInput: "skip" })).rejects.toThrow("no documents to extract: all 1 were skipped as bad input");
    expect(existsSync(output)).toBe(false);
  });

  it("refuses to write into the corpus folder or over the corpus", async () => {
    await put("a.md", "Text.");
    await expect(extractCorpus(corpus, { output: join(corpus, "corpus.jsonl") })).rejects.toThrow(ConfigError);
    await expect(extractCorpus(join(corpus, "a.md"), { output: join(corpus, "a.md") })).rejects.toThrow(/is the corpus/);
    expect(await readFile(join(corpus, "a.md"), "utf8")).toBe("Text.");
  });
});
