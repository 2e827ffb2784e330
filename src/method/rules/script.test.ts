import { describe, expect, it } from "vitest";
import { hasUnspacedScript, inOtherLanguage, writingSystem } from "./script.js";

const ZH_DOC = "长城是中国古代的军事防御工程。它的修建持续了两千多年，由多个朝代完成。";
const EN_DOC = "The bridge opened in 1911. Clara Houtman designed it. Trains moved to a new span in 1974.";

describe("writingSystem", () => {
  it("tells Chinese, Japanese, English and Russian apart", () => {
    expect(writingSystem(ZH_DOC)?.system).toBe("chinese");
    expect(writingSystem("東京は日本の首都です。多くの人がここに住んでいます。")?.system).toBe("japanese");
    expect(writingSystem(EN_DOC)?.system).toBe("latin");
    expect(writingSystem("Мост открыли в 1911 году.")?.system).toBe("cyrillic");
    expect(writingSystem("1911, 1974.")).toBeUndefined();
  });

  it("goes by what most of the text is in", () => {
    expect(writingSystem("GDP在2019年增长了多少？")?.system).toBe("chinese");
    expect(writingSystem("What did 孔子 teach about ritual and music?")?.system).toBe("latin");
  });
});

describe("hasUnspacedScript", () => {
  it("is true for Han, Kana and Thai, false for Latin and Hangul", () => {
    expect(hasUnspacedScript("长城")).toBe(true);
    expect(hasUnspacedScript("カタカナ")).toBe(true);
    expect(hasUnspacedScript("ภาษาไทย")).toBe(true);
    expect(hasUnspacedScript("bridge")).toBe(false);
    expect(hasUnspacedScript("한국어")).toBe(false);
  });
});

describe("inOtherLanguage", () => {
  it("flags an English item for a Chinese document and the other way round", () => {
    expect(inOtherLanguage(ZH_DOC, "How long did the construction of the Great Wall take?")).toBe(true);
    expect(inOtherLanguage(EN_DOC, "这座桥是哪一年开通的？")).toBe(true);
  });

  it("accepts items in the document's language, with foreign names inside", () => {
    expect(inOtherLanguage(ZH_DOC, "长城的修建持续了多久？")).toBe(false);
    expect(inOtherLanguage(EN_DOC, "Who designed the bridge that opened in 1911?")).toBe(false);
    expect(inOtherLanguage(ZH_DOC, "GDP在2019年增长了多少？")).toBe(false);
  });

  it("takes Han-only text as Japanese for a Japanese document, not kana for a Chinese one", () => {
    const jaDoc = "徳川家光は江戸幕府の第三代将軍である。彼は鎖国の体制を固めた。";
    expect(inOtherLanguage(jaDoc, "江戸幕府第三代将軍")).toBe(false);
    expect(inOtherLanguage(jaDoc, "How did Iemitsu close the country?")).toBe(true);
    expect(inOtherLanguage(ZH_DOC, "長城はどのくらいの期間で建てられましたか")).toBe(true);
  });

  it("does not judge short texts or text quoted from the document", () => {
    expect(inOtherLanguage(ZH_DOC, "Clara Houtman")).toBe(false);
    expect(inOtherLanguage(ZH_DOC, "1911")).toBe(false);
    expect(inOtherLanguage(`${ZH_DOC} 英文名称是 the Great Wall of China today.`, "the Great Wall of China today")).toBe(false);
  });
});
