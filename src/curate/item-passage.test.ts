import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { documentTextsOf, itemPassage, PASSAGE_CHARS } from "./item-passage.js";

/** Numbered filler sentences, so where a window starts and ends can be read off its text. */
const filler = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `Filler sentence number ${from + i} says nothing much.`).join(" ");

const withoutMarks = (passage: string) => passage.replace(/^\[\.\.\.\] /, "").replace(/ \[\.\.\.\]$/, "");

describe("itemPassage", () => {
  it("gives a short document whole", () => {
    const text = "  The bridge opened in 1932. It spans the harbour.\n";
    expect(itemPassage({ features: ["bridge"] }, text)).toBe("The bridge opened in 1932. It spans the harbour.");
  });

  it("centres a macro record's sentence, found by its offsets, in a window of about 2,000 characters of a long document", () => {
    const sentence = "The harbour bridge opened to traffic in March 1932.";
    const text = `${filler(0, 100)} ${sentence} ${filler(100, 100)}`;
    const at = text.indexOf(sentence);
    const passage = itemPassage({ features: [sentence], offsets: [[at, at + sentence.length]] }, text);
    expect(passage).toContain(sentence);
    expect(passage.length).toBeLessThanOrEqual(PASSAGE_CHARS + 12);
    expect(passage.length).toBeGreaterThan(PASSAGE_CHARS - 60);
    expect(passage.startsWith("[...] ") && passage.endsWith(" [...]")).toBe(true);
    // Text on both sides of the sentence, in about equal parts, cut between words.
    const inner = withoutMarks(passage);
    const before = inner.indexOf(sentence);
    const after = inner.length - before - sentence.length;
    expect(Math.abs(before - after)).toBeLessThan(80);
    expect(text).toContain(inner);
    const start = text.indexOf(inner);
    expect(text[start - 1]).toMatch(/\s/);
    expect(text[start + inner.length]).toMatch(/\s/);
  });

  it("reads a chunk's offsets in the chunk: the record's source_span of the document", () => {
    const sentence = "Only this chunk has the lighthouse sentence.";
    // The sentence twice in the chunk and once before it: the offsets pick the chunk's second one.
    const chunk = `${sentence} ${filler(0, 80)} ${sentence} ${filler(80, 80)}`;
    const text = `${filler(500, 60)} ${sentence} ${filler(600, 20)} ${chunk} ${filler(700, 60)}`;
    const spanStart = text.indexOf(chunk);
    const inChunk = chunk.lastIndexOf(sentence);
    const passage = itemPassage(
      { features: [sentence], source_span: [spanStart, spanStart + chunk.length], offsets: [[inChunk, inChunk + sentence.length]] },
      text,
    );
    expect(passage).toContain(`number 79 says nothing much. ${sentence} Filler sentence number 80 `);
    expect(passage).not.toMatch(/number [5-7]\d\d /);
    expect(passage).not.toContain("number 0 ");
  });

  it("finds a macro sentence where it stands now when its offsets no longer point at it", () => {
    const sentence = "The tower was rebuilt after the fire.";
    const text = `${filler(0, 80)} ${sentence} ${filler(80, 80)}`;
    const passage = itemPassage({ features: [sentence], offsets: [[5, 5 + sentence.length]] }, text);
    expect(passage).toContain(sentence);
    expect(passage.startsWith("[...] ")).toBe(true);
  });

  it("shows a micro record's element where it first stands, case aside", () => {
    const text = `${filler(0, 80)} The Lighthouse keeper lived alone. ${filler(80, 80)} lighthouse again.`;
    const passage = itemPassage({ features: ["lighthouse"] }, text);
    expect(passage).toContain("The Lighthouse keeper lived alone.");
    expect(passage).not.toContain("lighthouse again");
  });

  it("shows a scatter record's keywords around the first of them to occur", () => {
    const text = `${filler(0, 60)} A storm hit the coast. ${filler(60, 60)} The ferry was cancelled. ${filler(120, 60)}`;
    const passage = itemPassage({ features: ["ferry", "storm"] }, text);
    expect(passage).toContain("A storm hit the coast.");
    expect(passage.length).toBeLessThanOrEqual(PASSAGE_CHARS + 12);
  });

  it("falls back to the start of the record's text when no feature is in it", () => {
    const text = `${filler(0, 200)}`;
    const passage = itemPassage({ features: ["absent phrase"], source_span: [0, text.length] }, text);
    expect(passage.startsWith("Filler sentence number 0 ")).toBe(true);
    expect(passage.endsWith(" [...]")).toBe(true);
    expect(passage.length).toBeLessThanOrEqual(PASSAGE_CHARS + 6);
  });

  it("keeps the start of a sentence longer than the window", () => {
    const sentence = `Start of a very long sentence ${"and more words ".repeat(200)}end.`;
    const text = `${filler(0, 10)} ${sentence} ${filler(10, 10)}`;
    const at = text.indexOf(sentence);
    const passage = itemPassage({ features: [sentence], offsets: [[at, at + sentence.length]] }, text);
    expect(passage.startsWith("[...] Start of a very long sentence")).toBe(true);
    expect(passage.length).toBeLessThanOrEqual(PASSAGE_CHARS + 12);
  });
});

describe("documentTextsOf", () => {
  const corpus = [
    { sourceId: "a.jsonl:1", text: "First document, short." },
    { sourceId: "a.jsonl:2", text: "Second document, which was cut into chunks." },
  ];
  const record = (source_id: string, article_index: number, source_span?: [number, number]) => ({
    instruction: "Q?",
    level: "micro" as const,
    source_id,
    article_index,
    ...(source_span ? { source_span } : {}),
  });

  it("gives each record its whole document, a chunk's too", () => {
    const texts = documentTextsOf("store.db", [record("a.jsonl:2", 1, [7, 15]), record("a.jsonl:1", 0), record("a.jsonl:2", 2, [16, 30])], corpus);
    expect(texts).toEqual([corpus[1]!.text, corpus[0]!.text, corpus[1]!.text]);
  });

  it("refuses a record whose document is not in the corpus, naming the store", () => {
    expect(() => documentTextsOf("store.db", [record("b.jsonl:9", 5)], corpus)).toThrow(InputError);
    expect(() => documentTextsOf("store.db", [record("b.jsonl:9", 5)], corpus)).toThrow(/store\.db.*b\.jsonl:9/);
  });

  it("refuses a span past the end of its document", () => {
    expect(() => documentTextsOf("store.db", [record("a.jsonl:1", 0, [0, 500])], corpus)).toThrow(/reaches past its end/);
  });
});
