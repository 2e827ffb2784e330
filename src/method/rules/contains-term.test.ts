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

describe("containsTerm across scripts", () => {
  it("finds Latin words and numbers inside Chinese text", () => {
    expect(containsTerm("新中国成立于1949年10月1日。", "1949")).toBe(true);
    expect(containsTerm("他曾在NASA工作。", "NASA")).toBe(true);
    expect(containsTerm("他曾在NASA工作。", "NAS")).toBe(false);
    expect(containsTerm("他曾在NASA工作。", "Ames")).toBe(false);
  });

  it("lets a Korean word carry its particle", () => {
    expect(containsTerm("서울은 한국의 수도이다.", "서울")).toBe(true);
    expect(containsTerm("서울은 한국의 수도이다.", "한국의 수도")).toBe(true);
    expect(containsTerm("부산은 항구 도시이다.", "서울")).toBe(false);
    expect(containsTerm("1949년에 세워졌다.", "1949")).toBe(true);
  });
});

describe("containsTerm for acronyms, numbers and articles", () => {
  it("compares an acronym in capitals case and all", () => {
    expect(containsTerm("Can you tell us what happened?", "US")).toBe(false);
    expect(containsTerm("Who founded the organisation?", "WHO")).toBe(false);
    expect(containsTerm("Why did the WHO act?", "WHO")).toBe(true);
    expect(containsTerm("How many NGOs signed?", "NGO")).toBe(true);
    expect(containsTerm("What happened in May?", "May")).toBe(true);
  });

  it("folds thousands separators", () => {
    expect(containsTerm("It carried 1200 people.", "1,200")).toBe(true);
    expect(containsTerm("It carried 1,200 people.", "1200")).toBe(true);
    expect(containsTerm("It carried 1,200 people.", "200")).toBe(false);
  });

  it("drops a leading article from the term", () => {
    expect(containsTerm("Battle of Hastings, in 1066.", "the Battle of Hastings")).toBe(true);
    expect(containsTerm("It was a victory.", "a victory")).toBe(true);
    expect(containsTerm("It was a defeat.", "the victory")).toBe(false);
  });
});

describe("missingTerms", () => {
  it("lists the terms that are not there, in order", () => {
    expect(missingTerms("How did software shape the railways?", ["war", "railway", "ship"])).toEqual(["war", "ship"]);
    expect(missingTerms("长城和运河有什么联系？", ["长城", "运河", "丝绸之路"])).toEqual(["丝绸之路"]);
  });
});
