import { describe, expect, it } from "vitest";
import { ScriptedModel } from "../../../test/support/scripted-model.js";
import { InputError } from "../../errors.js";
import { compareDifficulty } from "./difficulty.js";

const documents = ["Doc zero.", "Doc one.", "Doc two."];
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
