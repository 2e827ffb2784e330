import { Command, InvalidArgumentError, Option } from "commander";
import { readCorpus } from "../corpus/read-corpus.js";
import { ConfigError } from "../errors.js";
import { readInstructions, readQaTest, type InstructionRecord } from "../eval/dataset.js";
import { compareDifficulty, type DifficultyReport } from "../eval/difficulty.js";
import { CLOSED_BOOK_PROMPT_VERSION, evaluateQa } from "../eval/downstream-qa.js";
import { JUDGE_PROMPT_VERSION } from "../eval/judge-prompts.js";
import { describeTopPairsMethod, embeddingDiversity, TOP_PAIRS_METHOD_HELP } from "../eval/embedding-diversity.js";
import { selfBleu } from "../eval/self-bleu.js";
import { tokenizeWords } from "../eval/treebank-tokenizer.js";
import { createEmbeddingEngine, type EmbeddingModel } from "../llm/embedding-engine.js";
import { createOpenAIEngine, DEFAULT_BASE_URL } from "../llm/openai-engine.js";
import type { LanguageModel } from "../llm/port.js";
import { cachedEmbeddings } from "../store/cached-embeddings.js";
import { cachedModel } from "../store/cached-model.js";
import { RunStore } from "../store/run-store.js";
import type { LocalEngine } from "../llm/local-engine.js";
import { isLocalModelSpec, openLocalEmbeddings, openLocalEngine, type LocalEngineFlags } from "./engine-choice.js";
import { localEngineOptions } from "./synth-options.js";

/**
 * `foveate eval`: the paper's measurements. Every model reply (judge, model under test,
 * embeddings) is cached in a store, so running an evaluation again costs nothing and an
 * interrupted one resumes.
 */

const print = (line: string) => process.stdout.write(`${line}\n`);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number) => x.toFixed(4);

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
    return n;
  };
}

interface EndpointFlags {
  baseUrl?: string;
  apiKey?: string;
  model: string;
}

/**
 * The local models a command opened: one engine per model however many roles (model under test,
 * judge) use it, so a file is loaded once, and all are closed when the command ends.
 */
class LocalModels {
  private readonly opened = new Map<string, Promise<LocalEngine>>();

  constructor(private readonly flags: LocalEngineFlags) {}

  open(spec: string): Promise<LocalEngine> {
    let engine = this.opened.get(spec);
    if (!engine) {
      engine = openLocalEngine(spec, this.flags, localIo());
      this.opened.set(spec, engine);
    }
    return engine;
  }

  async close(): Promise<void> {
    for (const engine of this.opened.values()) await engine.then((e) => e.dispose(), () => {});
  }
}

const localIo = () => ({ say: (line: string) => process.stderr.write(`${line}\n`), stream: process.stderr, env: process.env });

/**
 * A chat model from a family of flags (judge, target), with its replies cached: a GGUF file or URI
 * runs in this process, any other name is asked of an OpenAI-compatible endpoint.
 */
async function chatModel(who: string, flags: EndpointFlags, store: RunStore, locals: LocalModels): Promise<LanguageModel> {
  if (isLocalModelSpec(flags.model)) return cachedModel(await locals.open(flags.model), store, { promptVersion: who === "judge" ? JUDGE_PROMPT_VERSION : CLOSED_BOOK_PROMPT_VERSION });
  const baseURL = flags.baseUrl ?? process.env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL;
  const apiKey = flags.apiKey ?? process.env.OPENAI_API_KEY;
  if (!apiKey && baseURL === DEFAULT_BASE_URL) {
    throw new ConfigError(
      `no API key for the ${who} at ${DEFAULT_BASE_URL}: set OPENAI_API_KEY (or --${who}-api-key), give --${who}-base-url, or name a GGUF model to run locally`,
    );
  }
  const engine = createOpenAIEngine({ baseURL, ...(apiKey ? { apiKey } : {}), model: flags.model });
  return cachedModel(engine, store, { promptVersion: who === "judge" ? JUDGE_PROMPT_VERSION : CLOSED_BOOK_PROMPT_VERSION });
}

/** The judge named by --judge-model, --judge-base-url and --judge-api-key. */
function judgeModel(
  flags: { judgeModel?: string; judgeBaseUrl?: string; judgeApiKey?: string },
  model: string,
  store: RunStore,
  locals: LocalModels,
): Promise<LanguageModel> {
  return chatModel("judge", { model, ...(flags.judgeBaseUrl ? { baseUrl: flags.judgeBaseUrl } : {}), ...(flags.judgeApiKey ? { apiKey: flags.judgeApiKey } : {}) }, store, locals);
}

/** Adds the local engine's options (--gpu, --parallel, ...) to a command that may run a GGUF model. */
function withLocalEngineOptions(command: Command): Command {
  for (const option of localEngineOptions()) command.addOption(option);
  return command;
}

/** How difficulty is asked for: shared by `difficulty` and `compare`. */
const difficultyOptions = (command: Command) =>
  command
    .option("--both-orders", "ask twice with the sets swapped; a win counts only when both verdicts agree")
    .option("--seed <n>", "seed of the presentation order", integer(0), 0)
    .option("--concurrency <n>", "judge calls in flight", integer(1), 16)
    .option("--text-field <name>", "field holding the corpus text", "content");

const storeOption = () => new Option("--store <file>", "cache of every model reply, so a rerun costs nothing").default("foveate-eval.foveate.db");
const judgeOptions = (command: Command) =>
  command
    .option("--judge-model <name>", "the judge model, by name or a GGUF file or hf: URI to run locally (difficulty: default gpt-4o-mini; qa and compare use a judge only when one is given)")
    .option("--judge-base-url <url>", "its OpenAI-compatible endpoint (also OPENAI_BASE_URL)")
    .option("--judge-api-key <key>", "its key (also OPENAI_API_KEY)");
const embedOptions = (command: Command) =>
  command
    .option("--embeddings", "also measure embedding diversity (1 - mean pairwise cosine)")
    .option("--embed-model <name>", "embedding model, by name or a GGUF file or hf: URI to run locally", "text-embedding-3-small")
    .option("--embed-base-url <url>", "its OpenAI-compatible endpoint (also OPENAI_BASE_URL)")
    .option("--embed-api-key <key>", "its key (also OPENAI_API_KEY)")
    .option("--top-k <n>", `most similar pairs to show. ${TOP_PAIRS_METHOD_HELP}`, integer(1), 5);

interface DiversityFlags extends LocalEngineFlags {
  embeddings?: boolean;
  embedModel: string;
  embedBaseUrl?: string;
  embedApiKey?: string;
  topK: number;
  store: string;
  json?: boolean;
}

interface DiversityResult {
  instructions: number;
  selfBleu: { mean: Record<string, number>; diversity: number };
  embedding?: { model: string; diversity: number; meanCosine: number; topPairsMethod: string; topPairs: Array<{ cosine: number; a: string; b: string }> };
}

async function measureDiversity(records: InstructionRecord[], flags: DiversityFlags): Promise<DiversityResult> {
  const texts = records.map((r) => r.instruction);
  const bleu = selfBleu(texts.map(tokenizeWords));
  const result: DiversityResult = {
    instructions: texts.length,
    selfBleu: { mean: Object.fromEntries(Object.entries(bleu.mean).map(([n, v]) => [n, v])), diversity: bleu.diversity },
  };
  if (flags.embeddings) {
    const local = isLocalModelSpec(flags.embedModel) ? await openLocalEmbeddings(flags.embedModel, flags, localIo()) : undefined;
    const store = RunStore.open(flags.store);
    try {
      const engine = cachedEmbeddings(local ?? apiEmbeddings(flags), store);
      const vectors = await engine.embed(texts);
      const d = embeddingDiversity(vectors, { topK: flags.topK });
      result.embedding = {
        model: flags.embedModel,
        diversity: d.diversity,
        meanCosine: d.meanCosine,
        topPairsMethod: describeTopPairsMethod(d.topPairsMethod, flags.topK),
        topPairs: d.topPairs.map((p) => ({ cosine: p.cosine, a: texts[p.i]!, b: texts[p.j]! })),
      };
    } finally {
      store.close();
      await local?.dispose();
    }
  }
  return result;
}

function apiEmbeddings(flags: DiversityFlags): EmbeddingModel {
  const baseURL = flags.embedBaseUrl ?? process.env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL;
  const apiKey = flags.embedApiKey ?? process.env.OPENAI_API_KEY;
  if (!apiKey && baseURL === DEFAULT_BASE_URL) {
    throw new ConfigError(`no API key for embeddings at ${DEFAULT_BASE_URL}: set OPENAI_API_KEY, give --embed-base-url, or name a GGUF model to run locally`);
  }
  return createEmbeddingEngine({ baseURL, ...(apiKey ? { apiKey } : {}), model: flags.embedModel });
}

function printDiversity(name: string, r: DiversityResult): void {
  print(`${name}: ${r.instructions.toLocaleString("en-US")} instructions`);
  print(`  Self-BLEU  ${Object.entries(r.selfBleu.mean).map(([n, v]) => `n=${n} ${num(v)}`).join("  ")}`);
  print(`  diversity (1 - mean Self-BLEU)       ${num(r.selfBleu.diversity)}`);
  if (r.embedding) {
    print(`  embedding diversity (1 - mean cosine) ${num(r.embedding.diversity)}  [${r.embedding.model}]`);
    print(`    most similar pairs (${r.embedding.topPairsMethod}):`);
    for (const p of r.embedding.topPairs) print(`    ${p.cosine.toFixed(3)}  ${JSON.stringify(p.a)}  ~  ${JSON.stringify(p.b)}`);
  }
}

async function readDocuments(path: string, textField: string): Promise<string[]> {
  const texts: string[] = [];
  for await (const document of readCorpus(path, { textField })) texts.push(document.text);
  return texts;
}

interface DifficultyFlags extends LocalEngineFlags {
  judgeModel?: string;
  judgeBaseUrl?: string;
  judgeApiKey?: string;
  bothOrders?: boolean;
  seed: number;
  concurrency: number;
  textField: string;
  store: string;
}

async function measureDifficulty(a: string, b: string, corpus: string, flags: DifficultyFlags): Promise<DifficultyReport> {
  const [recordsA, recordsB, documents] = await Promise.all([readInstructions(a), readInstructions(b), readDocuments(corpus, flags.textField)]);
  const store = RunStore.open(flags.store);
  const locals = new LocalModels(flags);
  try {
    const judge = await judgeModel(flags, flags.judgeModel ?? "gpt-4o-mini", store, locals);
    return await compareDifficulty({
      judge,
      a: { name: a, records: recordsA },
      b: { name: b, records: recordsB },
      documents,
      seed: flags.seed,
      bothOrders: flags.bothOrders === true,
      concurrency: flags.concurrency,
    });
  } finally {
    store.close();
    await locals.close();
  }
}

function printDifficulty(a: string, b: string, r: DifficultyReport): void {
  print(`Difficulty over ${r.documents} documents (judge says which set is harder)`);
  print(`  ${a}: harder in ${r.winsA} (${pct(r.rateA)}, 95% CI ${pct(r.intervalA[0])}-${pct(r.intervalA[1])})`);
  print(`  ${b}: harder in ${r.winsB} (${pct(r.rateB)}, 95% CI ${pct(r.intervalB[0])}-${pct(r.intervalB[1])})`);
  print(`  ties ${r.ties}, invalid verdicts ${r.invalid}`);
}

export function evalCommand(): Command {
  const command = new Command("eval").description("Measure datasets as the paper does: diversity, difficulty, downstream QA, and a side-by-side comparison.");

  embedOptions(
    withLocalEngineOptions(command.command("diversity"))
      .description("Self-BLEU diversity (NLTK-exact, linear time) and, with --embeddings, embedding diversity of a dataset's instructions.")
      .argument("<data>", "JSON Lines with an instruction field"),
  )
    .addOption(storeOption())
    .option("--json", "print JSON")
    .action(async (data: string, flags: DiversityFlags) => {
      const result = await measureDiversity(await readInstructions(data), flags);
      if (flags.json) print(JSON.stringify(result, null, 2));
      else printDiversity(data, result);
    });

  difficultyOptions(judgeOptions(
    withLocalEngineOptions(command.command("difficulty"))
      .description("Pairwise difficulty: per document in both datasets, a judge says which instruction set is harder.")
      .requiredOption("--a <file>", "first dataset (JSON Lines with instruction and article_index)")
      .requiredOption("--b <file>", "second dataset")
      .requiredOption("--corpus <file>", "the corpus both were made from (article_index points into it)"),
  ))
    .option("--report <file>", "write the per-document verdicts as JSON")
    .addOption(storeOption())
    .option("--json", "print JSON")
    .action(async (flags: DifficultyFlags & { a: string; b: string; corpus: string; report?: string; json?: boolean }) => {
      const report = await measureDifficulty(flags.a, flags.b, flags.corpus, flags);
      if (flags.report) {
        const { writeFile } = await import("node:fs/promises");
        await writeFile(flags.report, JSON.stringify(report, null, 2));
      }
      if (flags.json) print(JSON.stringify({ ...report, perDocument: undefined }, null, 2));
      else printDifficulty(flags.a, flags.b, report);
    });

  judgeOptions(
    withLocalEngineOptions(command.command("qa"))
      .description("Downstream QA: the model under test answers each question closed-book; token-set P/R/F1 and judge accuracy over rounds.")
      .requiredOption("--test <file>", "JSON Lines with question and answer (a string or a list)")
      .requiredOption("--target-model <name>", "the model under test, by name or a GGUF file or hf: URI to run locally")
      .option("--target-base-url <url>", "its OpenAI-compatible endpoint (also OPENAI_BASE_URL)")
      .option("--target-api-key <key>", "its key (also OPENAI_API_KEY)"),
  )
    .option("--rounds <n>", "rounds; mean and sample standard deviation over them", integer(1), 5)
    .option("--temperature <t>", "sampling temperature of the model under test", Number, 0.5)
    .option("--top-p <p>", "its top-p", Number, 0.95)
    .option("--max-tokens <n>", "its longest answer", integer(1), 256)
    .option("--concurrency <n>", "calls in flight", integer(1), 16)
    .addOption(storeOption())
    .option("--json", "print JSON")
    .action(
      async (
        flags: DifficultyFlags & { test: string; targetModel: string; targetBaseUrl?: string; targetApiKey?: string; rounds: number; temperature: number; topP: number; maxTokens: number; json?: boolean },
      ) => {
        const items = await readQaTest(flags.test);
        const store = RunStore.open(flags.store);
        const locals = new LocalModels(flags);
        try {
          const targetFlags = { model: flags.targetModel, ...(flags.targetBaseUrl ? { baseUrl: flags.targetBaseUrl } : {}), ...(flags.targetApiKey ? { apiKey: flags.targetApiKey } : {}) };
          const target = await chatModel("target", targetFlags, store, locals);
          const judge = flags.judgeModel ? await judgeModel(flags, flags.judgeModel, store, locals) : undefined;
          const report = await evaluateQa({
            target,
            ...(judge ? { judge } : {}),
            items,
            rounds: flags.rounds,
            sampling: { temperature: flags.temperature, topP: flags.topP, maxTokens: flags.maxTokens },
            concurrency: flags.concurrency,
          });
          if (flags.json) print(JSON.stringify(report, null, 2));
          else {
            print(`Downstream QA: ${report.questions} questions x ${report.rounds.length} rounds, ${flags.targetModel} closed-book`);
            const row = (name: string, key: "precision" | "recall" | "f1" | "accuracy") =>
              report.mean[key] === undefined ? undefined : `  ${name.padEnd(10)} ${num(report.mean[key]!)} ± ${num(report.std[key]!)}`;
            for (const line of [row("precision", "precision"), row("recall", "recall"), row("F1", "f1"), row("accuracy", "accuracy")]) if (line) print(line);
            if (!judge) print("  (no --judge-model: accuracy not measured)");
          }
        } finally {
          store.close();
          await locals.close();
        }
      },
    );

  difficultyOptions(judgeOptions(
    embedOptions(
      withLocalEngineOptions(command.command("compare"))
        .description("Self-Foveate against Self-QA (or any two datasets): diversity side by side, and difficulty when a judge and the corpus are given.")
        .argument("<a>", "first dataset")
        .argument("<b>", "second dataset")
        .option("--corpus <file>", "the corpus both were made from (needed for difficulty)"),
    ),
  ))
    .addOption(storeOption())
    .option("--json", "print JSON")
    .action(async (a: string, b: string, flags: DiversityFlags & DifficultyFlags & { corpus?: string; json?: boolean }) => {
      const [recordsA, recordsB] = await Promise.all([readInstructions(a), readInstructions(b)]);
      const diversityA = await measureDiversity(recordsA, flags);
      const diversityB = await measureDiversity(recordsB, flags);
      const difficulty = flags.corpus && flags.judgeModel ? await measureDifficulty(a, b, flags.corpus, flags) : undefined;
      if (flags.json) {
        print(JSON.stringify({ a: { file: a, ...diversityA }, b: { file: b, ...diversityB }, difficulty: difficulty ? { ...difficulty, perDocument: undefined } : null }, null, 2));
        return;
      }
      const width = Math.max(a.length, b.length, 12);
      const rows: Array<[string, string, string]> = [
        ["instructions", String(diversityA.instructions), String(diversityB.instructions)],
        ...Object.keys(diversityA.selfBleu.mean).map((n): [string, string, string] => [`Self-BLEU n=${n}`, num(diversityA.selfBleu.mean[n]!), num(diversityB.selfBleu.mean[n]!)]),
        ["Self-BLEU diversity", num(diversityA.selfBleu.diversity), num(diversityB.selfBleu.diversity)],
      ];
      if (diversityA.embedding && diversityB.embedding) rows.push(["embedding diversity", num(diversityA.embedding.diversity), num(diversityB.embedding.diversity)]);
      if (difficulty) rows.push(["harder (win rate)", pct(difficulty.rateA), pct(difficulty.rateB)]);
      print(`${"".padEnd(22)}${a.padStart(width)}  ${b.padStart(width)}`);
      for (const [name, x, y] of rows) print(`${name.padEnd(22)}${x.padStart(width)}  ${y.padStart(width)}`);
      if (difficulty) print(`difficulty: ${difficulty.documents} documents, ties ${difficulty.ties}, invalid ${difficulty.invalid}`);
      else print("(difficulty needs --corpus and --judge-model)");
    });

  return command;
}
