/**
 * Near-duplicate detection at scale (issue 15's `curate --dedup`): 100,000 synthetic instructions
 * (those of the Self-BLEU bench), with every 100th a copy of an earlier one with one word changed
 * (its last, of 12 or more words) and every 250th an exact copy in other case and punctuation, found in a process of its own so
 * that its memory is its own. Goals: under 10 s and under 1 GB, every planted copy found.
 */
import { pathToFileURL } from "node:url";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findDuplicates } from "../src/curate/near-duplicates.js";
import { curateStore } from "../src/run/curate-store.js";
import { buildStore, resetPeakRss } from "./bench-store.js";
import { seededRandom } from "../src/random.js";
import { measureInOwnProcess } from "./own-process.js";
import { peakRssMb } from "./peak-rss.js";
import { instructions } from "./self-bleu.bench.js";

const COUNT = 100_000;
const GOAL_SECONDS = 10;
const GOAL_PEAK_MB = 1024;

/** The instructions with their planted copies, and which index copies which. */
function dataset(): { texts: string[]; planted: Map<number, "near" | "exact"> } {
  const texts = instructions(COUNT, 15);
  const random = seededRandom("dedup-bench", 1);
  const planted = new Map<number, "near" | "exact">();
  for (let i = 100; i < COUNT; i++) {
    if (i % 250 === 0) {
      texts[i] = `${texts[random.int(0, i - 1)]!.toUpperCase()}!!`;
      planted.set(i, "exact");
    } else if (i % 100 === 0) {
      // The last word changed: one shingle of three words differs, Jaccard (s - 1) / (s + 1) >= 0.8 from 12 words
      // (a last word such as "rin't" is two words once punctuation is set aside: not planted).
      const words = texts[random.int(0, i - 1)]!.split(" ");
      if (words.length < 12 || !/^[a-z]+[?.]?$/i.test(words[words.length - 1]!)) continue;
      words[words.length - 1] = "changed";
      texts[i] = words.join(" ");
      planted.set(i, "near");
    }
  }
  return { texts, planted };
}

interface Measured {
  seconds: number;
  peakMb: number;
  found: number;
  exact: number;
  missed: number;
  /** The whole `curate --dedup` on a finished store of the same instructions. */
  curate: { seconds: number; peakMb: number; peakOfCurate: boolean; removed: number };
}

async function measureOnce(): Promise<void> {
  const { texts, planted } = dataset();
  const started = performance.now();
  const duplicates = findDuplicates(texts, { threshold: 0.8 });
  const seconds = (performance.now() - started) / 1000;
  const found = new Set(duplicates.map((d) => d.index));
  const measured: Measured = {
    seconds,
    peakMb: peakRssMb(),
    found: duplicates.length,
    exact: duplicates.filter((d) => d.kind === "exact").length,
    missed: [...planted.keys()].filter((i) => !found.has(i)).length,
    curate: await measureCurate(texts),
  };
  console.log(JSON.stringify(measured));
}

/** `curate --dedup` as the command runs it: the store's items read, deduplicated, the decisions saved. */
async function measureCurate(texts: readonly string[]): Promise<Measured["curate"]> {
  const dir = mkdtempSync(join(tmpdir(), "foveate-dedup-bench-"));
  try {
    const store = join(dir, "run.foveate.db");
    buildStore(store, texts);
    const peakOfCurate = resetPeakRss();
    const started = performance.now();
    const summary = await curateStore(store, { dedup: true });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, peakMb: peakRssMb(), peakOfCurate, removed: summary.items - summary.kept };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchDedup(): Promise<boolean> {
  const m = await measureInOwnProcess<Measured>(import.meta.url, ["--measure"]);
  const planted = dataset().planted.size;
  const speedOk = m.seconds < GOAL_SECONDS;
  const memoryOk = m.peakMb < GOAL_PEAK_MB;
  console.log(`dedup: ${COUNT.toLocaleString("en-US")} instructions (Self-BLEU bench's), ${planted} planted copies (one word changed, or case and punctuation), MinHash LSH, Jaccard >= 0.8, in a process of its own`);
  console.log(`  found             ${m.found} duplicates (${m.exact} exact); planted copies missed: ${m.missed}`);
  console.log(`  time              ${m.seconds.toFixed(2)} s (goal < ${GOAL_SECONDS} s) ${speedOk ? "ok" : "MISSED"}`);
  console.log(`  peak memory       ${m.peakMb.toFixed(0)} MB RSS high-water (goal < ${GOAL_PEAK_MB} MB) ${memoryOk ? "ok" : "MISSED"}`);
  const c = m.curate;
  const curateOk = c.seconds < GOAL_SECONDS && c.peakMb < GOAL_PEAK_MB && c.removed === m.found;
  console.log(
    `  curate --dedup    ${c.seconds.toFixed(2)} s, ${c.peakMb.toFixed(0)} MB RSS high-water${c.peakOfCurate ? "" : " (store building included)"}, ${c.removed} removed: the whole command on a finished store of the same instructions (items read, deduplicated, decisions saved) ${curateOk ? "ok" : "MISSED"}`,
  );
  return speedOk && memoryOk && m.missed === 0 && curateOk;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  if (process.argv.includes("--measure")) await measureOnce();
  else await benchDedup();
}
