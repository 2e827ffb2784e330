import { describe, expect, it } from "vitest";
import type { CallPlace, StepKind } from "../method/context.js";
import { CallPriorities } from "./call-priority.js";

const at = (level: CallPlace["level"], round = 0): CallPlace => ({ level, round });

/** The names of calls, highest priority first, ranked now. */
function ranked(calls: Array<{ name: string; rank: () => number }>): string[] {
  return [...calls].sort((a, b) => b.rank() - a.rank()).map((c) => c.name);
}

describe("CallPriorities", () => {
  it("serves later re-synthesis rounds first, then the longest remaining chain, then earlier documents", () => {
    const p = new CallPriorities();
    const call = (name: string, kind: StepKind, place: CallPlace | undefined, doc: number) => ({ name, rank: p.of(kind, place, doc) });
    const calls = [
      call("answer, round 0, document 0", "answer", at("micro"), 0),
      call("extract, round 0, document 9", "extract", at("micro"), 9),
      call("extract, round 0, document 2", "extract", at("micro"), 2),
      call("synthesize, round 0, document 0", "synthesize", at("micro"), 0),
      call("self-qa, document 1", "selfQa", undefined, 1),
    ];
    expect(ranked(calls)).toEqual([
      "extract, round 0, document 2",
      "extract, round 0, document 9",
      "synthesize, round 0, document 0",
      "answer, round 0, document 0",
      "self-qa, document 1",
    ]);
    const later = [...calls, call("answer, round 1, document 40", "answer", at("micro", 1), 40), call("answer, round 3, document 1000000", "answer", at("macro", 3), 1_000_000)];
    expect(ranked(later).slice(0, 2)).toEqual(["answer, round 3, document 1000000", "answer, round 1, document 40"]);
  });

  it("learns which levels take rounds, and then starts their first pass before the others'", () => {
    let changes = 0;
    const p = new CallPriorities(() => changes++);
    const scatter = { name: "scatter answer, document 1", rank: p.of("answer", at("scatter"), 1) };
    const macro = { name: "macro answer, document 9", rank: p.of("answer", at("macro"), 9) };
    expect(ranked([scatter, macro])).toEqual(["scatter answer, document 1", "macro answer, document 9"]);
    // Documents 2 and 3 met macro items that kept failing; scatter items never did.
    p.of("answer", at("scatter"), 2);
    p.of("answer", at("macro", 0), 2);
    p.of("resynthesize", at("macro", 4), 2);
    p.of("resynthesize", at("macro", 5), 3);
    expect(changes).toBe(2);
    // The calls already waiting are ranked anew: the macro answer now goes first.
    expect(ranked([scatter, macro])).toEqual(["macro answer, document 9", "scatter answer, document 1"]);
    // But never before a call of a re-synthesis round.
    const round = { name: "scatter round 1", rank: p.of("resynthesize", at("scatter", 1), 30) };
    expect(ranked([scatter, macro, round])[0]).toBe("scatter round 1");
  });

  it("keeps what finished documents' levels took after forgetting them", () => {
    const p = new CallPriorities();
    p.of("answer", at("macro"), 1);
    p.of("resynthesize", at("macro", 4), 1);
    p.forget(1);
    const waiting = p.of("answer", at("macro"), 2);
    const other = p.of("answer", at("scatter"), 0);
    // Two documents began macro, one took 4 rounds: a mean of 2, so two calls of 2 rounds ahead.
    expect(waiting() - other()).toBe(2 * 2 * 2 ** 34 - 2);
  });

  it("never lets a first-pass call outrank a call of a round, however many rounds its level takes", () => {
    const p = new CallPriorities();
    for (let doc = 0; doc < 10; doc++) p.of("answer", at("macro", 600), doc);
    expect(p.of("answer", at("macro"), 11)()).toBeLessThan(p.of("answer", at("scatter", 1), 12)());
  });

  it("stays exact for any number of rounds", () => {
    const p = new CallPriorities();
    const deep = p.of("extract", at("micro", 10_000), 0)();
    expect(Number.isSafeInteger(deep)).toBe(true);
    expect(p.of("answer", at("micro", 10_000), 5)()).toBeGreaterThan(p.of("answer", at("micro", 254), 5)());
  });
});
