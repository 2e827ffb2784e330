import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CARD_MARKER, datasetCard, sizeCategory, type CardFacts } from "./dataset-card.js";
import { HF_COLUMNS } from "./parquet-table.js";

const facts: CardFacts = {
  config: { model: "gpt-4o-mini", method: "foveate", mu: 8, levels: ["micro", "scatter", "macro"], seed: 0, maxRounds: 5 },
  columns: HF_COLUMNS,
  splits: [
    { name: "train", examples: 1500, documents: 90, bytes: 800_000, fileBytes: 300_000, levels: { micro: 700, scatter: 500, macro: 300 }, files: ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"] },
    { name: "test", examples: 160, documents: 10, bytes: 90_000, fileBytes: 40_000, levels: { micro: 80, macro: 80 }, files: ["data/test-00000-of-00001.parquet"] },
  ],
  splitSeed: 7,
  languages: ["en", "fr"],
  curation: { removed: { duplicate: 12, "low-score": 3 }, summary: { dedup: { threshold: 0.8 }, minScore: 6 } },
  usage: { replies: 4000, promptTokens: 2_000_000, completionTokens: 500_000 },
  costUsd: 0.6,
  diversity: { data: "data.jsonl", result: { instructions: 1660, selfBleu: { mean: { "1": 0.5 }, diversity: 0.8123 }, embedding: { model: "text-embedding-3-small", diversity: 0.7, meanCosine: 0.3, topPairsMethod: "exact", topPairs: [] } } },
};

function split(card: string): { yaml: Record<string, unknown>; body: string } {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(card);
  expect(match).not.toBeNull();
  return { yaml: parse(match![1]!) as Record<string, unknown>, body: match![2]! };
}

describe("datasetCard", () => {
  it("has front matter the Hub reads: configs, dataset_info with typed features and splits, language, task and size categories, tags", () => {
    const { yaml } = split(datasetCard(facts));
    expect(yaml.configs).toEqual([
      {
        config_name: "default",
        data_files: [
          { split: "train", path: ["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"] },
          { split: "test", path: ["data/test-00000-of-00001.parquet"] },
        ],
      },
    ]);
    const info = yaml.dataset_info as { features: Array<Record<string, string>>; splits: unknown[]; download_size: number; dataset_size: number };
    expect(info.features).toContainEqual({ name: "instruction", dtype: "string" });
    expect(info.features).toContainEqual({ name: "features", sequence: "string" });
    expect(info.features).toContainEqual({ name: "source_span", sequence: "int64" });
    expect(info.features).toContainEqual({ name: "article_index", dtype: "int64" });
    expect(info.features).toContainEqual({ name: "judge_score", dtype: "int32" });
    expect(info.features).toContainEqual({ name: "resynthesized", dtype: "bool" });
    expect(info.features.map((f) => f.name)).toEqual(HF_COLUMNS.map((c) => c.name));
    expect(info.splits).toEqual([
      { name: "train", num_bytes: 800_000, num_examples: 1500 },
      { name: "test", num_bytes: 90_000, num_examples: 160 },
    ]);
    expect(info.download_size).toBe(340_000);
    expect(info.dataset_size).toBe(890_000);
    expect(yaml.language).toEqual(["en", "fr"]);
    expect(yaml.task_categories).toEqual(["question-answering", "text-generation"]);
    expect(yaml.size_categories).toEqual(["1K<n<10K"]);
    expect(yaml.tags).toEqual(["synthetic", "self-foveate", "instruction-tuning", "foveate"]);
    expect(yaml).not.toHaveProperty("license");
    expect(split(datasetCard({ ...facts, license: "cc-by-4.0", languages: [] })).yaml).toMatchObject({ license: "cc-by-4.0" });
    expect(split(datasetCard({ ...facts, languages: [] })).yaml).not.toHaveProperty("language");
  });

  it("says how the data was made, the model and settings, counts per level and split, curation, cost and eval figures", () => {
    const { body } = split(datasetCard(facts));
    expect(body).toContain(CARD_MARKER);
    expect(body).toContain("Self-Foveate");
    expect(body).toContain("arxiv.org/abs/2507.23440");
    expect(body).toContain("- model: `gpt-4o-mini`");
    expect(body).toContain("- mu: `8`");
    expect(body).toContain('- levels: `["micro","scatter","macro"]`');
    expect(body).toContain("| split | documents | micro | scatter | macro | items |");
    expect(body).toContain("| train | 90 | 700 | 500 | 300 | 1,500 |");
    expect(body).toContain("| test | 10 | 80 | 0 | 80 | 160 |");
    expect(body).toContain("seed 7");
    expect(body).toContain("- duplicate: 12");
    expect(body).toContain("- low-score: 3");
    expect(body).toContain('"minScore": 6');
    expect(body).toContain("$0.60 at the built-in prices (batched replies at the batch price): 4,000 model replies, 2,000,000 prompt and 500,000 completion tokens.");
    expect(body).toContain("Self-BLEU diversity (1 - mean Self-BLEU): 0.8123");
    expect(body).toContain("embedding diversity (`text-embedding-3-small`, 1 - mean cosine): 0.7000");
    expect(body).toContain("| judge_score | int32, nullable |");
    expect(body).toContain("| features | list of string |");
    expect(body).toContain("| source_span | list of int64, nullable |");
  });

  it("says so when the run was Self-QA, not curated, not priced or not measured", () => {
    const { body } = split(datasetCard({ ...facts, config: { model: "local.gguf", method: "self-qa" }, curation: undefined, costUsd: undefined, diversity: undefined }));
    expect(body).toContain("Self-QA");
    expect(body).not.toContain("three levels");
    expect(body).toContain("Not curated");
    expect(body).toContain("(no known price for the model)");
    expect(split(datasetCard({ ...facts, costUsd: 0.0042, usage: { replies: 1, promptTokens: 10, completionTokens: 2 } })).body).toContain(
      "$0.0042 at the built-in prices (batched replies at the batch price): 1 model reply, 10 prompt and 2 completion tokens.",
    );
    const judged = { ...facts, curation: { removed: {}, summary: { judge: { costUsd: 0.31 } } } };
    expect(split(datasetCard(judged)).body).toContain("tokens. Curation's judge cost $0.31 more.");
    expect(body).toContain("foveate eval diversity");
    expect(body).toContain("Not measured");
  });

  it("puts a size in the Hub's buckets", () => {
    expect([0, 999, 1000, 99_999, 100_000, 2_000_000].map(sizeCategory)).toEqual(["n<1K", "n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M"]);
  });
});
