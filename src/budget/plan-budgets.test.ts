import { describe, expect, it } from "vitest";
import type { EmbeddingModel } from "../llm/port.js";
import { planBudgets, relevantWordCounts } from "./plan-budgets.js";

/**
 * A fake embedder over two directions: texts naming the "river" topic point one way, everything
 * else the other; a document's vector mixes both by how often it names rivers.
 */
function topicEmbedder() {
  const calls: string[][] = [];
  const model: EmbeddingModel = {
    modelId: "fake",
    description: "fake",
    embed: async (texts) => {
      calls.push([...texts]);
      return texts.map((t) => {
        const river = (t.match(/river|bank|flood/gi) ?? []).length;
        const other = t.split(/\s+/).length - river;
        return new Float32Array([river, other]);
      });
    },
  };
  return { model, calls };
}

const docs = (texts: string[]) => texts.map((text, index) => ({ index, sourceId: `d${index}`, text }));

describe("relevantWordCounts", () => {
  it("counts distinct words whose cosine with the document reaches the threshold", async () => {
    const { model } = topicEmbedder();
    // Document 0 is all river words: each of its 3 distinct words is parallel to it.
    const counts = await relevantWordCounts(docs(["river bank flood river", "cats sleep all day"]), model, { threshold: 0.9 });
    expect(counts).toEqual([3, 4]);
  });

  it("embeds a group of documents with their words in one call", async () => {
    const { model, calls } = topicEmbedder();
    await relevantWordCounts(docs(["a b", "c d", "e f", "g h", "i j"]), model, { groupSize: 2 });
    expect(calls.map((c) => c.length)).toEqual([6, 6, 3]);
    expect(calls[0]).toEqual(["a b", "a", "b", "c d", "c", "d"]);
  });
});

describe("planBudgets", () => {
  it("gives documents with more relevant words larger budgets", async () => {
    const { model } = topicEmbedder();
    const texts = ["river", "river bank", "river bank flood", "river bank flood rising water here", "Cats nap. Dogs run. Birds sing. Fish swim. Bees hum."];
    const plan = await planBudgets(docs(texts), model, { mu: 8, alpha: 2, threshold: 0.5 });
    expect(plan.counts.slice(0, 3)).toEqual([1, 2, 3]);
    expect(plan.budgets[2]!).toBeGreaterThan(plan.budgets[0]!);
    for (const b of plan.budgets) expect(b).toBeGreaterThanOrEqual(1);
    expect(plan.lambda).toBeDefined();
  });

  it("falls back to mu with a note for one document", async () => {
    const { model } = topicEmbedder();
    const plan = await planBudgets(docs(["river bank"]), model, { mu: 6, alpha: 1 });
    expect(plan.budgets).toEqual([6]);
    expect(plan.note).toMatch(/one document/);
  });
});
