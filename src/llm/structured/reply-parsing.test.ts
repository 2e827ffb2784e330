import { describe, expect, it } from "vitest";
import { extractJson, listItems } from "./reply-parsing.js";

describe("extractJson", () => {
  it("reads bare JSON, fenced JSON and JSON surrounded by prose", () => {
    expect(extractJson('{"a": 1}')).toEqual({ a: 1 });
    expect(extractJson('```json\n{"a": [1, 2]}\n```')).toEqual({ a: [1, 2] });
    expect(extractJson('Sure! Here it is:\n{"a": "x } y"}\nHope this helps.')).toEqual({ a: "x } y" });
    expect(extractJson("```\n[1, 2]\n```")).toEqual([1, 2]);
  });

  it("reads an unterminated code fence", () => {
    expect(extractJson('```json\n{"a": 1}')).toEqual({ a: 1 });
  });

  it("returns undefined for text without JSON or with truncated JSON", () => {
    expect(extractJson("no json here")).toBeUndefined();
    expect(extractJson('{"elements": ["1911", "Clara')).toBeUndefined();
  });
});

describe("listItems", () => {
  it("reads numbered and bulleted lists, dropping markers, quotes and surrounding prose", () => {
    const text = 'Here are the elements:\n1. "1911"\n2) Clara Houtman\n(3) the Varn River\n- riveted steel\n* **grey-green**\nThat is all.';
    expect(listItems(text)).toEqual(["1911", "Clara Houtman", "the Varn River", "riveted steel", "grey-green"]);
  });

  it("joins a wrapped line to its item", () => {
    expect(listItems("1. What did the council\n   decide in 1903?\n2. Why steel?")).toEqual(["What did the council decide in 1903?", "Why steel?"]);
  });
});
