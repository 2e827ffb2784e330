import { describe, expect, it } from "vitest";
import { dropSoftHyphens, joinLine, normalizeText } from "./pdf-text.js";

describe("normalizeText", () => {
  it("spells out ligatures and makes odd spaces plain", () => {
    expect(normalizeText("\uFB01ve \uFB02at \uFB00 \uFB03x \uFB04e")).toBe("five flat ff ffix ffle");
    expect(normalizeText("a\u00A0b\u2009c\u202Fd\u3000e\tf")).toBe("a b c d e f");
    expect(normalizeText("zero\u200Bwidth\uFEFF")).toBe("zerowidth");
  });
});

describe("joinLine", () => {
  it("joins a word hyphenated at the line end when the line goes on in lower case", () => {
    expect(joinLine("for exam-", "ple this")).toBe("for example this");
    expect(joinLine("soft exam\u00AD", "ple")).toBe("soft example");
  });

  it("keeps a dash before a capital or a number, and puts a space between other lines", () => {
    expect(joinLine("the Franco-", "Prussian war")).toBe("the Franco- Prussian war");
    expect(joinLine("pages 10-", "12")).toBe("pages 10- 12");
    expect(joinLine("one line", "another")).toBe("one line another");
    expect(joinLine("", "first")).toBe("first");
  });

  it("drops soft hyphens inside words", () => {
    expect(dropSoftHyphens("hy\u00ADphen")).toBe("hyphen");
  });
});
