import { stringify } from "yaml";
import { formatUsd } from "../cost/prices.js";
import type { DiversityResult } from "../eval/measure.js";
import type { HfColumn } from "./parquet-table.js";

/** What a card says of one split. */
export interface CardSplit {
  name: string;
  examples: number;
  documents: number;
  /** Its size in memory as Arrow holds it (the Hub's num_bytes). */
  bytes: number;
  /** Its Parquet files' size. */
  fileBytes: number;
  /** Its Parquet files, relative to the folder (data/train-00000-of-00001.parquet). */
  files: readonly string[];
  /** Items per level. */
  levels: Record<string, number>;
}

/** Everything a dataset card states, gathered from the store by the caller. */
export interface CardFacts {
  /** The run's settings (model, method, mu, levels, seed, ...), as the store recorded them. */
  config: Record<string, unknown> | undefined;
  columns: readonly HfColumn[];
  splits: readonly CardSplit[];
  /** The seed the documents were shuffled with before the split; only said when there are several splits. */
  splitSeed: number;
  languages: readonly string[];
  /** Items the last curation removed by reason, and what it recorded of itself; undefined when never curated. */
  curation: { removed: Record<string, number>; summary: unknown } | undefined;
  usage: { replies: number; promptTokens: number; completionTokens: number };
  /** Dollars, when the model has a known price. */
  costUsd: number | undefined;
  /** meta "eval:diversity": the dataset measured, and the figures. */
  diversity: { data: string; result: DiversityResult } | undefined;
  license?: string;
}

/** The line that tells a folder foveate wrote (and may replace) from anyone else's. */
export const CARD_MARKER = "<!-- written by foveate export --format hf; a new export replaces this folder -->";

const SIZE_BUCKETS: Array<[number, string]> = [
  [1e3, "n<1K"],
  [1e4, "1K<n<10K"],
  [1e5, "10K<n<100K"],
  [1e6, "100K<n<1M"],
  [1e7, "1M<n<10M"],
  [1e8, "10M<n<100M"],
  [1e9, "100M<n<1B"],
  [1e10, "1B<n<10B"],
  [1e11, "10B<n<100B"],
  [1e12, "100B<n<1T"],
];

/** The Hub's size category of a dataset of n rows. */
export function sizeCategory(n: number): string {
  return SIZE_BUCKETS.find(([limit]) => n < limit)?.[1] ?? "n>1T";
}

/** A column's type as dataset_info writes it: `dtype: int32`, or `sequence: string` for a list. */
function featureOf(column: HfColumn): Record<string, string> {
  switch (column.kind) {
    case "string-list":
      return { name: column.name, sequence: "string" };
    case "int64-list":
      return { name: column.name, sequence: "int64" };
    default:
      return { name: column.name, dtype: column.kind };
  }
}

export function frontMatter(facts: CardFacts): Record<string, unknown> {
  const examples = facts.splits.reduce((s, p) => s + p.examples, 0);
  return {
    ...(facts.license ? { license: facts.license } : {}),
    ...(facts.languages.length > 0 ? { language: [...facts.languages] } : {}),
    task_categories: ["question-answering", "text-generation"],
    size_categories: [sizeCategory(examples)],
    tags: ["synthetic", "self-foveate", "instruction-tuning", "foveate"],
    // The files by name, not a pattern: a push never deletes, and an earlier export's shards left in the repository must not be read.
    configs: [{ config_name: "default", data_files: facts.splits.map((s) => ({ split: s.name, path: [...s.files] })) }],
    dataset_info: {
      features: facts.columns.map(featureOf),
      splits: facts.splits.map((s) => ({ name: s.name, num_bytes: s.bytes, num_examples: s.examples })),
      download_size: facts.splits.reduce((s, p) => s + p.fileBytes, 0),
      dataset_size: facts.splits.reduce((s, p) => s + p.bytes, 0),
    },
  };
}

const count = (n: number) => n.toLocaleString("en-US");
const code = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;

function howMade(config: Record<string, unknown> | undefined): string[] {
  if (config?.method === "self-qa") {
    return [
      "Made with the **Self-QA** baseline: one call per document asks the model for question-answer pairs about it,",
      "as the Self-Foveate paper ([arXiv 2507.23440](https://arxiv.org/abs/2507.23440)) compares against.",
    ];
  }
  return [
    "Made with **Self-Foveate** ([arXiv 2507.23440](https://arxiv.org/abs/2507.23440)), which has an LLM look at each",
    "unlabeled document at three levels: *micro* (one salient element), *scatter* (a group of keywords drawn from across",
    "the document) and *macro* (a sentence and its context), writing an instruction on that feature and a response grounded",
    "in the document. Instructions that fail checks are re-synthesized with successful ones as examples.",
  ];
}

function settingsLines(config: Record<string, unknown> | undefined): string[] {
  if (!config) return ["- settings: not recorded in the store"];
  const lines = [`- model: ${config.model === undefined ? "not recorded" : code(config.model)}`];
  for (const key of ["method", "mu", "levels", "seed", "maxRounds", "shots", "temperature", "alpha"]) {
    if (config[key] !== undefined) lines.push(`- ${key}: ${code(config[key])}`);
  }
  return lines;
}

function countsTable(splits: readonly CardSplit[]): string[] {
  const levels = [...new Set(splits.flatMap((s) => Object.keys(s.levels)))];
  const lines = [`| split | documents | ${levels.join(" | ")} | items |`, `|---|---:|${levels.map(() => "---:|").join("")}---:|`];
  for (const s of splits) lines.push(`| ${s.name} | ${count(s.documents)} | ${levels.map((l) => count(s.levels[l] ?? 0)).join(" | ")} | ${count(s.examples)} |`);
  return lines;
}

function curationLines(curation: CardFacts["curation"]): string[] {
  if (!curation) return ["Not curated: every item synthesis kept is here (`foveate curate` removes duplicates and low judge scores)."];
  const removed = Object.entries(curation.removed);
  const lines =
    removed.length === 0
      ? ["Curated; the curation removed no item."]
      : ["Curated (`foveate curate`); items removed, by reason:", "", ...removed.map(([reason, n]) => `- ${reason}: ${count(n)}`)];
  if (curation.summary !== undefined) lines.push("", "The curation's settings and counts as it recorded them:", "", "```json", JSON.stringify(curation.summary, null, 2), "```");
  return lines;
}

function costLine(facts: CardFacts): string {
  const { replies, promptTokens, completionTokens } = facts.usage;
  const tokens = `${count(replies)} model ${replies === 1 ? "reply" : "replies"}, ${count(promptTokens)} prompt and ${count(completionTokens)} completion tokens`;
  const judge = (facts.curation?.summary as { judge?: { costUsd?: number } } | undefined)?.judge?.costUsd;
  const curation = judge === undefined ? "" : ` Curation's judge cost ${formatUsd(judge)} more.`;
  return facts.costUsd === undefined
    ? `${tokens} (no known price for the model).${curation}`
    : `${formatUsd(facts.costUsd)} at the built-in prices (batched replies at the batch price): ${tokens}.${curation}`;
}

function evalLines(diversity: CardFacts["diversity"]): string[] {
  if (!diversity) return ["Not measured. To measure the instructions' diversity: `foveate export STORE -o data.jsonl && foveate eval diversity data.jsonl`."];
  const { result } = diversity;
  const lines = [
    `Measured with \`foveate eval diversity\` on ${code(diversity.data)} (${count(result.instructions)} instructions):`,
    "",
    `- Self-BLEU diversity (1 - mean Self-BLEU): ${result.selfBleu.diversity.toFixed(4)}`,
  ];
  if (result.embedding) lines.push(`- embedding diversity (${code(result.embedding.model)}, 1 - mean cosine): ${result.embedding.diversity.toFixed(4)}`);
  return lines;
}

/** The dataset card, README.md: YAML front matter the Hub reads, then how the data was made. */
export function datasetCard(facts: CardFacts): string {
  const several = facts.splits.length > 1;
  const body = [
    CARD_MARKER,
    "",
    "# Synthetic instruction data",
    "",
    "## How it was made",
    "",
    ...howMade(facts.config),
    "It was written by foveate.",
    "",
    ...settingsLines(facts.config),
    "",
    "## Counts",
    "",
    ...countsTable(facts.splits),
    "",
    several
      ? `Split by document (seed ${facts.splitSeed}): the items of one document are all in one split.`
      : "One split; every item is in it.",
    "",
    "## Curation",
    "",
    ...curationLines(facts.curation),
    "",
    "## Cost",
    "",
    costLine(facts),
    "",
    "## Evaluation",
    "",
    ...evalLines(facts.diversity),
    "",
    "## Columns",
    "",
    "| column | type | description |",
    "|---|---|---|",
    ...facts.columns.map((c) => `| ${c.name} | ${c.kind.replace(/^(\w+)-list$/, "list of $1")}${c.nullable ? ", nullable" : ""} | ${c.description} |`),
    "",
  ];
  return `---\n${stringify(frontMatter(facts), { lineWidth: 0 })}---\n\n${body.join("\n")}`;
}
