import { describe, expect, it } from "vitest";
import { ScriptedModel } from "../../../test/support/scripted-model.js";
import { evaluateQa } from "./downstream-qa.js";

const items = [
  { question: "Where is the Eiffel Tower?", answers: ["Paris"] },
  { question: "When did the bridge open?", answers: ["1911", "in 1911"] },
];

describe("evaluateQa", () => {
  it("asks closed-book with an empty system prompt and the paper's sampling, one seed per round", async () => {
    const target = new ScriptedModel(() => "It is in Paris, France.");
    await evaluateQa({ target, items, rounds: 3 });
    expect(target.calls).toHaveLength(6);
    const first = target.calls[0]!.request;
    expect(first.messages).toEqual([
      { role: "system", content: "" },
      { role: "user", content: "Where is the Eiffel Tower?" },
    ]);
    expect(first.sampling).toEqual({ temperature: 0.5, topP: 0.95, maxTokens: 256, seed: 1 });
    expect(new Set(target.calls.map((c) => c.request.sampling.seed))).toEqual(new Set([1, 2, 3]));
  });

  it("macro-averages token-set precision, recall and F1 and gives mean and sample std over rounds", async () => {
    let round = 0;
    const target = new ScriptedModel((call) => {
      const r = call.request.sampling.seed;
      round = Math.max(round, r ?? 0);
      if (call.prompt.includes("Eiffel")) return r === 1 ? "Paris" : "London";
      return "1911";
    });
    const report = await evaluateQa({ target, items, rounds: 2 });
    expect(report.rounds.map((r) => r.f1)).toEqual([1, 0.5]);
    expect(report.mean.f1).toBe(0.75);
    expect(report.std.f1).toBeCloseTo(Math.SQRT1_2 / 2, 12);
    expect(report.mean.accuracy).toBeUndefined();
  });

  it("measures accuracy with a judge and counts unusable judgements apart", async () => {
    const target = new ScriptedModel(() => "Paris, I believe, because that is where it was built in 1889.");
    const judge = new ScriptedModel((call) =>
      call.prompt.includes("Eiffel") ? { reason: "states Paris", correct: true } : "no idea",
    );
    const report = await evaluateQa({ target, judge, items, rounds: 1 });
    expect(report.rounds[0]).toMatchObject({ accuracy: 1, invalidJudgements: 1 });
    const judged = judge.callsOf("qa_judgement")[0]!;
    expect(judged.tag("reference")).toBe("Paris");
  });

  it("takes a Correct or Incorrect verdict from a judge of that style, and nothing else", async () => {
    const target = new ScriptedModel((call) => (call.prompt.includes("Eiffel") ? "Paris" : "In 1925."));
    const verdicts: Record<string, unknown> = { Paris: { reason: "", verdict: "Correct" }, "In 1925.": { reason: "", verdict: "Incorrect" } };
    const judge = new ScriptedModel((call) => verdicts[String(call.tag("answer"))]);
    const report = await evaluateQa({ target, judge, judgeStyle: "correct-incorrect", items, rounds: 1 });
    expect(report.rounds[0]).toMatchObject({ accuracy: 0.5, invalidJudgements: 0 });
    expect(judge.callsOf("qa_verdict")).toHaveLength(2);
    expect(judge.callsOf("qa_judgement")).toHaveLength(0);

    const unsure = new ScriptedModel(() => ({ reason: "", verdict: "Partly correct" }));
    const unsureReport = await evaluateQa({ target, judge: unsure, judgeStyle: "correct-incorrect", items, rounds: 1 });
    expect(unsureReport.rounds[0]).toMatchObject({ invalidJudgements: 2 });
    expect(unsureReport.rounds[0]!.accuracy).toBeNaN();
  });

  it("passes a repetition penalty to the model under test", async () => {
    const target = new ScriptedModel(() => "Paris");
    await evaluateQa({ target, items: items.slice(0, 1), rounds: 1, sampling: { temperature: 0.5, topP: 0.95, maxTokens: 256, repetitionPenalty: 1.02 } });
    expect(target.calls[0]!.request.sampling).toEqual({ temperature: 0.5, topP: 0.95, maxTokens: 256, repetitionPenalty: 1.02, seed: 1 });
  });
});
