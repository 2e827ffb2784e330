import { describe, expect, it } from "vitest";
import { readerFor, DOCUMENT_EXTENSIONS } from "./index.js";
import { readMarkdown } from "./markdown.js";
import { readText } from "./text.js";

describe("readerFor", () => {
  it("finds the reader by extension, whatever its case", () => {
    expect(readerFor("a/b/Guide.MD")).toBe(readMarkdown);
    expect(readerFor("notes.markdown")).toBe(readMarkdown);
    expect(readerFor("notes.txt")).toBe(readText);
  });

  it("has none for other files, nor for names of an object's own properties", () => {
    expect(readerFor("data.jsonl")).toBeUndefined();
    expect(readerFor("README")).toBeUndefined();
    expect(readerFor("x.constructor")).toBeUndefined();
    expect(readerFor("x.__proto__")).toBeUndefined();
  });

  it("lists its extensions", () => {
    expect(DOCUMENT_EXTENSIONS).toEqual(expect.arrayContaining([".md", ".markdown", ".txt"]));
  });
});
