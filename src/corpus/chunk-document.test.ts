import { describe, expect, it } from "vitest";
import { chunkDocuments, chunkSpans, structureWithin, type ChunkedDocument, type Span } from "./chunk-document.js";
import { estimateTokens } from "./estimate-tokens.js";
import { TextBuilder } from "./text-builder.js";
import type { SourceDocument } from "./source-document.js";

/** Checks what every result of chunkSpans must satisfy, and returns the chunks' texts. */
function checkedChunks(text: string, maxTokens: number): string[] {
  const spans = chunkSpans(text, maxTokens);
  expect(spans[0]?.start).toBe(0);
  expect(spans.at(-1)?.end).toBe(text.length);
  spans.forEach((span: Span, i) => {
    if (i > 0) expect(span.start).toBe(spans[i - 1]!.end);
    const chunk = text.slice(span.start, span.end);
    expect(chunk.trim()).not.toBe("");
    expect(estimateTokens(chunk)).toBeLessThanOrEqual(maxTokens);
    // Never between the halves of a surrogate pair.
    const code = text.charCodeAt(span.end - 1);
    expect(code >= 0xd800 && code <= 0xdbff).toBe(false);
  });
  return spans.map((s) => text.slice(s.start, s.end));
}

describe("chunkSpans", () => {
  it("keeps text that fits as one span", () => {
    expect(chunkSpans("Short text.", 100)).toEqual([{ start: 0, end: 11 }]);
    expect(chunkSpans("abcd".repeat(25), 25)).toEqual([{ start: 0, end: 100 }]);
    expect(chunkSpans("", 10)).toEqual([]);
  });

  it("rejects a budget below one token", () => {
    expect(() => chunkSpans("text", 0)).toThrow(RangeError);
    expect(() => chunkSpans("text", Number.NaN)).toThrow(RangeError);
  });

  it("cuts at paragraph breaks when it can", () => {
    const paragraph = (word: string) => `${word} `.repeat(15).trim() + "."; // about 20 tokens
    const text = [paragraph("alpha"), paragraph("beta"), paragraph("gamma"), paragraph("delta")].join("\n\n");
    const chunks = checkedChunks(text, 50);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(/\.\n\n$/);
    expect(chunks.join("")).toBe(text);
    expect(chunks[1]).toMatch(/^gamma/);
  });

  it("keeps blank lines with spaces and CRLF inside the earlier chunk", () => {
    const text = `${"one ".repeat(20)}\r\n  \r\n\n${"two ".repeat(20)}`;
    const chunks = checkedChunks(text, 30);
    expect(chunks[0]).toMatch(/\r\n {2}\r\n\n$/);
    expect(chunks[1]).toMatch(/^two/);
  });

  it("falls back to sentence ends inside a long paragraph", () => {
    const text = "This is one sentence here. ".repeat(20).trim();
    const chunks = checkedChunks(text, 40);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(/here\. $/);
  });

  it("treats a closing quote after the full stop as part of the sentence end", () => {
    const text = `${'He said "stop here." '.repeat(12)}end`;
    const chunks = checkedChunks(text, 25);
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(/here\." $/);
  });

  it("does not treat a full stop inside a number as a sentence end", () => {
    const text = `${"word ".repeat(10)}pi is 3.14159 and e is 2.71828 ${"word ".repeat(10)}`;
    for (const chunk of checkedChunks(text, 12)) expect(chunk).not.toMatch(/\d\.$/);
  });

  it("cuts Chinese and Japanese text after sentence enders, without spaces", () => {
    const text = "今日は晴れです。明日は雨が降るでしょう！本当ですか？".repeat(4);
    const chunks = checkedChunks(text, 30);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(/[。！？]$/);
  });

  it("prefers a later sentence end to a paragraph break that would leave the chunk nearly empty", () => {
    const text = `Title\n\n${"A sentence of some length. ".repeat(30)}`;
    const chunks = checkedChunks(text, 60);
    expect(chunks[0]!.length).toBeGreaterThan(120);
    expect(chunks[0]).toMatch(/length\. $/);
  });

  it("cuts at whitespace when there is no sentence end", () => {
    const text = "word ".repeat(100).trim();
    const chunks = checkedChunks(text, 10);
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(/word $/);
  });

  it("cuts at the limit when there is no whitespace at all", () => {
    const text = "x".repeat(100);
    const chunks = checkedChunks(text, 10);
    expect(chunks.map((c) => c.length)).toEqual([40, 40, 20]);
  });

  it("never splits a surrogate pair", () => {
    const text = "a😀".repeat(50); // each pair is one character of a quarter token
    const chunks = checkedChunks(text, 7);
    expect(chunks.join("")).toBe(text);
    for (const chunk of chunks) expect(chunk.length % 3).toBe(0);
    const han = "𠀋".repeat(10);
    expect(checkedChunks(han, 3).map((c) => c.length)).toEqual([6, 6, 6, 2]);
  });

  it("folds a whitespace-only tail into the previous span", () => {
    const text = `${"word ".repeat(8)}${" ".repeat(60)}`;
    const spans = chunkSpans(text, 10);
    expect(spans.at(-1)?.end).toBe(text.length);
    for (const span of spans) expect(text.slice(span.start, span.end).trim()).not.toBe("");
    expect(spans.every((s, i) => i === 0 || s.start === spans[i - 1]!.end)).toBe(true);
  });

  it("folds leading whitespace into the first chunk with text", () => {
    const text = `${" ".repeat(60)}${"word ".repeat(8)}`;
    const spans = chunkSpans(text, 10);
    expect(spans[0]?.start).toBe(0);
    for (const span of spans) expect(text.slice(span.start, span.end).trim()).not.toBe("");
  });

  it("covers a long mixed text without gaps", () => {
    const parts: string[] = [];
    for (let i = 0; i < 200; i++) {
      parts.push(i % 7 === 0 ? "\n\n" : i % 3 === 0 ? "东京是日本的首都。" : `Sentence number ${i} is here! `);
    }
    const text = parts.join("");
    expect(checkedChunks(text, 64).join("")).toBe(text);
  });
});

describe("chunkDocuments", () => {
  async function* from(documents: SourceDocument[]): AsyncGenerator<SourceDocument> {
    yield* documents;
  }
  async function collect(documents: SourceDocument[], maxTokens: number): Promise<ChunkedDocument[]> {
    const out: ChunkedDocument[] = [];
    for await (const document of chunkDocuments(from(documents), maxTokens)) out.push(document);
    return out;
  }

  it("passes documents that fit through unchanged", async () => {
    const documents = [
      { index: 0, sourceId: "a.txt", text: "Short." },
      { index: 1, sourceId: "b.txt", text: "Also short." },
    ];
    expect(await collect(documents, 100)).toEqual(documents);
  });

  it("splits long documents, keeps the sourceId, records spans and renumbers every index", async () => {
    const long = "First part of it. ".repeat(10) + "\n\n" + "Second part of it. ".repeat(10);
    const documents = [
      { index: 0, sourceId: "a.txt", text: "Short." },
      { index: 1, sourceId: "long.txt", text: long },
      { index: 2, sourceId: "c.txt", text: "Tail." },
    ];
    const out = await collect(documents, 60);
    expect(out.map((d) => d.index)).toEqual(out.map((_, i) => i));
    expect(out[0]).toEqual({ index: 0, sourceId: "a.txt", text: "Short." });
    expect(out.at(-1)).toEqual({ index: out.length - 1, sourceId: "c.txt", text: "Tail." });
    const chunks = out.slice(1, -1);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.sourceId).toBe("long.txt");
      expect(chunk.text).toBe(long.slice(chunk.span!.start, chunk.span!.end));
    }
    expect(chunks.map((c) => c.text).join("")).toBe(long);
  });

  it("rejects a budget below one token", async () => {
    await expect(collect([], 0)).rejects.toThrow(RangeError);
  });

  /** Two sections: "Alpha" of three paragraphs (about 65 tokens), "Beta" of four, each paragraph about 20 tokens. */
  function sectioned() {
    const b = new TextBuilder();
    const paragraph = (word: string) => `${word} `.repeat(15).trim() + ".";
    b.page(1);
    b.heading(1, "Alpha");
    for (const word of ["one", "two", "three"]) b.paragraph(paragraph(word));
    b.page(2);
    b.heading(2, "Beta");
    for (const word of ["four", "five", "six", "seven"]) b.paragraph(paragraph(word));
    const { text, sections, pages } = b.build();
    return { index: 0, sourceId: "doc.md", text, structure: { file: "doc.md", sections, pages: pages! } };
  }

  it("cuts at a section boundary rather than at a later paragraph break", async () => {
    const document = sectioned();
    const betaStart = document.structure.sections[1]!.start;
    // Without the structure, the first chunk runs on into Beta up to a paragraph break.
    expect(chunkSpans(document.text, 100)[0]!.end).toBeGreaterThan(betaStart);
    const out = await collect([document], 100);
    expect(out[0]!.span!.end).toBe(betaStart);
    expect(out[1]!.text).toMatch(/^Beta\n\nfour/);
  });

  it("gives each chunk the sections and pages in it, re-based to the chunk", async () => {
    const document = sectioned();
    const out = await collect([document], 40);
    expect(out.length).toBeGreaterThan(3);
    for (const chunk of out) {
      const { sections, pages, file } = chunk.structure!;
      expect(file).toBe("doc.md");
      expect(sections.length).toBeGreaterThan(0);
      for (const section of sections) {
        expect(section.start).toBeGreaterThanOrEqual(0);
        expect(section.end).toBeLessThanOrEqual(chunk.text.length);
        // The same text as the original section holds at that place.
        const original = document.structure.sections.find((s) => s.path.join() === section.path.join())!;
        expect(chunk.text.slice(section.start, section.end)).toBe(document.text.slice(section.start + chunk.span!.start, section.end + chunk.span!.start));
        expect(chunk.span!.start + section.start).toBeGreaterThanOrEqual(original.start);
      }
      expect(pages!.map((p) => p.page)).toEqual(sections.map((s) => (s.path.at(-1) === "Beta" ? 2 : 1)));
    }
    expect(out.at(-1)!.structure!.sections.map((s) => s.path)).toEqual([["Alpha", "Beta"]]);
  });

  it("leaves a document without structure without one", async () => {
    const out = await collect([{ index: 0, sourceId: "a.txt", text: "Some words here. ".repeat(30) }], 20);
    expect(out.length).toBeGreaterThan(1);
    for (const chunk of out) expect(chunk).not.toHaveProperty("structure");
  });
});

describe("structureWithin", () => {
  it("keeps the parts that overlap the span, cut to it, and the file and chapter", () => {
    const structure = {
      file: "book.epub",
      chapter: { number: 3 },
      sections: [
        { path: [], start: 0, end: 10 },
        { path: ["A"], start: 12, end: 30 },
        { path: ["B"], start: 32, end: 50 },
      ],
    };
    expect(structureWithin(structure, { start: 20, end: 40 })).toEqual({
      file: "book.epub",
      chapter: { number: 3 },
      sections: [
        { path: ["A"], start: 0, end: 10 },
        { path: ["B"], start: 12, end: 20 },
      ],
    });
  });
});
