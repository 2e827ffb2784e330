import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { domText, type DomNode } from "./dom-text.js";

function read(html: string): ReturnType<typeof domText> {
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  return domText(document.body as DomNode);
}

describe("domText", () => {
  it("numbers a long ordered list in time proportional to it", () => {
    const items = Array.from({ length: 20_000 }, (_, i) => `<li>Item ${i}</li>`).join("");
    const { document } = parseHTML(`<!doctype html><html><body><ol start="3">${items}</ol></body></html>`);
    const started = performance.now();
    const { text } = domText(document.body as DomNode);
    const elapsed = performance.now() - started;
    expect(text.startsWith("3. Item 0\n\n4. Item 1")).toBe(true);
    expect(text.endsWith("20002. Item 19999")).toBe(true);
    // Counting earlier siblings for every item took seconds here; a counter per list takes milliseconds.
    expect(elapsed).toBeLessThan(2000);
  });

  it("reads headings, paragraphs and their sections in order", () => {
    const { text, sections } = read(
      "<h1>Rivers</h1><p>Rivers   flow\n downhill.</p><h2>The 1903 flood</h2><p>It rained <em>for</em> weeks.</p><h3>Aftermath</h3><p>Levees rose.</p><h2>Today</h2><p>Calm.</p>",
    );
    expect(text).toBe("Rivers\n\nRivers flow downhill.\n\nThe 1903 flood\n\nIt rained for weeks.\n\nAftermath\n\nLevees rose.\n\nToday\n\nCalm.");
    expect(sections.map((s) => [s.path.join(" > "), text.slice(s.start, s.end)])).toEqual([
      ["Rivers", "Rivers\n\nRivers flow downhill."],
      ["Rivers > The 1903 flood", "The 1903 flood\n\nIt rained for weeks."],
      ["Rivers > The 1903 flood > Aftermath", "Aftermath\n\nLevees rose."],
      ["Rivers > Today", "Today\n\nCalm."],
    ]);
  });

  it("marks list items, numbering ordered lists from their start, and keeps nested items apart", () => {
    const { text } = read(
      "<ul><li>Apples</li><li>Pears<ul><li>Conference</li></ul></li></ul><ol start=\"3\"><li>Third</li><li>Fourth</li></ol>",
    );
    expect(text).toBe("- Apples\n\n- Pears\n\n- Conference\n\n3. Third\n\n4. Fourth");
  });

  it("keeps an item's marker on the paragraph it holds", () => {
    expect(read("<ol><li><p>Held <em>firm</em>.</p><p>Second part.</p></li><li><ul><li>Inner</li></ul></li></ol>").text).toBe(
      "1. Held firm.\n\nSecond part.\n\n- Inner",
    );
  });

  it("reads a table row as one paragraph of its cells, and a br as a line break", () => {
    const { text } = read(
      "<table><thead><tr><th>City</th><th>Rain</th></tr></thead><tbody><tr><td>Oslo</td><td><p>820 mm</p></td></tr><tr><td></td><td></td></tr></tbody></table><p>Line one<br>line two</p>",
    );
    expect(text).toBe("City | Rain\n\nOslo | 820 mm\n\nLine one\nline two");
  });

  it("keeps the line breaks of pre and reads blockquotes as paragraphs", () => {
    const { text } = read("<pre>a = 1\nb = 2</pre><blockquote>Said once.</blockquote><blockquote><p>One.</p><p>Two.</p></blockquote>");
    expect(text).toBe("a = 1\nb = 2\n\nSaid once.\n\nOne.\n\nTwo.");
  });

  it("never reads scripts, styles, navigation, asides, footers, forms, buttons or hidden parts", () => {
    const { text } = read(
      `<nav><a href="/">Home</a></nav><script>var tracker = 1;</script><style>p { color: red }</style>
       <noscript>Enable JavaScript</noscript><p>Kept <button>Share</button>text.</p><aside>Related</aside>
       <form><label>Email</label></form><div hidden>Secret</div><footer>Copyright</footer>`,
    );
    expect(text).toBe("Kept text.");
  });
});
