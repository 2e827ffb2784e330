import { describe, expect, it } from "vitest";
import { findGutter, pageLines, rowFragments, type PdfTextItem } from "./pdf-layout.js";

const item = (str: string, x: number, y: number, size = 10): PdfTextItem => ({ str, x, y, width: str.length * size * 0.5, size });

describe("rowFragments", () => {
  it("joins items on one baseline, with a space where a visible gap has none, and cuts at a gutter", () => {
    const lines = rowFragments([item("Hel", 72, 700), item("lo", 87, 700.5), item("world", 100, 700), item("Right", 400, 700)]);
    expect(lines.map((l) => l.text)).toEqual(["Hello world", "Right"]);
    expect(lines[0]).toMatchObject({ x0: 72, size: 10 });
  });

  it("drops empty items and gives each line the size most of its characters have", () => {
    const [line] = rowFragments([item("", 50, 700), item("A", 72, 700, 14), item("longer text", 82, 700, 10)]);
    expect(line).toMatchObject({ text: "A longer text", size: 10 });
  });
});

describe("pageLines", () => {
  const column = (x: number, prefix: string, from: number) =>
    Array.from({ length: 5 }, (_, i) => item(`${prefix} line ${i} of a column of text set narrow`, x, from - 12 * i));

  it("reads a two-column page column by column, under a title that spans both", () => {
    const items = [item("A title set across both of the columns of the page", 150, 740, 14), ...column(72, "left", 700), ...column(320, "right", 700)];
    const lines = pageLines(items);
    expect(lines.map((l) => l.text.split(" line")[0])).toEqual(["A title set across both of the columns of the page", ...Array(5).fill("left"), ...Array(5).fill("right")]);
    expect(new Set(lines.map((l) => l.flow)).size).toBe(3);
  });

  it("reads a one-column page top to bottom", () => {
    const items = Array.from({ length: 8 }, (_, i) => item(`row ${i} of a page set in one wide column across it all`, 72, 700 - 12 * i));
    expect(pageLines(items).map((l) => l.text.split(" of")[0])).toEqual(Array.from({ length: 8 }, (_, i) => `row ${i}`));
  });
});

describe("findGutter", () => {
  it("finds none in a two-column table of short cells", () => {
    const rows = Array.from({ length: 8 }, (_, i) => [item(`Name ${i}`, 72, 700 - 12 * i), item(`${i * 7}`, 400, 700 - 12 * i)]).flat();
    expect(findGutter(rowFragments(rows))).toBeUndefined();
  });
});
