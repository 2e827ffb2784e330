import { readFile, writeFile } from "node:fs/promises";
import { formatBudgetDistribution } from "../output/budget-distribution.js";
import { formatEstimate } from "../output/estimate-report.js";
import { downloadProgress } from "../output/download-progress.js";
import { formatComparison, formatDifficulty, formatDiversity, formatQa } from "../output/eval-report.js";
import { jobReport } from "../output/job-report.js";
import { formatStatus } from "../output/status-report.js";
import { formatPushResult, uploadProgress } from "../output/push-report.js";
import { hubCredentials } from "../publish/hub-credentials.js";
import { pushDataset } from "../publish/push-dataset.js";
import { checkRepoName } from "../publish/repo-name.js";
import { compareDatasets, measureDifficulty, measureDiversity, measureQa, paperCaveat, withPaperSettings, type EvalCommand, type PaperComparableOptions } from "../eval/index.js";
import { ConfigError, curateStore, uncuratedRecords, exportStore, extractCorpus, HF_FORMAT, runStatus, SynthesisJob, writeHfDataset, type DatasetInfoNote, type SplitPart } from "../index.js";
import { formatCuration } from "../output/curation-report.js";
import { LOCAL_ENGINE_FLAGS, type FlagName, type Flags } from "./option-table.js";
import { endpointOptions } from "./synth-endpoints.js";

/** Where a command reads and writes: the process's streams and environment, or a test's. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /**
   * Aborts on the first interrupt (Ctrl-C, SIGTERM): a run stops sending and finishes what is in
   * flight. Given by main.ts for commands that ask for it, by tests directly.
   */
  interrupt?: () => AbortSignal;
}

/** One command: its words, the flags it takes from the option table, and what it does with them. */
export interface CommandDef<Names extends readonly FlagName[]> {
  /** A command inside a group, e.g. `eval diversity`. */
  group?: { name: string; description: string };
  name: string;
  description: string;
  args?: Array<{ name: string; help: string }>;
  flags: Names;
  required?: readonly Names[number][];
  /** Flags this command takes several times (among those the option table marks repeatable); others refuse a second one. */
  repeatable?: readonly Names[number][];
  /** Flags that FOVEATE_<FLAG> in the environment may set; other commands' variables leave these alone. */
  env?: readonly Names[number][];
  helpAfter?: string;
  /** Resolves with the exit code. */
  action: (args: string[], flags: Flags<Names>, io: CliIo) => Promise<number>;
}

const define = <const Names extends readonly FlagName[]>(def: CommandDef<Names>) => def;
const line = (stream: NodeJS.WritableStream) => (text: string) => stream.write(`${text}\n`);

const SYNTH_FLAGS = [
  "output", "baseUrl", "apiKey", "endpoints", "sameModel", "engine", "model", "method", "mu", "levels", "important", "maxRounds", "shots",
  "temperature", "frequencyPenalty", "maxTokens", "concurrency", "limit", "seed", "textField", "onBadInput", "timeout",
  "maxRetries", "store", "forceNew", "acceptThin", "dryRun", "maxCost", "priceIn", "priceOut", "rpm", "tpm", "maxDocTokens", "grace",
  "batch", "batchFiles", "wait", "batchResynthesis", "batchPoll", "batchPriceIn", "batchPriceOut",
  "alpha", "relevanceThreshold", "nmax", "embedModel", "embedBaseUrl", "embedApiKey", ...LOCAL_ENGINE_FLAGS, "quiet",
] as const;

const synth = define({
  name: "synth",
  description:
    "Synthesize (instruction, response) pairs from a corpus: JSONL or JSON with a text field, CSV with a header, " +
    "a Markdown (.md, read with its headings) or .txt file, or a directory of them. Talks to an OpenAI-compatible endpoint, or runs a GGUF model in this " +
    "process (--engine local; the default when no API key or base URL is set).",
  args: [{ name: "corpus", help: "corpus file or directory" }],
  flags: SYNTH_FLAGS,
  env: SYNTH_FLAGS,
  repeatable: ["baseUrl", "apiKey"],
  helpAfter: `
Examples:
  OPENAI_API_KEY=sk-... foveate synth corpus.jsonl -o data.jsonl
  foveate synth docs/ --base-url http://localhost:8000/v1 --model Qwen2.5-7B-Instruct -o data.jsonl
  foveate synth docs/ --base-url http://gpu1:8000/v1 --base-url http://gpu2:8000/v1 --model Qwen2.5-7B-Instruct -o data.jsonl
  foveate synth docs/ --endpoints fleet.txt --model Qwen2.5-7B-Instruct -o data.jsonl      (fleet.txt: one URL a line)
  foveate synth corpus.csv --text-field body --method self-qa --mu 10 -o baseline.jsonl
  foveate synth corpus.jsonl --dry-run --model gpt-4o-mini
  foveate synth corpus.jsonl --model gpt-4o-mini --batch -o data.jsonl      (the Batch API: half the price, within 24 h)
  foveate synth corpus.jsonl --model gpt-4o-mini --batch --no-wait -o data.jsonl      (submit, exit 75; run again later)
  foveate synth corpus.jsonl --model ~/models/Qwen2.5-7B-Instruct-Q4_K_M.gguf -o data.jsonl      (offline)
  foveate synth corpus.jsonl -o data.jsonl      (no key set: downloads the default local model once)

A run is resumable: every reply is committed to the run store (OUTPUT.foveate.db; without -o, a
store named for the corpus and settings, printed at the start) before it is used, so running the
same command again after a crash, Ctrl-C or --max-cost stop finishes the run without paying for
any reply twice. A batched run (--batch, --batch-files) records each batch in the store before it
waits on it: run the same command again and it collects what it submitted.`,
  action: async ([corpus], { baseUrl, apiKey, endpoints, sameModel, ...flags }, io) => {
    const endpointsText = endpoints === undefined ? undefined : await readFile(endpoints, "utf8");
    const where = endpointOptions({ ...flags, baseUrl, apiKey, endpoints, sameModel }, io.env, endpointsText);
    const job = new SynthesisJob({ ...flags, ...where, corpus: corpus!, output: flags.output ?? io.stdout, env: io.env });
    const report = jobReport({ stream: io.stderr, quiet: flags.quiet === true });
    try {
      if (flags.dryRun) {
        const { budgets, estimate, price } = await job.estimate({ onEvent: report.onEvent });
        const print = line(io.stderr);
        if (budgets?.note) print(`Budgets: ${budgets.note}`);
        if (budgets) print(formatBudgetDistribution(budgets.budgets));
        print(formatEstimate(estimate, price));
        return 0;
      }
      const summary = await job.start({ onEvent: report.onEvent, ...(io.interrupt ? { signal: io.interrupt() } : {}) });
      return summary.stats.documentsFailed > 0 || (summary.thin && flags.acceptThin !== true) ? 1 : 0;
    } finally {
      report.stop();
    }
  },
});

const extract = define({
  name: "extract",
  description:
    "Write the corpus as synth reads it, one JSON line per document: its text (\"content\"), \"source_id\", and, for a " +
    "document read with its structure (.pdf, .docx, .html, .md, .epub, .txt), \"source\": the file, pages, chapter and heading paths with their " +
    "offsets. Check or fix the text, then give the file to synth, which reads the structure back.",
  args: [{ name: "corpus", help: "corpus file or directory" }],
  flags: ["output", "textField", "onBadInput"],
  helpAfter: `
Examples:
  foveate extract docs/ -o corpus.jsonl
  foveate extract docs/ --on-bad-input skip -o corpus.jsonl      (a file that cannot be read is named and left out)
  foveate synth corpus.jsonl -o data.jsonl      (records keep "source", "page" and "section")`,
  action: async ([corpus], flags, io) => {
    const print = line(io.stderr);
    const { documents, skipped } = await extractCorpus(corpus!, {
      output: flags.output ?? io.stdout,
      textField: flags.textField,
      onBadInput: flags.onBadInput,
      onSkip: (error) => print(`skipped ${error.message}`),
    });
    const where = flags.output ? ` to ${flags.output}` : "";
    print(`Extracted ${documents.toLocaleString("en-US")} documents${where}${skipped > 0 ? `; skipped ${skipped.toLocaleString("en-US")} bad input` : ""}`);
    return 0;
  },
});

const exportCommand = define({
  name: "export",
  description: "Write the dataset held in a run store, without what curation removed, also while its run is going.",
  args: [{ name: "store", help: "run store file (OUTPUT.foveate.db)" }],
  flags: ["output", "format", "system", "split", "seed", "license"],
  helpAfter: `
Examples:
  foveate export data.jsonl.foveate.db -o train.jsonl --format openai --system "You answer questions about the manual."
  foveate export data.jsonl.foveate.db -o train.jsonl --format trl-messages      (TRL SFTTrainer; trl-prompt-completion: loss on the answer only)
  foveate export data.jsonl.foveate.db -o LLaMA-Factory/data/manual.jsonl --format llama-factory-alpaca
      (adds the entry "manual" to LLaMA-Factory/data/dataset_info.json, keeping the others: train with dataset: manual)
  foveate export data.jsonl.foveate.db -o manual.jsonl --format axolotl
      and in the Axolotl config:
        datasets:
          - path: manual.jsonl
            ds_type: json
            type: chat_template
            field_messages: messages
            roles_to_train: ["assistant"]
  foveate export data.jsonl.foveate.db --format hf -o dataset/      (data/train-00000-of-00001.parquet and README.md)
  foveate export data.jsonl.foveate.db --format hf --split train=0.9,test=0.1 --seed 1 -o dataset/
  foveate export data.jsonl.foveate.db --format hf --license cc-by-4.0 -o dataset/      (the card's license)`,
  action: async ([store], flags, io) => {
    if (flags.format === HF_FORMAT) {
      if (flags.system !== undefined) throw new ConfigError("--system is for the fine-tuning formats; --format hf keeps instruction and output as they are");
      return exportHf(store!, flags, io);
    }
    if (flags.license !== undefined) throw new ConfigError("--license is for --format hf, whose dataset card states it");
    if (flags.split !== undefined) throw new ConfigError("--split is for --format hf, which writes a dataset folder with splits");
    const print = line(io.stderr);
    const count = await exportStore(store!, flags.output ?? io.stdout, flags.format, {
      ...(flags.system === undefined ? {} : { system: flags.system }),
      onDatasetInfo: (note) => print(formatDatasetInfoNote(note)),
    });
    if (flags.output) print(`Exported ${count.toLocaleString("en-US")} records (${flags.format}) to ${flags.output}`);
    noteUncurated(store!, count, print);
    return 0;
  },
});

async function exportHf(store: string, flags: { output?: string | undefined; split?: SplitPart[] | undefined; seed: number; license?: string | undefined }, io: CliIo): Promise<number> {
  if (flags.output === undefined) throw new ConfigError("--format hf writes a folder: name it with -o DIR");
  const summary = await writeHfDataset(store, flags.output, { ...(flags.split ? { split: flags.split } : {}), seed: flags.seed, ...(flags.license ? { license: flags.license } : {}) });
  const splits = summary.splits.map((s) => `${s.name} ${s.rows.toLocaleString("en-US")} (${s.documents.toLocaleString("en-US")} documents)`).join(", ");
  line(io.stderr)(`Exported ${summary.rows.toLocaleString("en-US")} records (hf) to ${flags.output}: ${splits}`);
  noteUncurated(store, summary.rows, line(io.stderr));
  return 0;
}

/** Says when an export of a curated store holds records its curation never saw. */
function noteUncurated(store: string, exported: number, print: (text: string) => void): void {
  const unseen = uncuratedRecords(store, exported);
  if (unseen > 0) print(`note: ${unseen.toLocaleString("en-US")} of these records are of documents the last curation did not see (unfinished then, or finished since): curate again`);
}

const JUDGE_FLAGS = ["judgeModel", "judgeBaseUrl", "judgeApiKey"] as const;

const curate = define({
  name: "curate",
  description:
    "Curate a run's dataset: remove duplicates (--dedup, --dedup-embeddings) and items a judge scores low (--judge-model, --min-score). " +
    "The decisions are recorded in the store (nothing is deleted): export writes what curation kept, status shows what it removed, and curating again replaces them.",
  args: [{ name: "store", help: "run store file (OUTPUT.foveate.db)" }],
  flags: [
    "dedup", "dedupThreshold", "dedupEmbeddings", "dedupCosine", "embedModel", "embedBaseUrl", "embedApiKey", ...JUDGE_FLAGS, "minScore", "corpus", "textField",
    "concurrency", "maxCost", "priceIn", "priceOut", ...LOCAL_ENGINE_FLAGS, "quiet",
  ],
  env: LOCAL_ENGINE_FLAGS,
  helpAfter: `
Examples:
  foveate curate data.jsonl.foveate.db --dedup
  foveate curate data.jsonl.foveate.db --dedup --dedup-embeddings --embed-model text-embedding-3-small
  foveate curate data.jsonl.foveate.db --dedup --judge-model gpt-4o-mini --min-score 6 --max-cost 5
  foveate export data.jsonl.foveate.db -o curated.jsonl      (what curation kept)

Only finished documents are curated; a store a run is still writing is refused. The judge reads each
item with the passage of the corpus it came from (the corpus synth read, or --corpus). Curating
again pays for nothing paid before: embeddings and the judge's replies are kept in the store, and a
curation stopped by --max-cost (exit 3) goes on where it stopped.`,
  action: async ([store], flags, io) => {
    const print = line(io.stderr);
    const summary = await curateStore(store!, {
      ...flags,
      env: io.env,
      download: downloadProgress(print, io.stderr),
      onWarning: (message) => print(`warning: ${message}`),
      ...(io.interrupt ? { signal: io.interrupt() } : {}),
    });
    if (!flags.quiet) for (const text of formatCuration(summary)) print(text);
    return (summary.judge?.unjudged ?? 0) > 0 ? 3 : 0;
  },
});

/** What the user learns of LLaMA-Factory's dataset_info.json entry: where it went, or the entry to add by hand. */
function formatDatasetInfoNote(note: DatasetInfoNote): string {
  if (note.path === undefined) {
    return `LLaMA-Factory: save the records as ${note.entry.file_name} and add to the dataset_info.json beside them: ${JSON.stringify(note.name)}: ${JSON.stringify(note.entry)}`;
  }
  return `LLaMA-Factory: ${note.replaced ? "replaced" : "added"} the entry ${JSON.stringify(note.name)} in ${note.path} (train with dataset: ${note.name})`;
}

const status = define({
  name: "status",
  description: "Show where a run stands: documents done, unfinished and failed per level, items, calls, tokens, cost.",
  args: [{ name: "store", help: "run store file (OUTPUT.foveate.db)" }],
  flags: [],
  action: async ([store], _, io) => {
    line(io.stdout)(formatStatus(store!, runStatus(store!)));
    return 0;
  },
});

const push = define({
  name: "push",
  description:
    "Upload a dataset folder (what export --format hf -o DIR writes; any folder of files, dot-files left out) to the Hugging Face Hub " +
    "as a dataset repository, created when missing. Sends only the files the repository lacks or holds with other content, in one commit.",
  args: [{ name: "dir", help: "the folder to upload" }],
  flags: ["repo", "private"],
  required: ["repo"],
  helpAfter: `
Examples:
  foveate export run.foveate.db --format hf -o my-dataset
  HF_TOKEN=hf_... foveate push my-dataset --repo my-user/my-dataset --private

The token is HF_TOKEN, else the one huggingface-cli login saved; HF_ENDPOINT names another Hub.
A push cut off (a dropped connection, Ctrl-C) commits nothing: run it again and it sends only what
is missing.`,
  action: async ([dir], flags, io) => {
    const repo = checkRepoName(flags.repo!);
    const { token, hubUrl } = await hubCredentials(io.env);
    const print = line(io.stderr);
    const progress = uploadProgress(print, io.stderr);
    try {
      const result = await pushDataset(dir!, { repo, token, hubUrl, private: flags.private === true, onProgress: progress.onProgress });
      for (const text of formatPushResult(result, flags.private === true)) print(text);
      line(io.stdout)(result.url);
      return 0;
    } finally {
      progress.stop();
    }
  },
});

const EVAL = { name: "eval", description: "Measure datasets as the paper does: diversity, difficulty, downstream QA, and a side-by-side comparison." };
const EMBED_FLAGS = ["embeddings", "embedModel", "embedBaseUrl", "embedApiKey", "topK"] as const;
const DIFFICULTY_FLAGS = ["verdict", "bothOrders", "seed", "concurrency", "textField"] as const;

/** What every evaluation needs from the CLI: its environment and where a model download is shown. */
const evalIo = (io: CliIo) => ({
  env: io.env,
  download: downloadProgress(line(io.stderr), io.stderr),
  onWarning: (message: string) => line(io.stderr)(`warning: ${message}`),
});

/** The flags with --paper's settings filled in; says on stderr, in one line, what differs from the paper's. */
function paperOptions<F extends PaperComparableOptions>(command: EvalCommand, flags: F, io: CliIo): F {
  const options = withPaperSettings(command, flags);
  const caveat = paperCaveat(command, options);
  if (caveat) line(io.stderr)(caveat);
  return options;
}

const diversity = define({
  group: EVAL,
  env: LOCAL_ENGINE_FLAGS,
  name: "diversity",
  description: "Self-BLEU diversity (NLTK-exact, linear time) and, with --embeddings, embedding diversity of a dataset's instructions.",
  args: [{ name: "data", help: "JSON Lines with an instruction field" }],
  flags: [...LOCAL_ENGINE_FLAGS, ...EMBED_FLAGS, "paper", "store", "json"],
  action: async ([data], flags, io) => {
    const result = await measureDiversity(data!, { ...paperOptions("diversity", flags, io), ...evalIo(io) });
    line(io.stdout)(flags.json ? JSON.stringify(result, null, 2) : formatDiversity(data!, result));
    return 0;
  },
});

const difficulty = define({
  group: EVAL,
  env: LOCAL_ENGINE_FLAGS,
  name: "difficulty",
  description: "Pairwise difficulty: per document in both datasets, a judge says which instruction set is harder.",
  flags: [...LOCAL_ENGINE_FLAGS, "a", "b", "corpus", ...JUDGE_FLAGS, ...DIFFICULTY_FLAGS, "paper", "report", "store", "json"],
  required: ["a", "b", "corpus"],
  action: async (_, flags, io) => {
    const report = await measureDifficulty(flags.a!, flags.b!, flags.corpus!, { ...paperOptions("difficulty", flags, io), ...evalIo(io) });
    for (const warning of report.warnings) line(io.stderr)(`warning: ${warning}`);
    if (flags.report) await writeFile(flags.report, JSON.stringify(report, null, 2));
    line(io.stdout)(flags.json ? JSON.stringify({ ...report, perDocument: undefined }, null, 2) : formatDifficulty(flags.a!, flags.b!, report));
    return 0;
  },
});

const qa = define({
  group: EVAL,
  env: LOCAL_ENGINE_FLAGS,
  name: "qa",
  description: "Downstream QA: the model under test answers each question closed-book; token-set P/R/F1 and judge accuracy over rounds.",
  flags: [
    ...LOCAL_ENGINE_FLAGS, "test", "targetModel", "targetBaseUrl", "targetApiKey", ...JUDGE_FLAGS, "judgeStyle", "rounds", "temperature", "topP",
    "maxTokens", "repetitionPenalty", "concurrency", "paper", "store", "json",
  ],
  required: ["test", "targetModel"],
  action: async (_, flags, io) => {
    const options = paperOptions("qa", flags, io);
    const report = await measureQa(flags.test!, { ...options, targetModel: flags.targetModel!, ...evalIo(io) });
    line(io.stdout)(flags.json ? JSON.stringify(report, null, 2) : formatQa(flags.targetModel!, report, Boolean(options.judgeModel)));
    return 0;
  },
});

const compare = define({
  group: EVAL,
  env: LOCAL_ENGINE_FLAGS,
  name: "compare",
  description: "Self-Foveate against Self-QA (or any two datasets): diversity side by side, and difficulty when a judge and the corpus are given.",
  args: [
    { name: "a", help: "first dataset" },
    { name: "b", help: "second dataset" },
  ],
  flags: [...LOCAL_ENGINE_FLAGS, ...EMBED_FLAGS, "corpus", ...JUDGE_FLAGS, ...DIFFICULTY_FLAGS, "paper", "store", "json"],
  action: async ([a, b], flags, io) => {
    const c = await compareDatasets(a!, b!, { ...paperOptions("compare", flags, io), ...evalIo(io) });
    for (const warning of c.difficulty?.warnings ?? []) line(io.stderr)(`warning: ${warning}`);
    const difficultyJson = c.difficulty ? { ...c.difficulty, perDocument: undefined } : null;
    line(io.stdout)(flags.json ? JSON.stringify({ a: { file: a, ...c.a }, b: { file: b, ...c.b }, difficulty: difficultyJson }, null, 2) : formatComparison(a!, b!, c));
    return 0;
  },
});

/** Every command, in the order `foveate --help` lists them. */
export const COMMANDS = [synth, extract, curate, exportCommand, status, push, diversity, difficulty, qa, compare] as const;
