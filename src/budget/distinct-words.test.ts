import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { distinctWords } from "./distinct-words.js";
import { SAMPLE_CORPUS } from "../../test/support/fixtures.js";

const samplePath = SAMPLE_CORPUS;

describe("distinctWords: spaced scripts (the authors' rule)", () => {
  it("strips punctuation, keeps first occurrences in order, and is case-sensitive", () => {
    expect(distinctWords("The cat saw the cat. The end!")).toEqual(["The", "cat", "saw", "the", "end"]);
  });

  it("removes punctuation inside words rather than splitting there", () => {
    expect(distinctWords("It's a well-known fact (really).")).toEqual(["Its", "a", "wellknown", "fact", "really"]);
  });

  it("keeps numbers, with their separators removed", () => {
    expect(distinctWords("In 2024, pi was 3.14 and 42 was 42.")).toEqual(["In", "2024", "pi", "was", "314", "and", "42"]);
  });

  it("keeps accented letters, precomposed or combining", () => {
    expect(distinctWords("café naïve Ångström Straße")).toEqual(["café", "naïve", "Ångström", "Straße"]);
    expect(distinctWords("cafe\u0301 cafe")).toEqual(["cafe\u0301", "cafe"]);
  });

  it("drops symbols, emoji and underscores, and splits on any white space", () => {
    expect(distinctWords("a_b  +  😀 c\td\ne\u00a0f \u3000g")).toEqual(["ab", "c", "d", "e", "f", "g"]);
  });

  it("handles other spaced scripts letter by letter", () => {
    expect(distinctWords("Мир мир, мир! Γειά σου κόσμε")).toEqual(["Мир", "мир", "Γειά", "σου", "κόσμε"]);
    expect(distinctWords("नमस्ते दुनिया नमस्ते")).toEqual(["नमस्ते", "दुनिया"]);
  });

  it("returns nothing for empty or punctuation-only text", () => {
    expect(distinctWords("")).toEqual([]);
    expect(distinctWords(" ... --- !!! ")).toEqual([]);
  });
});

describe("distinctWords: scripts written without spaces", () => {
  const chinese = JSON.parse(readFileSync(samplePath, "utf8").split("\n")[10]!) as { content: string };

  it("cuts the Chinese sample document into multi-character words", () => {
    const words = distinctWords(chinese.content);
    for (const word of ["都江堰", "水利工程", "公元前", "灌溉", "成都", "世界", "文化", "遗产", "核心", "泥沙"]) {
      expect(words).toContain(word);
    }
    expect(words).toContain("256");
    expect(words).toContain("2000");
    // Words, not whole sentences, and no punctuation.
    expect(Math.max(...words.map((w) => [...w].length))).toBeLessThanOrEqual(6);
    expect(words.some((w) => /[，。：、]/u.test(w))).toBe(false);
    expect(new Set(words).size).toBe(words.length);
    expect(words.filter((w) => [...w].length >= 2).length).toBeGreaterThan(30);
  });

  it("cuts Japanese into words, kanji and kana alike", () => {
    const words = distinctWords("東京に住んでいる猫はとてもかわいいです。コーヒーを飲みます。東京");
    for (const word of ["東京", "猫", "とても", "かわいい", "です", "コーヒー"]) expect(words).toContain(word);
    expect(words.filter((w) => w === "東京")).toHaveLength(1);
    expect(words.some((w) => w.includes("。"))).toBe(false);
  });

  it("cuts Thai into words, keeping its vowel and tone marks", () => {
    expect(distinctWords("ภาษาไทยเป็นภาษาที่สวยงามมาก ภาษาไทย")).toEqual(["ภาษา", "ไทย", "เป็น", "ที่", "สวยงาม", "มาก"]);
  });

  it("keeps Latin words and numbers whole inside mixed Chinese text", () => {
    const words = distinctWords("我用GPT-4写了2000年的历史，iPhone15很贵。Hello 世界!");
    for (const word of ["GPT4", "2000", "年", "历史", "iPhone15", "Hello", "世界"]) expect(words).toContain(word);
    expect(words.indexOf("GPT4")).toBeLessThan(words.indexOf("iPhone15"));
  });

  it("treats removed punctuation as a boundary between Chinese sentences", () => {
    // Glued together, "我去了上海洋很大" segments as 上|海洋 ("ocean"); the full stop keeps 上海 (Shanghai).
    const words = distinctWords("我去了上海。洋很大。");
    expect(words).toContain("上海");
    expect(words).not.toContain("海洋");
  });
});
