/**
 * Publishing at scale (issue 15's `export --format hf`): 100,000 instructions (those of the Self-BLEU
 * bench, each answered by another of them) in a run store of 5,000 documents, written to a Hugging
 * Face dataset folder split train=0.9,test=0.1: read from the store, split by document, languages
 * detected, Parquet written, card written, renamed into place. In a process of its own, so that its
 * memory is its own; the store is built before the clock starts. Goal: under 5 s.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { writeHfDataset } from "../src/export/hf-dataset.js";
import { buildStore, resetPeakRss } from "./bench-store.js";
import { measureInOwnProcess } from "./own-process.js";
import { peakRssMb } from "./peak-rss.js";
import { instructions } from "./self-bleu.bench.js";

const COUNT = 100_000;
const GOAL_SECONDS = 5;

interface Measured {
  seconds: number;
  peakMb: number;
  /** Whether the peak is the export's alone (the high-water mark was reset after building the store). */
  peakOfExport: boolean;
  rows: number;
  files: number;
  folderMb: number;
  splits: string;
}

async function measureOnce(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "foveate-parquet-bench-"));
  try {
    const store = join(dir, "run.foveate.db");
    buildStore(store, instructions(COUNT, 15));
    const peakOfExport = resetPeakRss();
    const out = join(dir, "dataset");
    const started = performance.now();
    const summary = await writeHfDataset(store, out, { split: "train=0.9,test=0.1" });
    const seconds = (performance.now() - started) / 1000;
    const files = readdirSync(join(out, "data"));
    const bytes = [...files.map((f) => join(out, "data", f)), join(out, "README.md")].reduce((s, f) => s + statSync(f).size, 0);
    const measured: Measured = {
      seconds,
      peakMb: peakRssMb(),
      peakOfExport,
      rows: summary.rows,
      files: files.length,
      folderMb: bytes / 1e6,
      splits: summary.splits.map((s) => `${s.name} ${s.rows}`).join(", "),
    };
    console.log(JSON.stringify(measured));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchParquet(): Promise<boolean> {
  const m = await measureInOwnProcess<Measured>(import.meta.url, ["--measure"]);
  const speedOk = m.seconds < GOAL_SECONDS && m.rows === COUNT;
  console.log(`parquet: ${COUNT.toLocaleString("en-US")} instructions (Self-BLEU bench's) from a run store to a Hugging Face folder (export --format hf, train=0.9,test=0.1), in a process of its own`);
  console.log(`  written           ${m.rows} rows (${m.splits}) in ${m.files} Parquet files, ${m.folderMb.toFixed(1)} MB with the card`);
  console.log(`  time              ${m.seconds.toFixed(2)} s (goal < ${GOAL_SECONDS} s) ${speedOk ? "ok" : "MISSED"}`);
  console.log(`  peak memory       ${m.peakMb.toFixed(0)} MB RSS high-water (${m.peakOfExport ? "of the export" : "store building included"})`);
  return speedOk;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  if (process.argv.includes("--measure")) await measureOnce();
  else await benchParquet();
}
