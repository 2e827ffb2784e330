import { describe, expect, it } from "vitest";
import { InputError } from "../../errors.js";
import { piecesOf, readMarkdown } from "./markdown.js";

const bytes = (text: string) => new TextEncoder().encode(text);

async function read(markdown: string) {
  const [document, ...rest] = await readMarkdown(bytes(markdown), "guide.md");
  expect(rest).toEqual([]);
  return document!;
}

describe("readMarkdown", () => {
  it("keeps headings as sections, with their paths, and removes inline markup", async () => {
    const doc = await read(
      [
        "Intro with *emphasis* and `code`.",
        "",
        "# History",
        "",
        "The town was **founded** in [1850](https://example.com/1850 \"year\").",
        "",
        "## The 1903 flood",
        "",
        "Water rose ![a wave](wave.png) fast.  ",
        "Boats were used.",
        "",
        "Setext title",
        "============",
        "",
        "Body.",
      ].join("\n"),
    );
    expect(doc.sourceId).toBe("guide.md");
    expect(doc.text).toBe(
      "Intro with emphasis and code.\n\nHistory\n\nThe town was founded in 1850.\n\nThe 1903 flood\n\nWater rose a wave fast.\nBoats were used.\n\nSetext title\n\nBody.",
    );
    expect(doc.structure.file).toBe("guide.md");
    expect(doc.structure.pages).toBeUndefined();
    expect(doc.structure.sections.map((s) => [s.path.join(" > "), doc.text.slice(s.start, s.end)])).toEqual([
      ["", "Intro with emphasis and code."],
      ["History", "History\n\nThe town was founded in 1850."],
      ["History > The 1903 flood", "The 1903 flood\n\nWater rose a wave fast.\nBoats were used."],
      ["Setext title", "Setext title\n\nBody."],
    ]);
  });

  it("makes every list item a paragraph, nested ones too, and keeps code and quotes as text", async () => {
    const doc = await read(
      [
        "# Steps",
        "",
        "- Open the *valve*.",
        "- Wait.",
        "  1. Count to ten.",
        "  2. Listen.",
        "",
        "> Quoted **advice**.",
        "",
        "```js",
        "const x = 1;",
        "```",
        "",
        "<div class=\"ad\">Buy now</div>",
        "",
        "---",
        "",
        "[ref]: https://example.com",
        "",
        "Last [linked][ref] words.",
      ].join("\n"),
    );
    expect(doc.text.split("\n\n")).toEqual([
      "Steps",
      "Open the valve.",
      "Wait.",
      "Count to ten.",
      "Listen.",
      "Quoted advice.",
      "const x = 1;",
      "Last linked words.",
    ]);
    expect(doc.text).not.toContain("Buy now");
    expect(doc.structure.sections).toEqual([{ path: ["Steps"], start: 0, end: doc.text.length }]);
  });

  it("reads a byte order mark and CRLF line ends as text", async () => {
    const doc = await read("\uFEFF# Title\r\n\r\nBody line.\r\n");
    expect(doc.text).toBe("Title\n\nBody line.");
  });

  it("keeps a line break written as <br> between its words, and drops other tags", async () => {
    expect((await read("line one<br>line two, <span>kept</span> words\n")).text).toBe("line one\nline two, kept words");
  });

  it("leaves front matter out: it is a site generator's metadata, not text", async () => {
    const doc = await read("---\ntitle: Hello\ntags: [a, b]\n---\n# Hello\n\nThe text.\n");
    expect(doc.text).toBe("Hello\n\nThe text.");
    expect(doc.structure.sections.map((s) => s.path)).toEqual([["Hello"]]);
    await expect(readMarkdown(bytes("+++\ntitle = 'x'\n+++\n"), "only-meta.md")).rejects.toThrow("only-meta.md: empty document");
  });

  it("reads UTF-16 with a byte order mark, and refuses UTF-16 without one in one line", async () => {
    const utf16 = (text: string, bom: boolean) => {
      const body = Buffer.from(text, "utf16le");
      return new Uint8Array(bom ? Buffer.concat([Buffer.from([0xff, 0xfe]), body]) : body);
    };
    const [doc] = await readMarkdown(utf16("# Titre\n\nL'été fut long.\n", true), "fr.md");
    expect(doc!.text).toBe("Titre\n\nL'été fut long.");
    await expect(readMarkdown(utf16("# Titre\n\nTexte.\n", false), "fr.md")).rejects.toThrow("fr.md: not UTF-8 text (UTF-16 without a byte order mark, or a binary file): save it as UTF-8");
  });

  it("reads a long file in pieces cut at headings outside code, as if whole, in time that grows with its length", async () => {
    const section = (n: number) => `## Section ${n}\n\nSee [the guide][guide] for part ${n}.\n\n- first item of ${n}\n- second item of ${n}\n\n`;
    let markdown = "# Big\n\n```\n# not a heading, code\n```\n\n";
    for (let n = 0; markdown.length < 400_000; n++) markdown += n === 700 ? "~~~\n" + "# code line\n".repeat(4000) + "~~~\n\n" : section(n);
    markdown += "[guide]: https://example.org/guide\n";
    const pieces = piecesOf(markdown);
    expect(pieces.length).toBeGreaterThan(5);
    // Cut only before a heading, never inside the fenced block of "# code line"s.
    for (const piece of pieces.slice(1)) expect(piece).toMatch(/^## Section \d+\n/);
    const started = performance.now();
    const doc = await read(markdown);
    // Parsed whole, 0.5 MB of such sections took 8 s on this machine; in pieces, well under two.
    expect(performance.now() - started).toBeLessThan(8000);
    expect(doc.text).toContain("See the guide for part 0.");
    expect(doc.text).not.toContain("[guide]");
    expect(doc.text.match(/# code line/g)).toHaveLength(4000);
    expect(doc.structure.sections.filter((s) => s.path.length === 2)).toHaveLength(pieces.join("").match(/^## Section/gm)!.length);
    expect(doc.structure.sections.some((s) => s.path.includes("not a heading, code"))).toBe(false);
  });

  it("refuses a file with no text, naming it", async () => {
    await expect(readMarkdown(bytes("<!-- only a comment -->\n\n---\n"), "empty.md")).rejects.toThrow(InputError);
    await expect(readMarkdown(bytes("  \n"), "empty.md")).rejects.toThrow(/^empty\.md: empty document/);
  });
});
