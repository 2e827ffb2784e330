import { describe, expect, it } from "vitest";
import { measureTypesetting, pageBlocks } from "./pdf-blocks.js";
import type { PdfLine } from "./pdf-layout.js";

const line = (text: string, y: number, size = 10, x0 = 72, flow = 0): PdfLine => ({ text, x0, x1: 500, y, size, flow });

describe("measureTypesetting", () => {
  it("takes the body size from most characters, ranks bigger sizes into heading levels, and finds the line spacing", () => {
    const page = [line("Title", 760, 20), line("Part", 730, 14), line("body text line one", 700), line("body text line two", 688), line("body three", 676), line("Small print", 600, 8)];
    expect(measureTypesetting([page])).toEqual({ bodySize: 10, lineSpacing: 12, headingLevels: new Map([[20, 1], [14, 2]]) });
  });
});

describe("pageBlocks", () => {
  const type = { bodySize: 10, lineSpacing: 12, headingLevels: new Map([[18, 1], [14, 2]]) };

  it("starts paragraphs at wide gaps and at indented first lines, joins hyphenated words, and joins a heading's lines", () => {
    const lines = [
      line("A heading set in", 760, 18),
      line("two lines", 740, 18),
      line("First para- graph goes", 700),
      line("graph-", 688),
      line("ically on.", 676),
      line("Second after a gap.", 652),
      line("Still second.", 640),
      line("Third, indented.", 628, 10, 90),
      line("Sub", 600, 14),
      line("Last.", 580),
    ];
    expect(pageBlocks(lines, type)).toEqual([
      { kind: "heading", level: 1, text: "A heading set in two lines" },
      { kind: "paragraph", text: "First para- graph goes graphically on." },
      { kind: "paragraph", text: "Second after a gap. Still second." },
      { kind: "paragraph", text: "Third, indented." },
      { kind: "heading", level: 2, text: "Sub" },
      { kind: "paragraph", text: "Last." },
    ]);
  });

  it("goes on into the next column mid-sentence only", () => {
    const lines = [line("Left ends with a", 700, 10, 72, 0), line("sentence that goes on.", 700, 10, 320, 1), line("New paragraph.", 688, 10, 320, 1)];
    expect(pageBlocks(lines, type).map((b) => b.text)).toEqual(["Left ends with a sentence that goes on. New paragraph."]);
    const ended = [line("Left ends.", 700, 10, 72, 0), line("Right starts.", 700, 10, 320, 1)];
    expect(pageBlocks(ended, type).map((b) => b.text)).toEqual(["Left ends.", "Right starts."]);
  });

  it("keeps a list item's indented lines in the item, and starts a paragraph at each item", () => {
    const lines = [line("1. An item that wraps", 700), line("onto a second line", 688, 10, 86), line("2. Next", 676)];
    expect(pageBlocks(lines, type).map((b) => b.text)).toEqual(["1. An item that wraps onto a second line", "2. Next"]);
  });
});
