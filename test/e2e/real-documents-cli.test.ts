import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SynthRecord } from "../../src/method/record.js";
import { buildDocx, heading, paragraph, table } from "../support/docx-fixture.js";
import { buildEpub } from "../support/epub-fixture.js";
import { buildReport, REPORT_HEADER } from "../support/pdf-fixtures.js";
import { runCli } from "../support/run-cli.js";
import { DEFAULT_SIM_OPTIONS, startSimServer, type SimServer } from "../support/sim-server.js";
import { tempDir } from "../support/temp-dir.js";

let sim: SimServer;
const dir = tempDir("foveate-real-docs-");
const docs = join(dir, "docs");

const PDF_SENTENCE = "The river bridge was rebuilt in stone after the flood of 1903 carried the old one away.";
const WORD_SENTENCE = "The council met twice a month in the old grain exchange on Mill Street.";
const WEB_SENTENCE = "Volunteers planted four hundred oak trees along the northern bank last spring.";
const BOOK_SENTENCES = ["The lighthouse keeper wrote in his log every evening at nine.", "In the winter of 1888 the lamp failed for three nights in a row."];

beforeAll(async () => {
  sim = await startSimServer();
  sim.setOptions({ ...DEFAULT_SIM_OPTIONS });
  await mkdir(docs, { recursive: true });
  await writeFile(
    join(docs, "report.pdf"),
    await buildReport([
      { blocks: [{ heading: "History", level: 1 }, { paragraph: `The town was founded by millers on the river. ${PDF_SENTENCE}` }] },
      { blocks: [{ heading: "Works", level: 2 }, { paragraph: "New quays were built along the east bank. Ships could then unload at any tide." }] },
    ]),
  );
  await writeFile(
    join(docs, "minutes.docx"),
    buildDocx([heading(1, "Town council"), paragraph(`${WORD_SENTENCE} It kept its records in ledgers.`), table([["Year", "Members"], ["1890", "12"]])], { header: "CONFIDENTIAL DRAFT" }),
  );
  await writeFile(
    join(docs, "news.html"),
    `<html><head><title>Oaks on the bank | Riverside Gazette</title></head><body>
      <nav><a href="/">Home</a> <a href="/sport">Sport</a></nav>
      <div id="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
      <article><h1>Oaks on the bank</h1><p>${WEB_SENTENCE} The work took six weekends.</p>
      <h2>Next steps</h2><p>The group will water the saplings through the summer and count them in autumn.</p></article>
      <aside class="related-stories"><h3>Related stories</h3><p>Football club wins cup</p></aside>
      <footer>Copyright Riverside Gazette</footer></body></html>`,
  );
  await writeFile(
    join(docs, "keeper.epub"),
    buildEpub([
      { href: "text/ch1.xhtml", body: `<h1>The log</h1><p>${BOOK_SENTENCES[0]} He kept it for forty years.</p>` },
      { href: "text/ch2.xhtml", body: `<h1>The dark winter</h1><p>${BOOK_SENTENCES[1]} Ships stayed in the harbour.</p>` },
    ]),
  );
});
afterAll(() => sim.close());

describe("real documents, end to end", () => {
  it("foveate extract writes what synth will read: content only, with files, pages, chapters and headings", async () => {
    const output = join(dir, "corpus.jsonl");
    const run = await runCli(["extract", docs, "-o", output]);
    expect(run.code, run.stderr).toBe(0);
    const lines = (await readFile(output, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { content: string; source_id: string; source: Record<string, unknown> });
    const byId = new Map(lines.map((l) => [l.source_id, l]));
    expect([...byId.keys()].sort()).toEqual(["keeper.epub#1", "keeper.epub#2", "minutes.docx", "news.html", "report.pdf"]);

    const pdf = byId.get("report.pdf")!;
    expect(pdf.content).toContain(PDF_SENTENCE);
    expect(pdf.content).not.toContain(REPORT_HEADER);
    expect(pdf.content).not.toMatch(/Page \d of \d/);
    expect((pdf.source.pages as unknown[]).length).toBe(2);

    const word = byId.get("minutes.docx")!;
    expect(word.content).toContain(WORD_SENTENCE);
    expect(word.content).toContain("Year | Members");
    expect(word.content).not.toContain("CONFIDENTIAL DRAFT");

    const web = byId.get("news.html")!;
    expect(web.content).toContain(WEB_SENTENCE);
    for (const chrome of ["Sport", "cookies", "Football club", "Copyright"]) expect(web.content).not.toContain(chrome);

    expect(byId.get("keeper.epub#2")!.source).toMatchObject({ file: "keeper.epub", chapter: { number: 2, title: "The dark winter" } });
  });

  it("names a file it cannot read in one line, and with --on-bad-input skip goes on without it", async () => {
    const mixed = join(dir, "mixed");
    await mkdir(mixed, { recursive: true });
    await writeFile(join(mixed, "broken.pdf"), "%PDF-1.7 this is not really a PDF");
    await writeFile(join(mixed, "old.doc"), Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]));
    await writeFile(join(mixed, "note.md"), "# Note\n\nThe ferry runs every hour in summer.\n");
    const output = join(dir, "mixed.jsonl");
    const refused = await runCli(["extract", mixed, "-o", output]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/broken\.pdf: not a readable PDF/);
    const skipped = await runCli(["extract", mixed, "-o", output, "--on-bad-input", "skip"]);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toMatch(/broken\.pdf: not a readable PDF/);
    expect(skipped.stderr).toMatch(/old\.doc: an old Word file \(\.doc\)/);
    const lines = (await readFile(output, "utf8")).trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { source_id: string }).source_id)).toEqual(["note.md"]);
  });

  it("synth on the folder gives records that say their file, page, chapter and heading path", async () => {
    const output = join(dir, "data.jsonl");
    const run = await runCli(["synth", docs, "-o", output, "--base-url", sim.baseURL, "--model", "sim-model", "--mu", "2", "--levels", "micro,macro", "--quiet"]);
    expect(run.code, run.stderr).toBe(0);
    const records = (await readFile(output, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as SynthRecord);
    const pdfRecords = records.filter((r) => r.source_id === "report.pdf");
    expect(pdfRecords.length).toBeGreaterThan(0);
    for (const r of pdfRecords) {
      expect(r.source).toEqual({ file: "report.pdf" });
      expect([1, 2]).toContain(r.page);
    }
    // A macro record's page and section are those of its sentence.
    const macro = pdfRecords.filter((r) => r.level === "macro");
    expect(macro.length).toBeGreaterThan(0);
    for (const r of macro) {
      const onFirstPage = /History|millers|bridge/.test(r.features[0]!);
      expect([r.page, r.section], r.features[0]).toEqual(onFirstPage ? [1, "History"] : [2, "History > Works"]);
    }
    const chapter = records.find((r) => r.source_id === "keeper.epub#2");
    expect(chapter?.source).toEqual({ file: "keeper.epub", chapter: { number: 2, title: "The dark winter" } });
    expect(records.some((r) => r.source_id === "news.html" && r.section?.startsWith("Oaks on the bank"))).toBe(true);
  });
});
