import { InvalidArgumentError } from "commander";
import { TOP_PAIRS_METHOD_HELP } from "../eval/index.js";
import { DEFAULT_API_EMBED_MODEL, DEFAULT_API_MODEL, DEFAULT_LOCAL_MODEL, EXPORT_FORMATS, HF_FORMAT, LEVELS, parseSplit, SYSTEM_FORMATS, type Level, type SplitPart } from "../index.js";

/**
 * The one table of flags, for every command: each flag declared once with its type (its parser),
 * default and help. A command lists the flags it takes (see commands.ts), and which of them the
 * environment may set as FOVEATE_<FLAG> (e.g. FOVEATE_MAX_ROUNDS=3); the type of what it receives
 * is derived from this table.
 */
export interface FlagSpec<T, D extends T | undefined = T | undefined> {
  /** Commander's syntax: "-o, --output <file>", "--mu <n>", "--dry-run". */
  flags: string;
  help: string;
  /** Turns the text into the value (and rejects a bad one); "previous" for flags given several values. */
  parse?: (value: string, previous: T | undefined) => T;
  /**
   * The flag may be given several times, its values gathered in a list, by the commands that say so
   * (CommandDef.repeatable); any other command refuses a second one.
   */
  repeatable?: boolean;
  choices?: readonly T[];
  default?: D;
  /** How the default reads in help and the README, when not the value itself. */
  defaultHelp?: string;
}

const spec = <T = string, D extends T | undefined = undefined>(s: FlagSpec<T, D>): FlagSpec<T, D> => s;
/** A flag without a value: true when given. */
const toggle = (flags: string, help: string): FlagSpec<boolean> => ({ flags, help });

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
    return n;
  };
}

function number(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

function levelList(value: string): Level[] {
  const levels = value.split(",").map((l) => l.trim()).filter(Boolean);
  const unknown = levels.filter((l) => !(LEVELS as readonly string[]).includes(l));
  if (levels.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${LEVELS.join(", ")}, got "${value}"`);
  }
  return levels as Level[];
}

/** `--split train=0.9,test=0.1`, refused as commander refuses any bad value. */
function splitParts(value: string): SplitPart[] {
  try {
    return parseSplit(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^--split "[^"]*": /, ""));
  }
}

/** A flag given once per value: `--base-url A --base-url B` gives ["A", "B"]. */
function gather(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--important 2 3` (or FOVEATE_IMPORTANT="2 3"): two counts, gathered one value at a time. */
function importantCounts(value: string, previous: number[] | undefined): number[] {
  const counts = [...(previous ?? []), ...value.split(/[\s,]+/).filter(Boolean).map(integer(0))];
  if (counts.length > 2) throw new InvalidArgumentError("expects two counts: CORE MAJOR");
  return counts;
}

export const FLAGS = {
  // Where data goes and the run store.
  output: spec({ flags: "-o, --output <file>", help: "where to write the dataset (extract: the corpus), as JSON Lines; standard output if omitted" }),
  store: spec({ flags: "--store <file>", help: "the SQLite store of every model reply, which makes a run resumable and a rerun free", defaultHelp: "synth OUTPUT.foveate.db, or without -o foveate-CORPUS-HASH.foveate.db; eval foveate-eval.foveate.db" }),
  acceptThin: toggle("--accept-thin", "exit 0 even when less than half of the instructions asked for were kept"),
  forceNew: toggle("--force-new", "start a store made with other settings over (its cached replies are kept)"),
  format: spec({
    flags: "--format <format>",
    help: "record format: the record with its provenance (jsonl), the shape a fine-tuning tool reads (openai-chat and openai are the same), or hf: a Hugging Face dataset folder (Parquet shards and a dataset card) at -o",
    choices: [...EXPORT_FORMATS, HF_FORMAT] as const,
    default: "jsonl",
  }),
  system: spec({
    flags: "--system <prompt>",
    help: `a system message for every record, in the formats that have one: ${SYSTEM_FORMATS.join(", ")}`,
  }),
  split: spec({
    flags: "--split <parts>",
    help: "export --format hf: split by document into named parts with these shares of the items, e.g. train=0.9,test=0.1 (shuffled with --seed)",
    defaultHelp: "train=1",
    parse: splitParts,
  }),

  // The model's endpoint or file.
  baseUrl: spec<string[]>({
    flags: "--base-url <url>",
    help: "OpenAI-compatible endpoint, up to /v1; give it again for each further endpoint of the same model, and the run is spread over all of them",
    defaultHelp: "OPENAI_BASE_URL, else https://api.openai.com/v1",
    parse: gather,
    repeatable: true,
  }),
  apiKey: spec<string[]>({
    flags: "--api-key <key>",
    help: "API key, not needed for a local server; with several --base-url, one key for all or one per --base-url in order",
    defaultHelp: "OPENAI_API_KEY",
    parse: gather,
    repeatable: true,
  }),
  endpoints: spec({
    flags: "--endpoints <file>",
    help: "a file naming the endpoints of the run, one a line: URL [key=KEY | key-env=VARNAME] [model=NAME] [rpm=N] [tpm=N] [concurrency=N]; flags give what a line leaves out",
  }),
  sameModel: toggle("--same-model", "the endpoints' model names differ but serve the same model: accept them"),
  engine: spec({
    flags: "--engine <engine>",
    help: "api: an OpenAI-compatible endpoint; local: a GGUF model run in this process; auto: api when a key or base URL is set (or --model is not a GGUF file), else local",
    choices: ["auto", "api", "local"] as const,
    default: "auto",
  }),
  model: spec({
    flags: "--model <name>",
    help: "api: the model name the endpoint knows; local: a .gguf file, hf:owner/repo/file.gguf or an https URL, downloaded once",
    defaultHelp: `api ${DEFAULT_API_MODEL}; local ${DEFAULT_LOCAL_MODEL}`,
  }),
  timeout: spec({ flags: "--timeout <seconds>", help: "limit for one HTTP request, reply included", parse: number(1, 3600), default: 120 }),
  maxRetries: spec({ flags: "--max-retries <n>", help: "transport retries per call (429, 5xx, dropped connections)", parse: integer(0), default: 6 }),

  // The method.
  method: spec({ flags: "--method <method>", help: "foveate, or the Self-QA baseline (one call per document asks for question-answer pairs)", choices: ["foveate", "self-qa"] as const, default: "foveate" }),
  mu: spec({ flags: "--mu <n>", help: "instructions per document and level", parse: integer(1), default: 8 }),
  levels: spec({ flags: "--levels <list>", help: "levels to run, comma-separated", parse: levelList, default: [...LEVELS], defaultHelp: LEVELS.join(",") }),
  important: spec<number[]>({
    flags: "--important <counts...>",
    help: "scatter importance step: CORE core and MAJOR major keywords drawn more often, e.g. --important 2 3",
    parse: importantCounts,
  }),
  maxRounds: spec({ flags: "--max-rounds <n>", help: "re-synthesis rounds for failed items", parse: integer(0), default: 5 }),
  shots: spec({ flags: "--shots <n>", help: "successful examples shown when re-synthesizing", parse: integer(0), default: 3 }),
  temperature: spec({ flags: "--temperature <t>", help: "sampling temperature", defaultHelp: "synth 1.0, self-qa 0.7; eval qa 0.5", parse: number(0, 2) }),
  frequencyPenalty: spec({ flags: "--frequency-penalty <p>", help: "frequency penalty", defaultHelp: "0.5, self-qa 0", parse: number(-2, 2) }),
  maxTokens: spec({ flags: "--max-tokens <n>", help: "cap on tokens per reply", defaultHelp: "synth the server's; eval qa 256", parse: integer(1) }),
  seed: spec({ flags: "--seed <n>", help: "seed of every random choice (keyword groups, examples, presentation order; export --split: the documents' shuffle)", parse: integer(0), default: 0 }),
  concurrency: spec({ flags: "--concurrency <n>", help: "LLM calls in flight at once, over all documents, levels and steps (at each endpoint, when there are several)", defaultHelp: "synth 32, local: --parallel; eval 16", parse: integer(1) }),

  // The corpus.
  textField: spec({ flags: "--text-field <name>", help: "field (JSON, JSONL) or column (CSV) holding the text", default: "content" }),
  onBadInput: spec({ flags: "--on-bad-input <mode>", help: "a malformed record or a file that cannot be read: fail, or skip it with a warning", choices: ["fail", "skip"] as const, default: "fail" }),
  limit: spec({ flags: "--limit <n>", help: "only the first N documents", parse: integer(1) }),
  maxDocTokens: spec({ flags: "--max-doc-tokens <n>", help: "longer documents are split into chunks of about this many tokens", parse: integer(100), default: 12000 }),

  // Money, limits and stopping.
  dryRun: toggle("--dry-run", "estimate calls, tokens and cost for the corpus, and stop before any call"),
  maxCost: spec({ flags: "--max-cost <usd>", help: "stop cleanly (exit 3, resumable) before spending would cross this many dollars", parse: number(0, 1e9) }),
  priceIn: spec({ flags: "--price-in <usd>", help: "price per million prompt tokens, replacing the built-in table", parse: number(0, 1e6) }),
  priceOut: spec({ flags: "--price-out <usd>", help: "price per million completion tokens, replacing the built-in table", parse: number(0, 1e6) }),
  rpm: spec({ flags: "--rpm <n>", help: "requests per minute allowed by the provider (by each endpoint, when there are several)", parse: integer(1) }),
  tpm: spec({ flags: "--tpm <n>", help: "tokens per minute allowed by the provider (by each endpoint, when there are several)", parse: integer(1) }),
  grace: spec({ flags: "--grace <seconds>", help: "after Ctrl-C, how long calls in flight may finish", parse: number(0, 3600), default: 10 }),

  // Batches.
  batch: toggle("--batch", "send the calls through the provider's Batch API (OpenAI's /v1/batches, and those that follow it), one wave per step of the method, at the batch price (half the list price unless --batch-price-in/--batch-price-out say otherwise)"),
  batchFiles: spec({ flags: "--batch-files <dir>", help: "batches as files in DIR for `vllm run-batch` (a server without a batch endpoint): each wave's input is written there with the command to run, and its output read back when it appears" }),
  wait: toggle("--no-wait", "with --batch: submit the next wave and stop (exit 75); run the same command later to collect it and go on"),
  batchResynthesis: toggle("--batch-resynthesis", "with --batch: batch the re-synthesis rounds too (by default they go live: they are few, and each round would wait for a batch)"),
  batchPoll: spec({ flags: "--batch-poll <seconds>", help: "with --batch: seconds between two looks at running batches", defaultHelp: "30; --batch-files 5", parse: number(0.01, 3600) }),
  batchPriceIn: spec({ flags: "--batch-price-in <usd>", help: "batch price per million prompt tokens", defaultHelp: "half the list price", parse: number(0, 1e6) }),
  batchPriceOut: spec({ flags: "--batch-price-out <usd>", help: "batch price per million completion tokens", defaultHelp: "half the list price", parse: number(0, 1e6) }),

  // Adaptive budgets.
  alpha: spec({
    flags: "--alpha <a>",
    help: "adaptive budgets: instructions per standard deviation of a document's relevant-word count (0: mu for every document)",
    parse: number(0, 100),
    default: 0,
  }),
  relevanceThreshold: spec({ flags: "--relevance-threshold <t>", help: "adaptive budgets: a word counts as relevant at this cosine with its document", parse: number(-1, 1), default: 0.16 }),
  nmax: spec({ flags: "--nmax <n>", help: "adaptive budgets: largest budget", defaultHelp: "3 x mu", parse: integer(1) }),

  // Embeddings (adaptive budgets, eval diversity).
  embeddings: toggle("--embeddings", "also measure embedding diversity (1 - mean pairwise cosine)"),
  embedModel: spec({
    flags: "--embed-model <name>",
    help: `embedding model, by name or a GGUF file or hf: URI to run locally`,
    defaultHelp: `${DEFAULT_API_EMBED_MODEL}; synth with a local engine: the --model; eval --paper: sentence-transformers/paraphrase-multilingual-mpnet-base-v2`,
  }),
  embedBaseUrl: spec({ flags: "--embed-base-url <url>", help: "its OpenAI-compatible endpoint", defaultHelp: "--base-url, else OPENAI_BASE_URL" }),
  embedApiKey: spec({ flags: "--embed-api-key <key>", help: "its key", defaultHelp: "--api-key, else OPENAI_API_KEY" }),
  topK: spec({ flags: "--top-k <n>", help: `most similar pairs to show. ${TOP_PAIRS_METHOD_HELP}`, parse: integer(1), default: 5 }),

  license: spec({ flags: "--license <id>", help: "--format hf: the dataset's license in its card, as the Hub names it (e.g. cc-by-4.0, apache-2.0, mit)" }),

  // Curation.
  dedup: toggle("--dedup", "remove exact duplicates (the same text once case, punctuation and spacing are set aside) and near-duplicate instructions (MinHash with LSH over word shingles), keeping the first"),
  dedupThreshold: spec({ flags: "--dedup-threshold <j>", help: "--dedup: Jaccard similarity of word shingles at which two instructions are near duplicates", parse: number(0.01, 1), default: 0.8 }),
  dedupEmbeddings: toggle("--dedup-embeddings", "remove instructions alike in meaning: cosine of their embeddings (--embed-model), cached in the store"),
  minScore: spec({ flags: "--min-score <s>", help: "curate: items the judge (--judge-model) scores under this, on its 1-10 scale, are removed", parse: number(1, 10), default: 6 }),
  dedupCosine: spec({ flags: "--dedup-cosine <c>", help: "--dedup-embeddings: cosine at which two instructions are duplicates", parse: number(0.01, 1), default: 0.95 }),

  // Judges and models under test (eval).
  judgeModel: spec({
    flags: "--judge-model <name>",
    help: "the judge model, by name or a GGUF file or hf: URI to run locally (difficulty: default gpt-4o-mini; qa and compare use a judge only when one is given; --paper: gpt-4o; curate: the item judge)",
  }),
  judgeBaseUrl: spec({ flags: "--judge-base-url <url>", help: "its OpenAI-compatible endpoint (also OPENAI_BASE_URL)" }),
  judgeApiKey: spec({ flags: "--judge-api-key <key>", help: "its key (also OPENAI_API_KEY)" }),
  targetModel: spec({ flags: "--target-model <name>", help: "the model under test, by name or a GGUF file or hf: URI to run locally" }),
  targetBaseUrl: spec({ flags: "--target-base-url <url>", help: "its OpenAI-compatible endpoint (also OPENAI_BASE_URL)" }),
  targetApiKey: spec({ flags: "--target-api-key <key>", help: "its key (also OPENAI_API_KEY)" }),
  topP: spec({ flags: "--top-p <p>", help: "top-p of the model under test", parse: number(0, 1), default: 0.95 }),
  rounds: spec({ flags: "--rounds <n>", help: "rounds; mean and sample standard deviation over them", parse: integer(1), default: 5 }),
  paper: toggle(
    "--paper",
    "the authors' settings wherever no flag sets another: judge gpt-4o, no ties, a Correct/Incorrect accuracy judge, repetition penalty 1.02, embeddings by paraphrase-multilingual-mpnet-base-v2",
  ),
  verdict: spec({
    flags: "--verdict <style>",
    help: "difficulty verdicts: ties lets the judge call the sets equally hard; forced makes it pick one, and anything else is an invalid verdict",
    choices: ["ties", "forced"] as const,
    defaultHelp: "ties; --paper forced",
  }),
  judgeStyle: spec({
    flags: "--judge-style <style>",
    help: "how the accuracy judge answers: true-false, or the word Correct or Incorrect",
    choices: ["true-false", "correct-incorrect"] as const,
    defaultHelp: "true-false; --paper correct-incorrect",
  }),
  repetitionPenalty: spec({
    flags: "--repetition-penalty <p>",
    help: "repetition penalty of the model under test (1: none), sent as repetition_penalty, which vLLM and SGLang apply (never to api.openai.com, which rejects it); the local engine applies it too",
    defaultHelp: "none; --paper 1.02",
    parse: number(0.01, 10),
  }),
  bothOrders: toggle("--both-orders", "ask twice with the sets swapped; a win counts only when both verdicts agree"),
  a: spec({ flags: "--a <file>", help: "first dataset (JSON Lines with instruction and article_index)" }),
  b: spec({ flags: "--b <file>", help: "second dataset" }),
  corpus: spec({ flags: "--corpus <file>", help: "the corpus the datasets were made from, as given to synth (records find their document, or chunk, by source_id and source_span, else by article_index)" }),
  test: spec({ flags: "--test <file>", help: "JSON Lines with question and answer (a string or a list)" }),
  report: spec({ flags: "--report <file>", help: "write the per-document verdicts as JSON" }),
  json: toggle("--json", "print JSON"),

  // The local engine.
  parallel: spec({ flags: "--parallel <n>", help: "local: replies generated at once in one context", parse: integer(1), defaultHelp: "one per two cores, at most 4" }),
  ctx: spec({ flags: "--ctx <n>", help: "local: context size in tokens of each parallel sequence", defaultHelp: "the model's, at most 16384", parse: integer(256) }),
  gpu: spec({ flags: "--gpu <backend>", help: "local: GPU backend, or off for the CPU only", choices: ["auto", "cuda", "vulkan", "metal", "off"] as const, default: "auto" }),
  threads: spec({ flags: "--threads <n>", help: "local: CPU threads", defaultHelp: "the machine's cores", parse: integer(1) }),
  maxStringChars: spec({ flags: "--max-string-chars <n>", help: "local: longest string the JSON grammar lets the model write, a guard against a small model that rambles", parse: integer(1), default: 4000 }),
  cacheDir: spec({ flags: "--cache-dir <dir>", help: "local: where downloaded models are kept", defaultHelp: "$XDG_CACHE_HOME/foveate/models or ~/.cache/foveate/models" }),

  // Publishing to the Hugging Face Hub.
  repo: spec({ flags: "--repo <repo>", help: "the dataset repository on the Hugging Face Hub, as owner/name; created when missing" }),
  private: toggle("--private", "create the repository private (one already there keeps its visibility; a public one is refused)"),

  quiet: toggle("--quiet", "print nothing but errors"),
} as const;

export type FlagName = keyof typeof FLAGS;

/** The value a flag's spec yields: its parser's (or choices') type, never undefined when it has a default. */
type FlagValue<S> = S extends FlagSpec<infer T, infer D> ? (undefined extends D ? T | undefined : T) : never;

/** What a command that takes `names` receives from commander. */
export type Flags<Names extends readonly FlagName[]> = { -readonly [K in Names[number]]: FlagValue<(typeof FLAGS)[K]> };

/** FOVEATE_MAX_ROUNDS for --max-rounds. */
export const envName = (flags: string): string => `FOVEATE_${/--([\w-]+)/.exec(flags)![1]!.replace(/-/g, "_").toUpperCase()}`;

/** The local engine's flags, taken by every command that may run a GGUF model. */
export const LOCAL_ENGINE_FLAGS = ["parallel", "ctx", "gpu", "threads", "maxStringChars", "cacheDir"] as const;
