import { describe, expect, it } from "vitest";
import { estimateTokens } from "./estimate-tokens.js";

describe("estimateTokens", () => {
  it("counts about four characters per token for Latin text, rounded up", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("abcd")).toBe(1);
    expect(estimateTokens("abcde")).toBe(2);
    expect(estimateTokens("The quick brown fox jumps over the lazy dog.")).toBe(11);
  });

  it("counts one token per CJK, Hangul, Kana and Thai character", () => {
    expect(estimateTokens("東京都")).toBe(3);
    expect(estimateTokens("ひらがなカタカナ")).toBe(8);
    expect(estimateTokens("한국어")).toBe(3);
    expect(estimateTokens("ภาษาไทย")).toBe(7);
    expect(estimateTokens("北京。")).toBe(3);
    expect(estimateTokens("Tokyo 東京")).toBe(4); // 6 quarters + 2 tokens
  });

  it("counts a surrogate pair as one character", () => {
    expect(estimateTokens("𠀋")).toBe(1); // CJK extension B
    expect(estimateTokens("😀😀😀😀")).toBe(1);
  });
});
