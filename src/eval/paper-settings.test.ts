import { describe, expect, it } from "vitest";
import { paperCaveat, paperDifferences, withPaperSettings } from "./paper-settings.js";

const MPNET = "sentence-transformers/paraphrase-multilingual-mpnet-base-v2";

describe("withPaperSettings", () => {
  it("fills in the authors' settings for what each command measures", () => {
    expect(withPaperSettings("difficulty", { paper: true, seed: 3 })).toEqual({ paper: true, seed: 3, judgeModel: "gpt-4o", verdict: "forced" });
    expect(withPaperSettings("qa", { paper: true, rounds: 5 })).toEqual({
      paper: true,
      rounds: 5,
      judgeModel: "gpt-4o",
      judgeStyle: "correct-incorrect",
      repetitionPenalty: 1.02,
    });
    expect(withPaperSettings("diversity", { paper: true, embeddings: true })).toEqual({ paper: true, embeddings: true, embedModel: MPNET });
    expect(withPaperSettings("compare", { paper: true })).toEqual({ paper: true, embedModel: MPNET, judgeModel: "gpt-4o", verdict: "forced" });
  });

  it("lets every explicit setting win over the preset", () => {
    const explicit = { paper: true, judgeModel: "my-judge", verdict: "ties" as const, judgeStyle: "true-false" as const, repetitionPenalty: 1.1, embedModel: "e5" };
    expect(withPaperSettings("difficulty", explicit)).toEqual(explicit);
    expect(withPaperSettings("qa", explicit)).toEqual(explicit);
    expect(withPaperSettings("compare", explicit)).toEqual(explicit);
  });

  it("leaves options without --paper alone", () => {
    const options = { judgeModel: undefined, seed: 1 };
    expect(withPaperSettings("difficulty", options)).toBe(options);
    expect(withPaperSettings("qa", { paper: false })).toEqual({ paper: false });
  });
});

describe("paperCaveat", () => {
  it("names what differs from the paper, on one line, and how to restore it", () => {
    expect(paperCaveat("difficulty", { judgeModel: "gpt-4o-mini" })).toBe(
      "note: not the paper's settings (judge gpt-4o-mini, not gpt-4o; ties allowed); --paper restores them",
    );
    // The default judge is gpt-4o-mini.
    expect(paperDifferences("difficulty", {})).toEqual(["judge gpt-4o-mini, not gpt-4o", "ties allowed"]);
    expect(paperDifferences("qa", { rounds: 3, temperature: 0.5 })).toEqual(["no accuracy judge", "no repetition penalty", "rounds 3, not 5"]);
    expect(paperDifferences("qa", { judgeModel: "gpt-4o", repetitionPenalty: 1.1, topP: 0.9, maxTokens: 512 })).toEqual([
      "accuracy judged true/false, not Correct/Incorrect",
      "repetition penalty 1.1, not 1.02",
      "top-p 0.9, not 0.95",
      "max tokens 512, not 256",
    ]);
    expect(paperDifferences("diversity", { embeddings: true })).toEqual(["embedding model text-embedding-3-small, not paraphrase-multilingual-mpnet-base-v2"]);
  });

  it("says nothing when the run is the paper's, with or without --paper", () => {
    for (const command of ["difficulty", "qa", "compare", "diversity"] as const) {
      expect(paperCaveat(command, withPaperSettings(command, { paper: true, embeddings: true, corpus: "c.jsonl", rounds: 5 }))).toBeUndefined();
    }
    expect(paperCaveat("difficulty", { judgeModel: "gpt-4o-2024-08-06", verdict: "forced" })).toBeUndefined();
    expect(paperCaveat("qa", { judgeModel: "gpt-4o", judgeStyle: "correct-incorrect", repetitionPenalty: 1.02, rounds: 5, temperature: 0.5, topP: 0.95, maxTokens: 256 })).toBeUndefined();
  });

  it("counts only what the command measures", () => {
    // Self-BLEU has no settings to differ in; compare judges difficulty only with a judge and the corpus.
    expect(paperCaveat("diversity", { judgeModel: "x" })).toBeUndefined();
    expect(paperCaveat("compare", { judgeModel: "x" })).toBeUndefined();
    expect(paperDifferences("compare", { judgeModel: "x", corpus: "c.jsonl" })).toEqual(["judge x, not gpt-4o", "ties allowed"]);
  });

  it("knows the paper's embedding model however it is served, and not its relatives", () => {
    for (const model of [MPNET, "paraphrase-multilingual-mpnet-base-v2", "hf:owner/repo/paraphrase-multilingual-mpnet-base-v2-Q8_0.gguf", "/m/paraphrase-multilingual-mpnet-base-v2.gguf"]) {
      expect(paperDifferences("diversity", { embeddings: true, embedModel: model })).toEqual([]);
    }
    for (const model of ["paraphrase-multilingual-MiniLM-L12-v2", "all-mpnet-base-v2", "gpt-4o"]) {
      expect(paperDifferences("diversity", { embeddings: true, embedModel: model })).toHaveLength(1);
    }
  });

  it("tells a run that overrides --paper that its flags did so", () => {
    const options = withPaperSettings("difficulty", { paper: true, judgeModel: "gpt-4o-mini" });
    expect(paperCaveat("difficulty", options)).toBe("note: not the paper's settings (judge gpt-4o-mini, not gpt-4o); flags given override --paper");
  });
});
