import { describe, expect, it } from "vitest";
import { distinctFeatures, inDocument } from "./keywords.js";

describe("distinctFeatures", () => {
  it("keeps the first spelling of each feature, case, width and punctuation aside", () => {
    expect(distinctFeatures(["Clara Houtman", "clara  houtman", "ＣＬＡＲＡ HOUTMAN", " 1911 ", ""], ["1911."])).toEqual(["Clara Houtman"]);
  });
});

describe("inDocument", () => {
  const doc = "Software now routes the trains. Bridges of the north—south line carry them over rivers. 长城修建了两千多年。";

  it("accepts features found word for word, with a plural ending or another dash, and rejects the rest", () => {
    expect(inDocument(doc, ["war", "bridge", "north--south line", "Rivers", "长城", "两千年", "routes trains"])).toEqual({
      accepted: ["bridge", "north--south line", "Rivers", "长城"],
      rejected: ["war", "两千年", "routes trains"],
    });
  });
});
