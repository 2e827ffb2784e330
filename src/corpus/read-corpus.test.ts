import { mkdir, symlink, truncate, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { MAX_DOCUMENT_BYTES, readCorpus, type ReadCorpusOptions } from "./read-corpus.js";
import type { SourceDocument } from "./source-document.js";
import { SAMPLE_CORPUS } from "../../test/support/fixtures.js";
import { tempDir } from "../../test/support/temp-dir.js";

let root: string;

beforeEach(() => {
  root = tempDir("foveate-corpus-");
});

/** Writes `content` at `rel` under the temp root (creating folders) and returns the full path. */
async function put(rel: string, content: string): Promise<string> {
  const path = join(root, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, "utf8");
  return path;
}

async function collect(path: string, options?: ReadCorpusOptions): Promise<SourceDocument[]> {
  const docs: SourceDocument[] = [];
  for await (const doc of readCorpus(path, options)) docs.push(doc);
  return docs;
}

/** Reads in skip mode and returns both the documents and the reported problems. */
async function collectSkipping(path: string, options?: ReadCorpusOptions) {
  const skipped: InputError[] = [];
  const docs = await collect(path, {
    ...options,
    onBadInput: "skip",
    onSkip: (error) => skipped.push(error),
  });
  return { docs, skipped };
}

/** The InputError thrown by reading `path` in fail mode. */
async function failure(path: string, options?: ReadCorpusOptions): Promise<InputError> {
  try {
    await collect(path, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("expected readCorpus to fail");
}

const jsonl = (...records: unknown[]) => records.map((r) => JSON.stringify(r)).join("\n") + "\n";

describe("JSONL", () => {
  it("yields one document per line with name:line sourceIds, ignoring blank lines", async () => {
    const path = await put(
      "docs.jsonl",
      `${JSON.stringify({ content: "first" })}\n\n   \n${JSON.stringify({ content: "second", id: 7 })}\n`,
    );
    expect(await collect(path)).toEqual([
      { index: 0, sourceId: "docs.jsonl:1", text: "first" },
      { index: 1, sourceId: "docs.jsonl:4", text: "second" },
    ]);
  });

  it("accepts .ndjson, upper-case extensions, CRLF line ends and a missing final newline", async () => {
    const path = await put("DOCS.NDJSON", '{"content":"a"}\r\n{"content":"b"}');
    expect((await collect(path)).map((d) => [d.sourceId, d.text])).toEqual([
      ["DOCS.NDJSON:1", "a"],
      ["DOCS.NDJSON:2", "b"],
    ]);
  });

  it("reports a malformed line with file and line", async () => {
    const path = await put("bad.jsonl", '{"content":"ok"}\n{"content": oops}\n');
    const error = await failure(path);
    expect(error.file).toBe(path);
    expect(error.line).toBe(2);
    expect(error.message).toMatch(new RegExp(`^${escape(path)}:2: invalid JSON: `));
  });

  it("reports records that are not objects", async () => {
    const path = await put("arr.jsonl", "[1, 2]\n");
    expect((await failure(path)).message).toBe(`${path}:1: expected a JSON object, got an array`);
  });

  it("reports a missing text field, listing the record's fields", async () => {
    const path = await put("nofield.jsonl", jsonl({ title: "t", body: "b" }));
    expect((await failure(path)).message).toBe(
      `${path}:1: no string field "content" (fields: title, body)`,
    );
  });

  it("reports a text field that is not a string", async () => {
    const path = await put("num.jsonl", jsonl({ content: 42 }));
    expect((await failure(path)).message).toBe(
      `${path}:1: no string field "content" ("content" is a number)`,
    );
  });

  it("does not list the fields of a wide record", async () => {
    const wide = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, i]));
    const path = await put("wide.jsonl", jsonl(wide));
    expect((await failure(path)).problem).toBe('no string field "content"');
  });

  it("reports empty and whitespace-only documents", async () => {
    const path = await put("empty.jsonl", jsonl({ content: "x" }, { content: " \n\t\u3000" }));
    expect((await failure(path)).message).toBe(`${path}:2: empty document`);
  });

  it("uses a custom text field", async () => {
    const path = await put("custom.jsonl", jsonl({ body: "hello", content: 1 }));
    expect(await collect(path, { textField: "body" })).toEqual([
      { index: 0, sourceId: "custom.jsonl:1", text: "hello" },
    ]);
    expect((await failure(path, { textField: "text" })).problem).toBe(
      'no string field "text" (fields: body, content)',
    );
  });

  it("strips a leading BOM", async () => {
    const path = await put("bom.jsonl", `\uFEFF${jsonl({ content: "a" })}`);
    expect((await collect(path))[0]?.text).toBe("a");
  });
});

describe("text is passed through untouched", () => {
  const samples = [
    "都江堰水利工程始建于公元前256年左右。\n第二段。",
    "  leading and trailing space, tabs\t and newlines\n\n",
    "Cafe\u0301 (decomposed) and Café (composed), naïve, Ærø, 🙂",
    "Windows\r\nline\r\nends",
  ];

  it.each(["jsonl", "json", "csv", "txt"])("in .%s files", async (ext) => {
    const content =
      ext === "jsonl"
        ? jsonl(...samples.map((s) => ({ content: s })))
        : ext === "json"
          ? JSON.stringify(samples.map((s) => ({ content: s })))
          : ext === "csv"
            ? `content\n${samples.map((s) => `"${s.replaceAll('"', '""')}"`).join("\n")}\n`
            : samples[0]!;
    const docs = await collect(await put(`t.${ext}`, content));
    const expected = ext === "txt" ? samples.slice(0, 1) : samples;
    expect(docs.map((d) => Buffer.from(d.text, "utf8"))).toEqual(
      expected.map((s) => Buffer.from(s, "utf8")),
    );
  });
});

describe("JSON", () => {
  it("reads an array with name#index sourceIds", async () => {
    const path = await put("arr.json", JSON.stringify([{ content: "a" }, { content: "b" }]));
    expect(await collect(path)).toEqual([
      { index: 0, sourceId: "arr.json#0", text: "a" },
      { index: 1, sourceId: "arr.json#1", text: "b" },
    ]);
  });

  it("reads a single object as one document named after the file", async () => {
    const path = await put("one.JSON", `\uFEFF${JSON.stringify({ content: "solo" })}`);
    expect(await collect(path)).toEqual([{ index: 0, sourceId: "one.JSON", text: "solo" }]);
  });

  it("names the element in errors and skips it in skip mode", async () => {
    const path = await put(
      "mixed.json",
      JSON.stringify([{ content: "a" }, "text", { other: 1 }, { content: "" }, { content: "e" }]),
    );
    expect((await failure(path)).message).toBe(
      `${path}: element 1: expected a JSON object, got a string`,
    );
    const { docs, skipped } = await collectSkipping(path);
    expect(docs).toEqual([
      { index: 0, sourceId: "mixed.json#0", text: "a" },
      { index: 1, sourceId: "mixed.json#4", text: "e" },
    ]);
    expect(skipped.map((e) => e.problem)).toEqual([
      "element 1: expected a JSON object, got a string",
      'element 2: no string field "content" (fields: other)',
      "element 3: empty document",
    ]);
  });

  it("reports invalid JSON on one line, with its line when the parser gives a position", async () => {
    const path = await put("broken.json", '[\n  {"content": "a"},\n  {"content": }\n]');
    const error = await failure(path);
    expect(error.problem).toMatch(/^invalid JSON: /);
    expect(error.message).not.toMatch(/[\r\n]/);

    const positioned = await put("colon.json", '[\n  {"content": "a"},\n  {"content" "b"}\n]');
    expect((await failure(positioned)).line).toBe(3);
  });

  it("rejects a top-level value that is neither array nor object", async () => {
    const path = await put("num.json", "42");
    expect((await failure(path)).message).toBe(
      `${path}: expected an array of objects or one object, got a number`,
    );
  });
});

describe("CSV", () => {
  it("reads the text column with name:line sourceIds", async () => {
    const path = await put("data.csv", "id,content\n1,alpha\n2,beta\n");
    expect(await collect(path)).toEqual([
      { index: 0, sourceId: "data.csv:2", text: "alpha" },
      { index: 1, sourceId: "data.csv:3", text: "beta" },
    ]);
  });

  it("names the line where a record with quoted multi-line fields starts", async () => {
    const path = await put(
      "multi.csv",
      'id,content\n1,"line one\nline two\n\nline four"\n\n2,"say ""hi"""\n3,"x\ny"\n4,last',
    );
    expect((await collect(path)).map((d) => [d.sourceId, d.text])).toEqual([
      ["multi.csv:2", "line one\nline two\n\nline four"],
      ["multi.csv:7", 'say "hi"'],
      ["multi.csv:8", "x\ny"],
      ["multi.csv:10", "last"],
    ]);
  });

  it("counts lines right in CRLF files with CRLF inside quoted fields", async () => {
    const path = await put(
      "crlf.csv",
      '\uFEFFid,content\r\n1,"a\r\nb"\r\n\r\n2,c\r\n3,"d\r\n\r\ne"\r\n4,f\r\n',
    );
    expect((await collect(path)).map((d) => [d.sourceId, d.text])).toEqual([
      ["crlf.csv:2", "a\r\nb"],
      ["crlf.csv:5", "c"],
      ["crlf.csv:6", "d\r\n\r\ne"],
      ["crlf.csv:9", "f"],
    ]);
  });

  it("uses a custom column", async () => {
    const path = await put("custom.csv", "body,content\nhello,x\n");
    expect((await collect(path, { textField: "body" }))[0]?.text).toBe("hello");
  });

  it("reports a missing column with the header's columns", async () => {
    const path = await put("nocol.csv", "a,b\n1,2\n");
    expect((await failure(path)).message).toBe(`${path}:1: no column "content" in header: a, b`);
  });

  it("reports empty text and wrong field counts at the record's line", async () => {
    const path = await put("bad.csv", 'id,content\n1,"  "\n2\n3,"multi\nline",extra\n4,ok\n');
    const { docs, skipped } = await collectSkipping(path);
    expect(docs).toEqual([{ index: 0, sourceId: "bad.csv:6", text: "ok" }]);
    expect(skipped.map((e) => e.message)).toEqual([
      `${path}:2: empty document`,
      `${path}:3: expected 2 fields as in the header, found 1`,
      `${path}:4: expected 2 fields as in the header, found 3`,
    ]);
  });

  it("reports an empty file", async () => {
    const path = await put("empty.csv", "");
    expect((await failure(path)).message).toBe(`${path}: no header row (empty file)`);
  });

  it("reports broken quoting and stops reading that file", async () => {
    const path = await put("quote.csv", 'id,content\n1,ok\n2,"bad"x\n3,never\n');
    const { docs, skipped } = await collectSkipping(path);
    expect(docs.map((d) => d.text)).not.toContain("never");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.line).toBe(3);
    expect(skipped[0]?.problem).toMatch(/^invalid CSV: /);
  });
});

describe("text and Markdown files", () => {
  // Until issue 14 these were passed through raw; now .md goes through the Markdown reader, so the
  // model sees "Title", not "# Title", and the heading becomes a section.
  it.each(["b.md", "c.markdown", "E.MD"])("reads %s with its headings as sections and no markup", async (name) => {
    const path = await put(name, "# Title\n\nBody with **bold**.\n");
    expect(await collect(path)).toEqual([
      { index: 0, sourceId: name, text: "Title\n\nBody with bold.", structure: { file: name, sections: [{ path: ["Title"], start: 0, end: 22 }] } },
    ]);
  });

  it.each(["a.txt", "D.TXT"])("reads %s as plain text, paragraphs at blank lines", async (name) => {
    const path = await put(name, "# Title\r\n\r\nBody.\n");
    expect(await collect(path)).toEqual([
      { index: 0, sourceId: name, text: "# Title\n\nBody.", structure: { file: name, sections: [{ path: [], start: 0, end: 14 }] } },
    ]);
  });

  it("strips a BOM and reports an empty file by its full path", async () => {
    expect((await collect(await put("bom.txt", "\uFEFFhi")))[0]?.text).toBe("hi");
    const path = await put("blank.md", " \n\n");
    expect((await failure(path)).message).toBe(`${path}: empty document: the Markdown file has no text`);
    const nested = await put("sub/blank.txt", "\n");
    const { skipped } = await collectSkipping(join(root, "sub"));
    expect(skipped.map((e) => e.message)).toEqual([`${nested}: empty document`]);
  });

  it("refuses a document file too large to read in one piece, before reading it", async () => {
    // A sparse file: as large as it says, without taking the disk.
    const path = join(root, "huge.pdf");
    await writeFile(path, "");
    await truncate(path, MAX_DOCUMENT_BYTES + 2 ** 20);
    expect((await failure(path)).message).toBe(`${path}: a 513 MB file, larger than foveate reads in one piece (512 MB): split it into parts`);
  });

  it("makes a file a reader's library fails on one line, and skips it on request", async () => {
    // Nesting deep enough to overflow the Markdown parser's stack.
    const deep = await put("deep/quotes.md", ">".repeat(12_000) + " deep\n");
    await put("deep/ok.md", "# Fine\n\nA readable note.\n");
    expect((await failure(deep)).message).toMatch(new RegExp(`^${deep.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: could not be read \\(`));
    const { docs, skipped } = await collectSkipping(join(root, "deep"));
    expect(docs.map((d) => d.sourceId)).toEqual(["ok.md"]);
    expect(skipped).toHaveLength(1);
  });

  it("names a document in a folder by its path under the folder, in its structure too", async () => {
    await put("guide/part/one.md", "## Setup\n\nRun it.");
    const [doc] = await collect(join(root, "guide"));
    expect(doc?.sourceId).toBe("part/one.md");
    expect(doc?.structure?.file).toBe("part/one.md");
    expect(doc?.structure?.sections[0]?.path).toEqual(["Setup"]);
  });
});

describe("JSONL written by foveate extract", () => {
  const source = { file: "report.pdf", pages: [{ page: 1, start: 0, end: 9 }, { page: 2, start: 11, end: 20 }], sections: [{ path: ["Intro"], start: 0, end: 20 }] };

  it("reads its source back as the document's structure", async () => {
    const path = await put("corpus.jsonl", jsonl({ content: "Intro\n\nOne.\n\nTwo page.", source_id: "report.pdf", source }));
    // It keeps the source_id its document had, so records say "report.pdf" either way.
    expect(await collect(path)).toEqual([{ index: 0, sourceId: "report.pdf", text: "Intro\n\nOne.\n\nTwo page.", structure: source }]);
  });

  it("keeps a chapter, and cuts offsets past the end of a text that was edited since", async () => {
    const chaptered = { file: "book.epub", chapter: { number: 2, title: "Rain" }, sections: [{ path: [], start: 0, end: 40 }] };
    const [doc] = await collect(await put("c.jsonl", jsonl({ content: "Short now.", source: chaptered })));
    expect(doc?.structure).toEqual({ ...chaptered, sections: [{ path: [], start: 0, end: 10 }] });
  });

  it("leaves a source field of the user's own alone", async () => {
    const path = await put("own.jsonl", jsonl({ content: "a", source: "wikipedia" }, { content: "b", source: { url: "https://x" } }));
    expect(await collect(path)).toEqual([
      { index: 0, sourceId: "own.jsonl:1", text: "a" },
      { index: 1, sourceId: "own.jsonl:2", text: "b" },
    ]);
  });

  it("reports a broken source at its line", async () => {
    const path = await put("broken.jsonl", jsonl({ content: "a", source: { file: "x.md", sections: [{ path: "Intro", start: 0, end: 1 }] } }));
    const error = await failure(path);
    expect(error.line).toBe(1);
    expect(error.problem).toMatch(/^"source" is not as foveate extract writes it: sections\[0\]/);
    const pages = await put("pages.jsonl", jsonl({ content: "a", source: { file: "x.pdf", sections: [], pages: [{ page: 0, start: 0, end: 1 }] } }));
    expect((await failure(pages)).problem).toMatch(/pages\[0\]/);
  });
});

describe("directories", () => {
  it("walks recursively in sorted path order, skipping hidden and unknown files", async () => {
    await put("b.txt", "B");
    await put("a.txt", "A.txt");
    await put("a-b.md", "A-B");
    await put("a/z.txt", "A/Z");
    await put("a/deep/x.markdown", "A/DEEP/X");
    await put("c/rows.jsonl", jsonl({ content: "row 1" }, { content: "row 2" }));
    await put("c/table.csv", "content\ncell\n");
    await put("c/list.json", JSON.stringify([{ content: "item" }]));
    await put("notes.rtf", "ignored");
    await put("image.png", "ignored");
    await put(".hidden.txt", "hidden");
    await put(".git/config.txt", "hidden");
    await put("a/.cache/x.txt", "hidden");

    // .md and .txt files are read by their readers: a document's text is its paragraphs, tidied.
    expect((await collect(root)).map((d) => [d.index, d.sourceId, d.text])).toEqual([
      [0, "a-b.md", "A-B"],
      [1, "a.txt", "A.txt"],
      [2, "a/deep/x.markdown", "A/DEEP/X"],
      [3, "a/z.txt", "A/Z"],
      [4, "b.txt", "B"],
      [5, "c/list.json#0", "item"],
      [6, "c/rows.jsonl:1", "row 1"],
      [7, "c/rows.jsonl:2", "row 2"],
      [8, "c/table.csv:2", "cell"],
    ]);
  });

  it("names the full path in errors and the relative path in sourceIds", async () => {
    const path = await put("sub/data.jsonl", jsonl({ content: "ok" }, { nope: 1 }));
    expect((await failure(root)).message).toBe(
      `${path}:2: no string field "content" (fields: nope)`,
    );
    const { docs } = await collectSkipping(root);
    expect(docs.map((d) => d.sourceId)).toEqual(["sub/data.jsonl:1"]);
  });

  it("reports unreadable files inside and goes on in skip mode", async () => {
    await put("a.txt", "A");
    await symlink(join(root, "missing"), join(root, "b.txt"));
    await put("c.txt", "C");
    const { docs, skipped } = await collectSkipping(root);
    expect(docs.map((d) => [d.index, d.sourceId])).toEqual([
      [0, "a.txt"],
      [1, "c.txt"],
    ]);
    expect(skipped.map((e) => e.message)).toEqual([
      `${join(root, "b.txt")}: cannot read: no such file or directory`,
    ]);
    expect((await failure(root)).problem).toBe("cannot read: no such file or directory");
  });

  it("yields nothing for an empty directory", async () => {
    expect(await collect(root)).toEqual([]);
  });
});

describe("fail and skip", () => {
  const lines = [
    JSON.stringify({ content: "one" }),
    "not json",
    JSON.stringify({ content: "two" }),
    JSON.stringify({ text: "wrong field" }),
    JSON.stringify({ content: "   " }),
    JSON.stringify({ content: "three" }),
  ].join("\n");

  it("fails on the first problem by default", async () => {
    const path = await put("mixed.jsonl", lines);
    expect((await failure(path)).line).toBe(2);
  });

  it("reports every problem in skip mode and numbers documents consecutively", async () => {
    const path = await put("mixed.jsonl", lines);
    const { docs, skipped } = await collectSkipping(path);
    expect(docs).toEqual([
      { index: 0, sourceId: "mixed.jsonl:1", text: "one" },
      { index: 1, sourceId: "mixed.jsonl:3", text: "two" },
      { index: 2, sourceId: "mixed.jsonl:6", text: "three" },
    ]);
    expect(skipped.map((e) => [e.line, e.problem.split(":")[0]])).toEqual([
      [2, "invalid JSON"],
      [4, 'no string field "content" (fields'],
      [5, "empty document"],
    ]);
  });

  it("skips quietly without an onSkip callback", async () => {
    const path = await put("mixed.jsonl", lines);
    expect(await collect(path, { onBadInput: "skip" })).toHaveLength(3);
  });

  it("always throws for a missing top-level path", async () => {
    const path = join(root, "nowhere.jsonl");
    for (const onBadInput of ["fail", "skip"] as const) {
      const error = await failure(path, { onBadInput });
      expect(error.message).toBe(`${path}: cannot read: no such file or directory`);
    }
  });

  it("always throws for an unsupported top-level extension, naming the supported ones", async () => {
    const path = await put("data.xml", "<doc/>");
    for (const onBadInput of ["fail", "skip"] as const) {
      const error = await failure(path, { onBadInput });
      expect(error.file).toBe(path);
      expect(error.problem).toMatch(/^unsupported file type "\.xml": /);
      for (const ext of [".jsonl", ".ndjson", ".json", ".csv", ".txt", ".md", ".markdown"]) {
        expect(error.problem).toContain(ext);
      }
    }
  });
});

describe("limit", () => {
  it("stops after that many documents without reading further", async () => {
    // Line 3 is broken: reaching it in fail mode would throw.
    const path = await put("big.jsonl", `${jsonl({ content: "a" }, { content: "b" })}oops\n`);
    expect((await collect(path, { limit: 2 })).map((d) => d.text)).toEqual(["a", "b"]);
    await expect(collect(path, { limit: 3 })).rejects.toThrow(InputError);
  });

  it("counts documents, not skipped records", async () => {
    const path = await put("mixed.jsonl", jsonl({ content: "a" }, { x: 1 }, { content: "b" }));
    const { docs, skipped } = await collectSkipping(path, { limit: 2 });
    expect(docs.map((d) => [d.index, d.text])).toEqual([
      [0, "a"],
      [1, "b"],
    ]);
    expect(skipped).toHaveLength(1);
  });

  it("applies across the files of a directory", async () => {
    await put("a.txt", "A");
    await put("b.txt", "B");
    await put("c.txt", "C");
    expect((await collect(root, { limit: 2 })).map((d) => d.sourceId)).toEqual(["a.txt", "b.txt"]);
  });

  it("yields nothing when zero, without touching the path", async () => {
    expect(await collect(join(root, "nowhere.jsonl"), { limit: 0 })).toEqual([]);
  });
});

describe("the sample corpus", () => {
  it("reads 12 documents, one of them in Chinese", async () => {
    const docs = await collect(SAMPLE_CORPUS);
    expect(docs.map((d) => d.sourceId)).toEqual(
      Array.from({ length: 12 }, (_, i) => `sample.jsonl:${i + 1}`),
    );
    expect(docs.map((d) => d.index)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(docs.filter((d) => /\p{Script=Han}/u.test(d.text))).toHaveLength(1);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
