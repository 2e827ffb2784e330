import { describe, expect, it } from "vitest";
import { TextBuilder } from "./text-builder.js";

describe("TextBuilder", () => {
  it("joins paragraphs with blank lines and keeps each section's heading path and span", () => {
    const b = new TextBuilder();
    b.paragraph("Preface text.");
    b.heading(1, "History");
    b.paragraph("The town grew.");
    b.heading(2, "The 1903   flood");
    b.paragraph("Water rose\u00a0fast.");
    b.heading(2, "Rebuilding");
    b.heading(1, "Today");
    b.paragraph("Quiet.");
    const { text, sections } = b.build();
    expect(text).toBe("Preface text.\n\nHistory\n\nThe town grew.\n\nThe 1903 flood\n\nWater rose fast.\n\nRebuilding\n\nToday\n\nQuiet.");
    expect(sections.map((s) => [s.path.join(" > "), text.slice(s.start, s.end)])).toEqual([
      ["", "Preface text."],
      ["History", "History\n\nThe town grew."],
      ["History > The 1903 flood", "The 1903 flood\n\nWater rose fast."],
      ["History > Rebuilding", "Rebuilding"],
      ["Today", "Today\n\nQuiet."],
    ]);
  });

  it("marks the text of each page, pages without text left out", () => {
    const b = new TextBuilder();
    b.page(1);
    b.paragraph("One.");
    b.paragraph("Two.");
    b.page(2);
    b.page(3);
    b.paragraph("Three.");
    const { text, pages } = b.build();
    expect(pages?.map((p) => [p.page, text.slice(p.start, p.end)])).toEqual([
      [1, "One.\n\nTwo."],
      [3, "Three."],
    ]);
  });

  it("drops empty parts and gives no pages when none were marked", () => {
    const b = new TextBuilder();
    b.heading(1, "  ");
    b.paragraph(" \n ");
    b.paragraph("Line one\n\n\nline  two");
    expect(b.build()).toEqual({ text: "Line one\nline two", sections: [{ path: [], start: 0, end: 17 }] });
  });
});
