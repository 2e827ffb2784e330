import { describe, expect, it } from "vitest";
import { locateSentence } from "./verbatim.js";

const doc = 'When the bridge opened, a local newspaper called it "a spider\'s web that carries locomotives".\nToday the bridge   carries road traffic only.';

describe("locateSentence", () => {
  it("finds an exact quote and returns its offsets in the original text", () => {
    const sentence = "Today the bridge   carries road traffic only.";
    const span = locateSentence(doc, sentence)!;
    expect(doc.slice(span.start, span.end)).toBe(sentence);
  });

  it("tolerates different white space and maps back to the document's own spacing", () => {
    const span = locateSentence(doc, "Today the bridge carries road\ttraffic only.")!;
    expect(doc.slice(span.start, span.end)).toBe("Today the bridge   carries road traffic only.");
  });

  it("tolerates curly quotes where the document has straight ones", () => {
    const span = locateSentence(doc, "a local newspaper called it \u201ca spider\u2019s web that carries locomotives\u201d.")!;
    expect(doc.slice(span.start, span.end)).toBe('a local newspaper called it "a spider\'s web that carries locomotives".');
  });

  it("tolerates a final full stop that was dropped or added", () => {
    expect(locateSentence(doc, "Today the bridge carries road traffic only")).toBeDefined();
    expect(locateSentence("It rained all day", "It rained all day.")).toEqual({ start: 0, end: 17 });
  });

  it("rejects a sentence that is not in the document, or differs in its words", () => {
    expect(locateSentence(doc, "The bridge was demolished in 1990.")).toBeUndefined();
    expect(locateSentence(doc, "Today the bridge carries rail traffic only.")).toBeUndefined();
    expect(locateSentence(doc, "   ")).toBeUndefined();
  });

  it("finds sentences in Chinese text", () => {
    const zh = "长城是中国古代的军事防御工程。它的修建持续了两千多年。";
    const span = locateSentence(zh, "它的修建持续了两千多年。")!;
    expect(zh.slice(span.start, span.end)).toBe("它的修建持续了两千多年。");
  });

  it("folds dashes: -- and — (with or without spaces) and the en dash are one", () => {
    const text = "The line ran north—south -- through the hills. It closed in 1974.";
    const span = locateSentence(text, "The line ran north -- south — through the hills.")!;
    expect(text.slice(span.start, span.end)).toBe("The line ran north—south -- through the hills.");
    expect(locateSentence(text, "The line ran north–south—through the hills.")).toBeDefined();
    expect(locateSentence(text, "The line ran north-south through the hills.")).toBeUndefined();
  });

  it("takes a run of dashes or of dots as one, as Chinese doubles them", () => {
    const zh = "战争——终于结束了，人们……欢呼起来。";
    const span = locateSentence(zh, "战争--终于结束了，…")!;
    expect(zh.slice(span.start, span.end)).toBe("战争——终于结束了，");
    const quoted = (quote: string) => {
      const at = locateSentence(zh, quote)!;
      return zh.slice(at.start, at.end);
    };
    expect(quoted("人们…欢呼起来。")).toBe("人们……欢呼起来。");
    expect(quoted("人们...欢呼起来")).toBe("人们……欢呼起来");
    expect(quoted("战争—终于结束了，人们……欢呼起来。")).toBe(zh);
    const en = "It ended---at last. Then....silence.";
    expect(locateSentence(en, "It ended — at last.")).toEqual({ start: 0, end: 19 });
    expect(locateSentence(en, "Then...silence.")).toEqual({ start: 20, end: 36 });
    expect(locateSentence("a-b", "a—b")).toBeUndefined();
  });

  it("folds ellipses and full-width punctuation", () => {
    const text = "He paused… and then spoke. ＧＤＰ增长了，然后呢？";
    const span = locateSentence(text, "He paused... and then spoke.")!;
    expect(text.slice(span.start, span.end)).toBe("He paused… and then spoke.");
    const zh = locateSentence(text, "GDP增长了,然后呢?")!;
    expect(text.slice(zh.start, zh.end)).toBe("ＧＤＰ增长了，然后呢？");
  });
});
