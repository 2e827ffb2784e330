import { describe, expect, it } from "vitest";
import { isAcronym, matchForm, matchWords, sameWord } from "./match-form.js";

describe("matchForm", () => {
  it("folds case, width, dashes, ellipses and punctuation into one spacing", () => {
    expect(matchForm("The Ｂｒｉｄｇｅ—opened…in  1911!")).toBe("the bridge opened in 1911");
    expect(matchForm("the bridge--opened...in 1911")).toBe("the bridge opened in 1911");
    expect(matchForm("“Clara”, Houtman’s")).toBe("clara houtman s");
  });

  it("drops thousands separators between digits only", () => {
    expect(matchForm("1,200 and 3,000,000")).toBe("1200 and 3000000");
    expect(matchForm("1, 200 and 12,34")).toBe("1 200 and 12 34");
  });

  it("keeps Chinese characters and folds full-width punctuation", () => {
    expect(matchForm("长城，是中国古代的军事防御工程。")).toBe("长城 是中国古代的军事防御工程");
    expect(matchForm("ＧＤＰ增长")).toBe("gdp增长");
  });

  it("keeps the vowel signs of scripts that have them inside words", () => {
    expect(matchWords("ภาษาไทย")).toEqual(["ภาษาไทย"]);
    expect(matchWords("   ")).toEqual([]);
  });
});

describe("isAcronym", () => {
  it("is true for two or more capitals and no lower-case letter", () => {
    expect(isAcronym("US")).toBe(true);
    expect(isAcronym("COVID19")).toBe(true);
    expect(isAcronym("May")).toBe(false);
    expect(isAcronym("A")).toBe(false);
    expect(isAcronym("1949")).toBe(false);
  });
});

describe("sameWord", () => {
  it("allows a plural ending on either side", () => {
    expect(sameWord("war", "wars")).toBe(true);
    expect(sameWord("churches", "church")).toBe(true);
    expect(sameWord("city", "cities")).toBe(true);
  });

  it("does not stretch further", () => {
    expect(sameWord("war", "ward")).toBe(false);
    expect(sameWord("war", "software")).toBe(false);
    expect(sameWord("a", "as")).toBe(false);
  });
});
