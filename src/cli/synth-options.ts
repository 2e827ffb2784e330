import { InvalidArgumentError, Option } from "commander";
import { defaultParallel } from "../llm/local-parallelism.js";
import { LEVELS } from "../method/levels.js";
import { DEFAULT_API_EMBED_MODEL, DEFAULT_API_MODEL, DEFAULT_LOCAL_MODEL, type LocalEngineFlags } from "./engine-choice.js";

/**
 * The one table of `foveate synth` flags: each declared once with its type, default and help.
 * Every flag can also be set through the environment as FOVEATE_<FLAG> (e.g. FOVEATE_MAX_ROUNDS).
 */

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
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

function levelList(value: string): string[] {
  const levels = value.split(",").map((l) => l.trim()).filter(Boolean);
  const unknown = levels.filter((l) => !(LEVELS as readonly string[]).includes(l));
  if (levels.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${LEVELS.join(", ")}, got "${value}"`);
  }
  return levels;
}

/** `--important 2 3` (or FOVEATE_IMPORTANT="2 3"): two counts, gathered one value at a time. */
function importantCounts(value: string, previous: number[] | undefined): number[] {
  const counts = [...(previous ?? []), ...value.split(/[\s,]+/).filter(Boolean).map(integer(0))];
  if (counts.length > 2) throw new InvalidArgumentError("expects two counts: CORE MAJOR");
  return counts;
}

const envName = (long: string) => `FOVEATE_${long.replace(/^--/, "").replace(/-/g, "_").toUpperCase()}`;

function option(flags: string, description: string, configure: (o: Option) => Option = (o) => o): Option {
  const o = configure(new Option(flags, description));
  return o.long ? o.env(envName(o.long)) : o;
}

/** Options of the local engine, shared by `synth` and `eval`: new objects for each command. */
export function localEngineOptions(): Option[] {
  return [
    option("--parallel <n>", `local: replies generated at once in one context [default: ${defaultParallel()} on this machine, one per two cores]`, (o) => o.argParser(integer(1))),
    option("--ctx <n>", "local: context size in tokens of each parallel sequence [default: the model's, at most 16384]", (o) => o.argParser(integer(256))),
    option("--gpu <backend>", "local: GPU backend, or off for the CPU only", (o) => o.choices(["auto", "cuda", "vulkan", "metal", "off"]).default("auto")),
    option("--threads <n>", "local: CPU threads [default: the machine's cores]", (o) => o.argParser(integer(1))),
    option("--max-string-chars <n>", "local: longest string the JSON grammar lets the model write, a guard against a small model that rambles", (o) =>
      o.argParser(integer(1)).default(4000),
    ),
    option("--cache-dir <dir>", "local: where downloaded models are kept [default: $XDG_CACHE_HOME/foveate/models or ~/.cache/foveate/models]"),
  ];
}

export const synthOptions: Option[] = [
  option("-o, --output <file>", "where to write the dataset (JSON Lines); standard output if omitted"),
  option("--base-url <url>", "OpenAI-compatible endpoint, up to /v1 (also OPENAI_BASE_URL) [default: https://api.openai.com/v1]"),
  option("--api-key <key>", "API key (also OPENAI_API_KEY); not needed for a local server"),
  option("--engine <engine>", "api: an OpenAI-compatible endpoint; local: a GGUF model run in this process; auto: api when a key or base URL is set (or --model is not a GGUF file), else local", (o) =>
    o.choices(["auto", "api", "local"]).default("auto"),
  ),
  option("--model <name>", `api: the model name the endpoint knows [default: ${DEFAULT_API_MODEL}]; local: a .gguf file, hf:owner/repo/file.gguf or an https URL, downloaded once [default: ${DEFAULT_LOCAL_MODEL}]`),
  option("--method <method>", "foveate, or the self-qa baseline", (o) => o.choices(["foveate", "self-qa"]).default("foveate")),
  option("--mu <n>", "instructions per document and level", (o) => o.argParser(integer(1)).default(8)),
  option("--levels <list>", "levels to run, comma-separated", (o) => o.argParser(levelList).default([...LEVELS], LEVELS.join(","))),
  option("--important <counts...>", "scatter importance step: CORE core and MAJOR major keywords drawn more often, e.g. --important 2 3", (o) =>
    o.argParser(importantCounts),
  ),
  option("--max-rounds <n>", "re-synthesis rounds for failed items", (o) => o.argParser(integer(0)).default(5)),
  option("--shots <n>", "successful examples shown when re-synthesizing", (o) => o.argParser(integer(0)).default(3)),
  option("--temperature <t>", "sampling temperature [default: 1.0, self-qa 0.7]", (o) => o.argParser(number(0, 2))),
  option("--frequency-penalty <p>", "frequency penalty [default: 0.5, self-qa 0]", (o) => o.argParser(number(-2, 2))),
  option("--max-tokens <n>", "cap on tokens per reply [default: the server's]", (o) => o.argParser(integer(1))),
  option("--concurrency <n>", "LLM calls in flight at once, over the whole run [default: 32; local: --parallel]", (o) => o.argParser(integer(1))),
  option("--limit <n>", "only the first N documents", (o) => o.argParser(integer(1))),
  option("--seed <n>", "seed of every random choice", (o) => o.argParser(integer(0)).default(0)),
  option("--text-field <name>", "field (JSON, JSONL) or column (CSV) holding the text", (o) => o.default("content")),
  option("--on-bad-input <mode>", "a malformed record: fail, or skip it with a warning", (o) => o.choices(["fail", "skip"]).default("fail")),
  option("--timeout <seconds>", "limit for one HTTP request", (o) => o.argParser(number(1, 3600)).default(120)),
  option("--max-retries <n>", "transport retries per call (429, 5xx, dropped connections)", (o) => o.argParser(integer(0)).default(6)),
  option("--store <file>", "the run store (SQLite) that makes the run resumable [default: OUTPUT.foveate.db]"),
  option("--force-new", "start a store made with other settings over (its cached replies are kept)"),
  option("--dry-run", "estimate calls, tokens and cost for the corpus, and stop before any call"),
  option("--max-cost <usd>", "stop cleanly (resumable) before spending would cross this many dollars", (o) => o.argParser(number(0, 1e9))),
  option("--price-in <usd>", "price per million prompt tokens, replacing the built-in table", (o) => o.argParser(number(0, 1e6))),
  option("--price-out <usd>", "price per million completion tokens, replacing the built-in table", (o) => o.argParser(number(0, 1e6))),
  option("--rpm <n>", "requests per minute allowed by the provider", (o) => o.argParser(integer(1))),
  option("--tpm <n>", "tokens per minute allowed by the provider", (o) => o.argParser(integer(1))),
  option("--max-doc-tokens <n>", "longer documents are split into chunks of about this many tokens", (o) => o.argParser(integer(100)).default(12000)),
  option("--grace <seconds>", "after Ctrl-C, how long calls in flight may finish", (o) => o.argParser(number(0, 3600)).default(10)),
  option("--alpha <a>", "adaptive budgets: instructions per standard deviation of a document's relevant-word count (0: mu for every document)", (o) =>
    o.argParser(number(0, 100)).default(0),
  ),
  option("--relevance-threshold <t>", "adaptive budgets: a word counts as relevant at this cosine with its document", (o) => o.argParser(number(-1, 1)).default(0.16)),
  option("--nmax <n>", "adaptive budgets: largest budget [default: 3 x mu]", (o) => o.argParser(integer(1))),
  option("--embed-model <name>", `adaptive budgets: embedding model, by name or a GGUF file as for --model [default: ${DEFAULT_API_EMBED_MODEL}; local: the --model]`),
  option("--embed-base-url <url>", "adaptive budgets: its OpenAI-compatible endpoint [default: --base-url]"),
  option("--embed-api-key <key>", "adaptive budgets: its key [default: --api-key]"),
  ...localEngineOptions(),
  option("--quiet", "print nothing but errors"),
];

/** What commander hands the synth action, typed. */
export interface SynthFlags extends LocalEngineFlags {
  output?: string;
  engine: "auto" | "api" | "local";
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  method: "foveate" | "self-qa";
  mu: number;
  levels: Array<(typeof LEVELS)[number]>;
  important?: number[];
  maxRounds: number;
  shots: number;
  temperature?: number;
  frequencyPenalty?: number;
  maxTokens?: number;
  concurrency?: number;
  limit?: number;
  seed: number;
  textField: string;
  onBadInput: "fail" | "skip";
  timeout: number;
  maxRetries: number;
  store?: string;
  forceNew?: boolean;
  dryRun?: boolean;
  maxCost?: number;
  priceIn?: number;
  priceOut?: number;
  rpm?: number;
  tpm?: number;
  maxDocTokens: number;
  grace: number;
  alpha: number;
  relevanceThreshold: number;
  nmax?: number;
  embedModel?: string;
  embedBaseUrl?: string;
  embedApiKey?: string;
  quiet?: boolean;
}
