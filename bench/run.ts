/** `npm run bench`: every benchmark, each printing its figures; exit 1 when a goal is missed. */
import { benchBatch } from "./batch.bench.js";
import { benchBudgets } from "./budgets.bench.js";
import { benchDedup } from "./dedup.bench.js";
import { benchEmbeddingDiversity } from "./embedding-diversity.bench.js";
import { benchLimits } from "./limits.bench.js";
import { benchLocal } from "./local.bench.js";
import { benchParquet } from "./parquet.bench.js";
import { benchPdf } from "./pdf.bench.js";
import { benchRules } from "./rules.bench.js";
import { benchSelfBleu } from "./self-bleu.bench.js";
import { benchStore } from "./store.bench.js";
import { benchSynth } from "./synth.bench.js";

const results = [await benchSynth(), await benchLimits(), await benchBatch(), await benchStore(), await benchSelfBleu(), await benchEmbeddingDiversity(), await benchBudgets(), await benchRules(), await benchDedup(), await benchParquet(), await benchLocal(), await benchPdf()];
process.exitCode = results.every(Boolean) ? 0 : 1;
