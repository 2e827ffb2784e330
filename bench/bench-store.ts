/** A large finished run store for the benchmarks of curation and publishing, built before their clocks start. */
import { writeFileSync } from "node:fs";
import type { SynthRecord } from "../src/method/record.js";
import { RunStore } from "../src/store/run-store.js";

const PER_DOCUMENT = 20;
const LEVELS = ["micro", "scatter", "macro"] as const;

/** A finished run's store of the texts as instructions, PER_DOCUMENT to a document, spread over the three levels. */
export function buildStore(path: string, texts: readonly string[]): void {
  const count = texts.length;
  const store = RunStore.open(path);
  store.writeConfig({ model: "gpt-4o-mini", method: "foveate", mu: 7, levels: [...LEVELS], seed: 0 });
  for (let d = 0; d < count / PER_DOCUMENT; d++) {
    const doc = { key: `k${d}`, index: d, sourceId: `corpus.jsonl:${d + 1}` };
    store.startDocument(doc);
    LEVELS.forEach((level, rank) => {
      const kept: SynthRecord[] = [];
      for (let i = rank; i < PER_DOCUMENT; i += LEVELS.length) {
        const n = d * PER_DOCUMENT + i;
        kept.push({
          instruction: texts[n]!,
          output: texts[(n * 7 + 3) % count]!,
          article_index: d,
          level,
          features: texts[n]!.split(" ").slice(0, 3),
          resynthesized: n % 5 === 0,
          rounds: n % 5 === 0 ? 1 : 0,
          source_id: doc.sourceId,
          source_span: [0, 4000],
          section: `Part ${d % 7}`,
        });
      }
      store.saveLevel(doc, { level, rank, kept, dropped: [], outcome: {} });
    });
    store.finishDocument(doc);
  }
  store.close();
}

/** Linux: restart the resident-set high-water mark, so that the peak is what is measured after, not the store building. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

