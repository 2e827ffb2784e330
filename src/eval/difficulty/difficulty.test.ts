import { describe, expect, it } from "vitest";
import { ScriptedModel } from "../../../test/support/scripted-model.js";
import { chunkDocuments } from "../../corpus/chunk-document.js";
import type { SourceDocument } from "../../corpus/source-document.js";
import { InputError } from "../../errors.js";
import type { InstructionRecord } from "../dataset.js";
import { compareDifficulty } from "./difficulty.js";

const documents = ["Doc zero.", "Doc one.", "Doc two."].map((text, i) => ({ sourceId: `c.jsonl:${i + 1}`, text }));
const records = (index: number, words: number, n = 3) =>
  Array.from({ length: n }, (_, i) => ({ instruction: `${"word ".repeat(words)}${i}`.trim(), articleIndex: index }));

/** A judge that finds longer instructions harder, like the simulated one. */
const lengthJudge = () =>
  new ScriptedModel((call) => {
    const len = (tag: string) => (call.tag(tag) as string[]).join(" ").split(" ").length;
    return { reason: "length", harder: len("set_1") > len("set_2") ? "1" : len("set_1") < len("set_2") ? "2" : "tie" };
  });

describe("compareDifficulty", () => {
  it("maps the judge's verdict back through the random presentation order, whatever the seed", async () => {
    const shown = new Set<string>();
    for (let seed = 0; seed < 8; seed++) {
      const report = await compareDifficulty({
        judge: lengthJudge(),
        a: { name: "a.jsonl", records: [...records(0, 12), ...records(1, 12), ...records(2, 2)] },
        b: { name: "b.jsonl", records: [...records(0, 3), ...records(1, 3), ...records(2, 9)] },
        documents,
        seed,
      });
      expect(report).toMatchObject({ documents: 3, winsA: 2, winsB: 1, ties: 0, invalid: 0 });
      expect(report.rateA).toBeCloseTo(2 / 3);
      for (const d of report.perDocument) shown.add(d.verdicts[0]!.shownFirst);
    }
    expect(shown).toEqual(new Set(["A", "B"]));
  });

  it("truncates both lists to the same size and compares only documents present in both", async () => {
    const judge = lengthJudge();
    const report = await compareDifficulty({
      judge,
      a: { name: "a", records: [...records(0, 5, 8), ...records(2, 5, 2)] },
      b: { name: "b", records: records(0, 5, 3) },
      documents,
    });
    expect(report.documents).toBe(1);
    expect(report.perDocument[0]!.size).toBe(3);
    expect((judge.calls[0]!.tag("set_1") as string[]).length).toBe(3);
  });

  it("samples the larger set at random, seeded, each level keeping its share, instead of taking its first items", async () => {
    // foveate's records come level after level: the first 6 would all be micro.
    const foveate = (["micro", "scatter", "macro"] as const).flatMap((level) =>
      Array.from({ length: 8 }, (_, i) => ({ instruction: `${level} ${i}`, articleIndex: 0, level })),
    );
    const selfQa = Array.from({ length: 6 }, (_, i) => ({ instruction: `qa ${i}`, articleIndex: 0, level: "self-qa" }));
    const shownA = async (seed: number) => {
      const judge = new ScriptedModel(() => ({ reason: "", harder: "tie" }));
      const report = await compareDifficulty({ judge, a: { name: "a", records: foveate }, b: { name: "b", records: selfQa }, documents, seed, bothOrders: true });
      expect(report.perDocument[0]!.size).toBe(6);
      const sets = judge.calls.map((call) => [call.tag("set_1"), call.tag("set_2")] as string[][]);
      expect(sets[1]).toEqual([sets[0]![1], sets[0]![0]]);
      expect(sets[0]![1]).toEqual(selfQa.map((r) => r.instruction));
      return sets[0]![0]!;
    };
    const draws = await Promise.all([0, 1, 2, 3].map(shownA));
    for (const shown of draws) {
      const levels = shown.map((instruction) => instruction.split(" ")[0]);
      expect(levels).toEqual(["micro", "micro", "scatter", "scatter", "macro", "macro"]);
    }
    expect(await shownA(2)).toEqual(draws[2]);
    expect(new Set(draws.map((d) => d.join()))).not.toHaveProperty("size", 1);
  });

  it("warns in the report when the two datasets differ in size, and not when they are alike", async () => {
    const judge = lengthJudge();
    const uneven = await compareDifficulty({ judge, a: { name: "a.jsonl", records: records(0, 5, 8) }, b: { name: "b.jsonl", records: records(0, 5, 3) }, documents });
    expect(uneven.warnings).toHaveLength(1);
    expect(uneven.warnings[0]).toMatch(/^the datasets differ in size \(a\.jsonl: 8 instructions, b\.jsonl: 3\)/);
    expect(uneven.warnings[0]).not.toMatch(/\n/);
    const even = await compareDifficulty({ judge, a: { name: "a", records: records(0, 5) }, b: { name: "b", records: records(0, 4) }, documents });
    expect(even.warnings).toEqual([]);
  });

  it("warns in the report when records were found by line number because the corpus file was renamed", async () => {
    const judge = lengthJudge();
    const renamed = records(1, 5).map((record) => ({ ...record, sourceId: "long.jsonl:2" }));
    const report = await compareDifficulty({ judge, a: { name: "a.jsonl", records: renamed }, b: { name: "b.jsonl", records: records(1, 4) }, documents });
    expect(report.documents).toBe(1);
    expect(report.perDocument[0]!.sourceId).toBe("c.jsonl:2");
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(/^a\.jsonl: 3 records' source_id \("long\.jsonl:2"\) not in the corpus; matched by line or element number/);
  });

  it("shows the judge exactly the chunk the records were made from, looked up by source_id and source_span", async () => {
    const paragraph = (n: number) => `Paragraph ${n} tells of the harbour and its ${n} cranes. `.repeat(6);
    const long = { index: 0, sourceId: "c.jsonl:2", text: [1, 2, 3, 4].map(paragraph).join("\n\n") };
    const corpus: SourceDocument[] = [{ index: 0, sourceId: "c.jsonl:1", text: "A short document." }, { ...long, index: 1 }];
    async function* read() {
      yield* corpus;
    }
    const chunks: SourceDocument[] = [];
    for await (const chunk of chunkDocuments(read(), 100)) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(2);
    // As synth writes them: article_index counts chunks, source_id and source_span say where each stands.
    const made = (prefix: string, chunk: SourceDocument): InstructionRecord[] =>
      [1, 2].map((i) => ({
        instruction: `${prefix} ${i} about chunk ${chunk.index}`,
        articleIndex: chunk.index,
        sourceId: chunk.sourceId,
        ...(chunk.span ? { sourceSpan: [chunk.span.start, chunk.span.end] as [number, number] } : {}),
      }));
    const shown = new Map<string, string>();
    const judge = new ScriptedModel((call) => {
      const instruction = (call.tag("set_1") as string[])[0]!;
      shown.set(instruction.replace(/^\S+ 1 /, ""), call.tag("document") as string);
      return { reason: "", harder: "tie" };
    });
    const report = await compareDifficulty({
      judge,
      a: { name: "a", records: chunks.flatMap((c) => made("foveate", c)) },
      b: { name: "b", records: chunks.flatMap((c) => made("self-qa", c)) },
      documents: corpus.map(({ sourceId, text }) => ({ sourceId, text })),
    });
    expect(report.documents).toBe(chunks.length);
    for (const chunk of chunks) expect(shown.get(`about chunk ${chunk.index}`)).toBe(chunk.text);
    expect(report.perDocument.map((d) => [d.articleIndex, d.sourceId, d.sourceSpan])).toEqual(
      chunks.map((c) => [c.index, c.sourceId, c.span ? [c.span.start, c.span.end] : undefined]),
    );
  });

  it("with both orders, counts a win only when the two verdicts agree", async () => {
    let call = 0;
    const fickle = new ScriptedModel(() => ({ reason: "", harder: call++ % 2 === 0 ? "1" : "2" }));
    const report = await compareDifficulty({ judge: fickle, a: { name: "a", records: records(0, 4) }, b: { name: "b", records: records(0, 4) }, documents, bothOrders: true });
    // "1" then "2" with the sets swapped means the same dataset both times: a win.
    expect(report.winsA + report.winsB).toBe(1);
    const stubborn = new ScriptedModel(() => ({ reason: "", harder: "1" }));
    const split = await compareDifficulty({ judge: stubborn, a: { name: "a", records: records(0, 4) }, b: { name: "b", records: records(0, 4) }, documents, bothOrders: true });
    expect(split).toMatchObject({ ties: 1, winsA: 0, winsB: 0 });
  });

  it("counts a judge that never gives a usable verdict as invalid", async () => {
    const judge = new ScriptedModel(() => "I cannot decide.");
    const report = await compareDifficulty({ judge, a: { name: "a", records: records(0, 4) }, b: { name: "b", records: records(0, 4) }, documents, maxReasks: 1 });
    expect(report.invalid).toBe(1);
    expect(judge.calls).toHaveLength(2);
  });

  it("with a forced verdict, asks for 1 or 2 and counts anything else, a tie included, as invalid", async () => {
    const replies: Record<string, unknown> = { "Doc zero.": { reason: "", harder: "tie" }, "Doc one.": { reason: "", harder: "3" }, "Doc two.": { reason: "", harder: "1" } };
    const judge = new ScriptedModel((call) => replies[String(call.tag("document"))]);
    const all = (words: number) => [0, 1, 2].flatMap((index) => records(index, words));
    const report = await compareDifficulty({ judge, a: { name: "a", records: all(4) }, b: { name: "b", records: all(4) }, documents, verdict: "forced", maxReasks: 1 });
    expect(report).toMatchObject({ documents: 3, ties: 0, invalid: 2 });
    expect(report.winsA + report.winsB).toBe(1);
    expect(judge.callsOf("difficulty_verdict_forced")).toHaveLength(5);
    const prompt = judge.calls[0]!.prompt;
    expect(prompt).toContain('"harder": "1" or "2"}');
    expect(prompt).not.toMatch(/"tie"/);
  });

  it("lets the judge call a tie by default", async () => {
    const judge = new ScriptedModel(() => ({ reason: "", harder: "tie" }));
    const report = await compareDifficulty({ judge, a: { name: "a", records: records(0, 4) }, b: { name: "b", records: records(0, 4) }, documents });
    expect(report).toMatchObject({ ties: 1, invalid: 0 });
    expect(judge.callsOf("difficulty_verdict")).toHaveLength(1);
  });

  it("names the file when article indices do not fit the corpus or nothing is shared", async () => {
    const judge = lengthJudge();
    await expect(compareDifficulty({ judge, a: { name: "a.jsonl", records: records(7, 3) }, b: { name: "b.jsonl", records: records(0, 3) }, documents })).rejects.toThrow(
      /a\.jsonl: article_index 7 not in the corpus, which has 3 documents/,
    );
    await expect(compareDifficulty({ judge, a: { name: "a.jsonl", records: records(0, 3) }, b: { name: "b.jsonl", records: records(1, 3) }, documents })).rejects.toThrow(
      InputError,
    );
    await expect(compareDifficulty({ judge, a: { name: "a.jsonl", records: [{ instruction: "x" }] }, b: { name: "b", records: records(0, 3) }, documents })).rejects.toThrow(
      /need "article_index"/,
    );
  });
});
