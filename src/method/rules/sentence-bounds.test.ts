import { describe, expect, it } from "vitest";
import { sentenceAround } from "./sentence-bounds.js";

const around = (text: string, part: string) => {
  const start = text.indexOf(part);
  const span = sentenceAround(text, { start, end: start + part.length });
  return text.slice(span.start, span.end);
};

describe("sentenceAround", () => {
  const doc = 'The bridge opened in 1911. Dr. Houtman designed it in 3.5 years.\nA paper called it "a web of steel." Today it carries cars';

  it("extends a part of a sentence to the whole sentence", () => {
    expect(around(doc, "opened in")).toBe("The bridge opened in 1911.");
    expect(around(doc, "Houtman designed it")).toBe("Dr. Houtman designed it in 3.5 years.");
    expect(around(doc, "called it")).toBe('A paper called it "a web of steel."');
    expect(around(doc, "Today it")).toBe("Today it carries cars");
  });

  it("leaves a whole sentence as it is", () => {
    expect(around(doc, "The bridge opened in 1911.")).toBe("The bridge opened in 1911.");
    expect(around(doc, "The bridge opened in 1911")).toBe("The bridge opened in 1911.");
  });

  it("stops at a sentence that ends inside its closing quote", () => {
    const en = 'He said: "We won." Then he left.';
    expect(around(en, 'He said: "We won."')).toBe('He said: "We won."');
    expect(around(en, "We won")).toBe('He said: "We won."');
    const zh = "他说：“我们赢了。”然后他离开了。";
    expect(around(zh, "他说：“我们赢了。”")).toBe("他说：“我们赢了。”");
    expect(around(zh, "他离开")).toBe("然后他离开了。");
  });

  it("finds the bounds of Chinese sentences", () => {
    const zh = "长城是中国古代的军事防御工程。它的修建持续了两千多年！“它是象征。”后来如何？";
    expect(around(zh, "修建持续")).toBe("它的修建持续了两千多年！");
    expect(around(zh, "象征")).toBe("“它是象征。”");
  });
});
