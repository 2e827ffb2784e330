/**
 * PDF extraction: a 500-page report built with pdf-lib (running header, page footer, headings, a
 * two-column page in every ten), written to a temporary folder (not timed), then read by readPdf in
 * a process of its own, so the peak memory is the reader's and not the builder's. Goals: at least
 * 50 pages per second, and a peak RSS (the process's high-water mark) under 300 MB.
 *
 * Runs alone too: npx tsx bench/pdf.bench.ts
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { readPdf } from "../src/corpus/readers/pdf.js";
import { buildReport, REPORT_HEADER, type ReportPage } from "../test/support/pdf-fixtures.js";
import { measureInOwnProcess } from "./own-process.js";
import { peakRssMb } from "./peak-rss.js";

const PAGES = 500;
const GOAL_PAGES_PER_SECOND = 50;
const GOAL_PEAK_MB = 300;

/** What the reading process measured and found. */
interface Reading {
  seconds: number;
  peakMb: number;
  rssBeforeMb: number;
  pages: number;
  sections: number;
  chars: number;
  furnitureLeft: boolean;
  /** Two-column pages whose right column came before the end of the left one. */
  columnsOutOfOrder: number;
}

const WORDS = "river mill town flood bridge council harvest market school winter record water bank road church field".split(" ");

/** A paragraph of its own for each page and place, so only the page furniture repeats. */
function paragraph(page: number, n: number): string {
  return Array.from({ length: 5 }, (_, s) => {
    const words = Array.from({ length: 14 }, (_, w) => WORDS[(page * 7 + n * 5 + s * 3 + w * 11) % WORDS.length]);
    return `Page ${page} paragraph ${n} sentence ${s} ${words.join(" ")}.`;
  }).join(" ");
}

/** Chapters open every fifth page, and every tenth page is set in two columns under a heading. */
const chapters = () => Math.ceil(PAGES / 5);
const twoColumnPages = () => Array.from({ length: Math.floor(PAGES / 10) }, (_, i) => 10 * (i + 1));

function reportPages(): ReportPage[] {
  return Array.from({ length: PAGES }, (_, i) => {
    const page = i + 1;
    if (page % 10 === 0) {
      return { columns: { heading: `Survey ${page}`, left: [paragraph(page, 1), paragraph(page, 2)], right: [paragraph(page, 3), paragraph(page, 4)] } };
    }
    const blocks: NonNullable<ReportPage["blocks"]> = [];
    if (page % 5 === 1) blocks.push({ heading: `Chapter ${Math.ceil(page / 5)}`, level: 1 });
    for (let n = 1; n <= 5; n++) blocks.push({ paragraph: paragraph(page, n) });
    return { blocks };
  });
}

/** In the reading process: reads the file once and prints what it measured as one JSON line. */
async function readOnce(file: string): Promise<void> {
  const bytes = new Uint8Array(readFileSync(file));
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const [doc] = await readPdf(bytes, path.basename(file));
  const seconds = (performance.now() - started) / 1000;
  const reading: Reading = {
    seconds,
    peakMb: peakRssMb(),
    rssBeforeMb: rssBefore / 2 ** 20,
    pages: doc!.structure.pages?.length ?? 0,
    sections: doc!.structure.sections.length,
    chars: doc!.text.length,
    furnitureLeft: doc!.text.includes(REPORT_HEADER) || / of 500\b/.test(doc!.text),
    columnsOutOfOrder: twoColumnPages().filter((page) => {
      const at = [1, 2, 3, 4].map((n) => doc!.text.indexOf(`Page ${page} paragraph ${n} sentence 0`));
      return at.some((a, i) => a < 0 || (i > 0 && a < at[i - 1]!));
    }).length,
  };
  console.log(JSON.stringify(reading));
}

export async function benchPdf(): Promise<boolean> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "foveate-pdf-bench-"));
  try {
    const file = path.join(dir, "report.pdf");
    const bytes = await buildReport(reportPages());
    writeFileSync(file, bytes);
    const r = await measureInOwnProcess<Reading>(import.meta.url, ["--read", file]);
    const perSecond = r.pages / r.seconds;
    const expectedSections = chapters() + twoColumnPages().length;
    const whole = r.pages === PAGES && !r.furnitureLeft && r.sections === expectedSections && r.columnsOutOfOrder === 0;
    const speedOk = perSecond >= GOAL_PAGES_PER_SECOND;
    const memoryOk = r.peakMb < GOAL_PEAK_MB;
    console.log(`pdf: a ${PAGES}-page PDF (${(bytes.length / 2 ** 20).toFixed(1)} MB; running header, page footer, headings, two columns every 10th page), read by readPdf in a process of its own`);
    console.log(
      `  extracted            ${r.pages} pages with text, ${r.sections} sections (of ${expectedSections}), ${r.chars} characters; headers and footers ${r.furnitureLeft ? "LEFT IN" : "removed"}; two-column pages out of order: ${r.columnsOutOfOrder}`,
    );
    console.log(`  pages per second     ${perSecond.toFixed(1)} (${r.pages} pages in ${r.seconds.toFixed(2)} s)  goal >= ${GOAL_PAGES_PER_SECOND} ${speedOk ? "ok" : "MISSED"}`);
    console.log(`  peak memory          ${r.peakMb.toFixed(0)} MB RSS high-water (${r.rssBeforeMb.toFixed(0)} MB before reading)  goal < ${GOAL_PEAK_MB} MB ${memoryOk ? "ok" : "MISSED"}`);
    if (!whole) console.log(`  extraction           MISSED: expected ${PAGES} pages, ${expectedSections} sections, columns in order, no page furniture`);
    return whole && speedOk && memoryOk;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const at = process.argv.indexOf("--read");
  if (at >= 0) await readOnce(process.argv[at + 1]!);
  else await benchPdf();
}
