/**
 * Rule-breaking items kept: the whole synthesis pipeline on the 12-document sample at --mu 4,
 * against the simulator with every misbehaviour switch on, as a weak real model behaves. Which
 * kept items break a rule is told by the simulator's own record of what it spoiled, not by the
 * product's checks. Goal: 0 rule-breaking items kept; the bench fails otherwise.
 *
 * Runs alone too: npx tsx bench/rules.bench.ts
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { SourceDocument } from "../src/corpus/source-document.js";
import { createOpenAIEngine } from "../src/llm/http/openai-engine.js";
import { synthesize } from "../src/pipeline/synthesize.js";
import { startSimServer, type SimOptions } from "../test/support/sim-server.js";
import { SPOIL_KINDS, spoilsOf } from "../test/support/sim-spoil.js";
import { sampleCorpus } from "./paths.js";

const MU = 4;
const LEVELS = 3;

/** Every switch that makes the simulated model break a rule of the method. */
export const RULE_BREAKING_RATES: Partial<SimOptions> = {
  rateAnswerInInstruction: 0.2,
  rateSentenceInInstruction: 0.2,
  ratePassageReference: 0.2,
  rateAnswerableDenial: 0.2,
  rateWrongLanguage: 0.2,
  rateFabricatedKeyword: 0.2,
  ratePartWordKeyword: 0.2,
  rateFabricatedElement: 0.2,
  rateMissingKeyword: 0.2,
  rateFabricatedSentence: 0.2,
};

function corpus(): SourceDocument[] {
  return readFileSync(sampleCorpus, "utf8")
    .trim()
    .split("\n")
    .map((line, index) => ({ index, sourceId: `sample:${index + 1}`, text: JSON.parse(line).content as string }));
}

const listed = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(", ") || "none";

export async function benchRules(): Promise<boolean> {
  // In this process: the benchmark reads the simulator's record of spoiled texts, and CPU is not measured.
  const sim = await startSimServer(RULE_BREAKING_RATES);
  try {
    const documents = corpus();
    const model = createOpenAIEngine({ baseURL: sim.baseURL, model: "sim-model" });
    const run = synthesize(documents, { model, mu: MU, concurrency: 32, seed: 1 });
    let kept = 0;
    const keptByLevel: Record<string, number> = {};
    let broken = 0;
    const brokenByKind: Record<string, number> = {};
    for await (const record of run) {
      kept++;
      keptByLevel[record.level] = (keptByLevel[record.level] ?? 0) + 1;
      const kinds = spoilsOf(record, sim.spoiled);
      if (kinds.length === 0) continue;
      broken++;
      for (const k of kinds) brokenByKind[k] = (brokenByKind[k] ?? 0) + 1;
    }
    const s = run.stats;
    const written = Object.fromEntries(SPOIL_KINDS.map((k) => [k, sim.stats.content[k]]));
    const asked = documents.length * MU * LEVELS;

    console.log(`rules: ${documents.length} documents of the sample corpus, --mu ${MU}, every misbehaviour switch of the simulator on`);
    console.log(`  rates                ${listed(RULE_BREAKING_RATES as Record<string, number>)}`);
    console.log(`  asked                ${asked} (${documents.length} documents x ${MU} x ${LEVELS} levels)`);
    console.log(`  items kept           ${kept} (${listed(keptByLevel)}; ${s.documentsFailed} documents failed)`);
    console.log(`  dropped              ${listed(s.droppedReasons)}`);
    console.log(`  spoiled by the sim   ${listed(written)}`);
    console.log(`  rule-breaking kept   ${broken} (${listed(brokenByKind)}), by the simulator's record`);
    console.log(`  LLM calls            ${s.calls} = ${kept > 0 ? (s.calls / kept).toFixed(2) : "n/a"} per kept item`);
    console.log(`  goal: 0 rule-breaking items kept ${broken === 0 ? "ok" : "NOT MET"}`);
    return broken === 0;
  } finally {
    await sim.close();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) await benchRules();
