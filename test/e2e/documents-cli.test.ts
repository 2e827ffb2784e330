import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMarkdown } from "../../src/corpus/readers/markdown.js";
import type { SectionSpan } from "../../src/corpus/extracted-document.js";
import type { SynthRecord } from "../../src/method/record.js";
import { runCli } from "../support/run-cli.js";
import { SAMPLE_CORPUS } from "../support/fixtures.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimServer } from "../support/sim-server.js";
import { tempDir } from "../support/temp-dir.js";

let sim: SimServer;
const dir = tempDir("foveate-documents-");
const docs = join(dir, "docs");
/** Each Markdown file's name and its text and sections as the Markdown reader gives them. */
const read = new Map<string, { text: string; sections: SectionSpan[] }>();

/** Three Markdown files made of the sample corpus's texts, each in two sections under a title. */
beforeAll(async () => {
  sim = await startSimServer();
  sim.setOptions({ ...DEFAULT_SIM_OPTIONS });
  const texts = (await readFile(SAMPLE_CORPUS, "utf8")).trim().split("\n").slice(0, 3).map((line) => JSON.parse(line).content as string);
  await mkdir(join(docs, "part"), { recursive: true });
  for (const [i, text] of texts.entries()) {
    const sentences = text.match(/[^.!?]+[.!?]+["”]?\s*/g)!;
    const half = Math.ceil(sentences.length / 2);
    const markdown = [`# Place ${i}`, "", "## Early *years*", "", sentences.slice(0, half).join("").trim(), "", "## Later years", "", `- ${sentences.slice(half).join("").trim()}`, ""].join("\n");
    const name = i === 2 ? "part/c.md" : `${"ab"[i]}.md`;
    await writeFile(join(docs, name), markdown);
    const [document] = await readMarkdown(new TextEncoder().encode(markdown), name);
    read.set(name, { text: document!.text, sections: document!.structure.sections });
  }
});
afterAll(() => sim.close());

/** The heading path where offset `at` of a file's text stands. */
function sectionAt(name: string, at: number): string {
  const section = read.get(name)!.sections.filter((s) => s.start <= at).at(-1)!;
  return section.path.join(" > ");
}

const lines = (text: string) => text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);

describe("foveate extract", () => {
  it("writes one line per document with its structure, and skips a bad file with a line when asked", async () => {
    const output = join(dir, "corpus.jsonl");
    const run = await runCli(["extract", docs, "-o", output]);
    expect(run.stderr).toBe(`Extracted 3 documents to ${output}\n`);
    expect(run.code).toBe(0);
    const written = lines(await readFile(output, "utf8"));
    expect(written.map((l) => l.source_id)).toEqual(["a.md", "b.md", "part/c.md"]);
    for (const line of written) {
      const { text, sections } = read.get(line.source_id as string)!;
      expect(line).toEqual({ content: text, source_id: line.source_id, source: { file: line.source_id, sections } });
      expect(line.content).not.toMatch(/[#*]/);
    }

    const bad = join(dir, "with-bad");
    await mkdir(bad);
    await writeFile(join(bad, "good.md"), "# Fine\n\nText.");
    await writeFile(join(bad, "empty.md"), "<!-- nothing here -->\n");
    const failed = await runCli(["extract", bad, "-o", join(dir, "bad.jsonl")]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(`foveate: ${join(bad, "empty.md")}: empty document: the Markdown file has no text\n`);
    const skipped = await runCli(["extract", bad, "--on-bad-input", "skip"]);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toBe(`skipped ${join(bad, "empty.md")}: empty document: the Markdown file has no text\nExtracted 1 documents; skipped 1 bad input\n`);
    expect(lines(skipped.stdout).map((l) => l.source_id)).toEqual(["good.md"]);
  });
});

describe("foveate synth on a folder of Markdown files", () => {
  const synthArgs = ["--model", "sim-model", "--seed", "1", "--mu", "3"];

  async function synth(corpus: string, name: string, ...args: string[]) {
    const output = join(dir, `${name}.jsonl`);
    const run = await runCli(["synth", corpus, "-o", output, ...synthArgs, "--base-url", sim.baseURL, ...args]);
    expect(run.code, run.stderr).toBe(0);
    return { output, records: lines(await readFile(output, "utf8")) as unknown as SynthRecord[] };
  }

  it("gives every record its file and heading path; a macro record its sentence's", async () => {
    const { output, records } = await synth(docs, "markdown");
    expect(new Set(records.map((r) => r.source_id))).toEqual(new Set(["a.md", "b.md", "part/c.md"]));
    for (const r of records) {
      expect(r.source).toEqual({ file: r.source_id });
      expect(r).not.toHaveProperty("page");
      const at = r.level === "macro" ? r.offsets![0]![0] : 0;
      expect(r.section, `${r.level} record of ${r.source_id}`).toBe(sectionAt(r.source_id, at));
    }
    const macro = records.filter((r) => r.level === "macro");
    expect(new Set(macro.map((r) => r.section)).size).toBeGreaterThan(1);
    expect(macro.some((r) => r.section!.endsWith("> Later years"))).toBe(true);

    // export keeps them.
    const exported = join(dir, "exported.jsonl");
    expect((await runCli(["export", `${output}.foveate.db`, "-o", exported])).code).toBe(0);
    expect(lines(await readFile(exported, "utf8"))).toEqual(lines(await readFile(output, "utf8")));
  });

  it("keeps the heading paths right in chunks of a long document, and reads extract's output the same way", async () => {
    const { records } = await synth(docs, "chunked", "--max-doc-tokens", "100");
    expect(records.some((r) => r.source_span !== undefined)).toBe(true);
    for (const r of records.filter((r) => r.level === "macro")) {
      const at = (r.source_span?.[0] ?? 0) + r.offsets![0]![0];
      expect(r.section).toBe(sectionAt(r.source_id, at));
    }

    const corpus = join(dir, "extracted.jsonl");
    expect((await runCli(["extract", docs, "-o", corpus])).code).toBe(0);
    const back = await synth(corpus, "from-extract");
    for (const r of back.records) {
      const file = r.source!.file;
      expect(r.source_id).toBe(file);
      const at = r.level === "macro" ? r.offsets![0]![0] : 0;
      expect(r.section).toBe(sectionAt(file, at));
    }
    expect(new Set(back.records.map((r) => r.source!.file))).toEqual(new Set(["a.md", "b.md", "part/c.md"]));
  });
});
