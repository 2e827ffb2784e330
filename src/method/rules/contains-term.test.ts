import { describe, expect, it } from "vitest";
import { containsTerm, missingTerms } from "./contains-term.js";

describe("containsTerm in spaced scripts", () => {
  it("needs word boundaries: a keyword inside a longer word is not there", () => {
    expect(containsTerm("How has software changed logistics?", "war")).toBe(false);
    expect(containsTerm("How did the war change logistics?", "war")).toBe(true);
    expect(containsTerm("What warned the crew?", "war")).toBe(false);
  });

  it("tolerates a plural ending, case, width and punctuation", () => {
    expect(containsTerm("How did the Wars of the Roses end?", "war")).toBe(true);
    expect(containsTerm("Why were the bridges rebuilt?", "Bridge")).toBe(true);
    expect(containsTerm("What did CLARA HOUTMAN design?", "Clara Houtman")).toBe(true);
    expect(containsTerm("Why is ＳＴＥＥＬ used?", "steel")).toBe(true);
    expect(containsTerm("Who is Houtman's partner?", "Houtman")).toBe(true);
  });

  it("treats -- and — alike", () => {
    expect(containsTerm("Why was the north--south line closed?", "north—south line")).toBe(true);
    expect(containsTerm("Why was the north—south line closed?", "north--south line")).toBe(true);
  });

  it("needs a phrase's words together and in order", () => {
    expect(containsTerm("Was the span new?", "new span")).toBe(false);
    expect(containsTerm("Why was a new, longer span built?", "new span")).toBe(false);
    expect(containsTerm("Why was a new span built?", "new span")).toBe(true);
  });

  it("finds an empty term everywhere", () => {
    expect(containsTerm("anything", " , ")).toBe(true);
  });
});

describe("containsTerm in scripts without spaces", () => {
  it("matches a substring of Chinese text", () => {
    expect(containsTerm("长城的修建持续了多久？", "长城")).toBe(true);
    expect(containsTerm("长城的修建持续了多久？", "修建")).toBe(true);
    expect(containsTerm("它的修建持续了多久？", "长城")).toBe(false);
  });

  it("folds full-width forms and ignores spacing around Chinese words", () => {
    expect(containsTerm("ＧＤＰ 增长了多少？", "GDP增长")).toBe(true);
    expect(containsTerm("在两千年里，它是否被修建？", "两千年")).toBe(true);
  });
});

describe("missingTerms", () => {
  it("lists the terms that are not there, in order", () => {
    expect(missingTerms("How did software shape the railways?", ["war", "railway", "ship"])).toEqual(["war", "ship"]);
    expect(missingTerms("长城和运河有什么联系？", ["长城", "运河", "丝绸之路"])).toEqual(["丝绸之路"]);
  });
});
