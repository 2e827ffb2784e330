import { describe, expect, it } from "vitest";
import { isPageNumber, removeBoilerplate } from "./pdf-boilerplate.js";
import type { PdfLine } from "./pdf-layout.js";

const line = (text: string, y: number, size = 10): PdfLine => ({ text, x0: 72, x1: 300, y, size, flow: 0 });

describe("isPageNumber", () => {
  it("knows page numbers in their usual forms", () => {
    for (const t of ["12", "Page 3", "page 3 of 40", "- 7 -", "\u2014 8 \u2014", "xiv", "4/9"]) expect(isPageNumber(t), t).toBe(true);
    for (const t of ["12 apples", "Page three", "1903 flood", "Chapter 2"]) expect(isPageNumber(t), t).toBe(false);
  });
});

describe("removeBoilerplate", () => {
  const page = (n: number, body: string[]) => [
    line("Annual Report 2024", 760),
    ...body.map((t, i) => line(t, 700 - 12 * i)),
    line(`Section ${n} \u00b7 Riverside`, 40),
    line(`${n}`, 28),
  ];

  it("drops lines repeating at page edges, digits aside, and lone page numbers; keeps the body", () => {
    const pages = [page(1, ["First body line.", "More of it."]), page(2, ["Second page body."]), page(3, ["Third.", "Page 4 is next."])];
    expect(removeBoilerplate(pages, 10).map((p) => p.map((l) => l.text))).toEqual([["First body line.", "More of it."], ["Second page body."], ["Third.", "Page 4 is next."]]);
  });

  it("keeps edge lines that do not repeat often enough, and a one-page document's header", () => {
    const pages = [[line("A title", 760), line("Body", 700)], [line("Another title", 760), line("Body two", 700)], [line("Third title", 760), line("Body three", 700)]];
    expect(removeBoilerplate(pages, 10).flat().length).toBe(6);
    expect(removeBoilerplate([[line("Only header", 760), line("Body", 700), line("3", 20)]], 10).flat().map((l) => l.text)).toEqual(["Only header", "Body"]);
  });

  it("keeps headings at the top of pages even when they read alike, digits aside", () => {
    const bodies = ["It began.", "Then more.", "The end."];
    const pages = bodies.map((body, i) => [line(`Chapter ${i + 1}`, 760, 16), line(body, 700)]);
    expect(removeBoilerplate(pages, 10).flat().map((l) => l.text)).toEqual(["Chapter 1", "It began.", "Chapter 2", "Then more.", "Chapter 3", "The end."]);
  });
});
