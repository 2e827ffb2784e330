import { describe, expect, it } from "vitest";
import { TextBuilder } from "../corpus/text-builder.js";
import { provenance } from "./record.js";

function report() {
  const b = new TextBuilder();
  b.page(1);
  b.paragraph("Preface.");
  b.heading(1, "History");
  b.paragraph("The town grew.");
  b.page(2);
  b.heading(2, "The 1903 flood");
  b.paragraph("Water rose fast. Boats were used.");
  const { text, sections, pages } = b.build();
  return { index: 4, sourceId: "report.pdf", text, structure: { file: "report.pdf", sections, pages: pages! } };
}

describe("provenance", () => {
  it("gives a document without structure only its index, id and span, as before", () => {
    expect(provenance({ index: 2, sourceId: "a.jsonl:3", text: "Text." })).toEqual({ article_index: 2, source_id: "a.jsonl:3" });
    expect(provenance({ index: 2, sourceId: "long.txt", text: "Text.", span: { start: 10, end: 15 } }, 3)).toEqual({
      article_index: 2,
      source_id: "long.txt",
      source_span: [10, 15],
    });
  });

  it("gives the file, and the page and heading path where the text starts", () => {
    const doc = report();
    const whole: [number, number] = [0, doc.text.length];
    expect(provenance(doc)).toEqual({ article_index: 4, source_id: "report.pdf", source_span: whole, source: { file: "report.pdf" }, page: 1 });
    const at = doc.text.indexOf("Boats");
    expect(provenance(doc, at)).toEqual({
      article_index: 4,
      source_id: "report.pdf",
      source_span: whole,
      source: { file: "report.pdf" },
      page: 2,
      section: "History > The 1903 flood",
    });
    expect(provenance(doc, doc.text.indexOf("The town")).section).toBe("History");
    // The blank line after a section is still that section's.
    expect(provenance(doc, doc.text.indexOf("Preface.") + 9)).not.toHaveProperty("section");
  });

  it("takes a chunk's place from the chunk's re-based structure, and keeps the chapter", () => {
    const doc = {
      index: 0,
      sourceId: "book.epub#3",
      text: "  Later text.",
      span: { start: 100, end: 113 },
      structure: { file: "book.epub", chapter: { number: 3, title: "Rain" }, sections: [{ path: ["Rain", "Storm"], start: 0, end: 13 }] },
    };
    expect(provenance(doc)).toEqual({
      article_index: 0,
      source_id: "book.epub#3",
      source_span: [100, 113],
      source: { file: "book.epub", chapter: { number: 3, title: "Rain" } },
      section: "Rain > Storm",
    });
  });
});
