import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { InputError } from "../../errors.js";
import { buildEpub, type EpubChapter } from "../../../test/support/epub-fixture.js";
import { readEpub } from "./epub.js";

const CHAPTERS: EpubChapter[] = [
  { href: "text/cover.xhtml", body: `<div><img src="../images/cover.jpg" alt=""/></div>` },
  {
    href: "text/chapter one.xhtml",
    label: "One: The Source",
    body: `<h1>The Source</h1><p>The river begins as snow&nbsp;melt on the northern slopes, caf&eacute; &amp; all.</p>
      <a id="anchor"/><h2>Springs</h2><p>Three springs feed it before it reaches the first village.</p>
      <ol><li>Alder spring</li><li>Stone spring</li></ol>`,
  },
  {
    href: "text/ch2.xhtml",
    label: "Two: The Delta",
    body: `<p>Below the last town the river splits into seven channels.</p><table><tr><td>Channel</td><td>Depth</td></tr><tr><td>West</td><td>4 m</td></tr></table>`,
  },
];

describe("readEpub", () => {
  it("reads each chapter with text as one document, in spine order, with its number and title", async () => {
    const docs = await readEpub(buildEpub(CHAPTERS), "books/rivers.epub");
    expect(docs.map((d) => d.sourceId)).toEqual(["books/rivers.epub#1", "books/rivers.epub#2"]);
    const [one, two] = docs;
    expect(one!.structure.file).toBe("books/rivers.epub");
    expect(one!.structure.chapter).toEqual({ number: 1, title: "The Source" });
    expect(one!.text).toBe(
      "The Source\n\nThe river begins as snow melt on the northern slopes, café & all.\n\nSprings\n\nThree springs feed it before it reaches the first village.\n\n1. Alder spring\n\n2. Stone spring",
    );
    expect(one!.structure.sections.map((s) => s.path.join(" > "))).toEqual(["The Source", "The Source > Springs"]);
    // No heading in the chapter: its label in the table of contents is its title.
    expect(two!.structure.chapter).toEqual({ number: 2, title: "Two: The Delta" });
    expect(two!.text).toBe("Below the last town the river splits into seven channels.\n\nChannel | Depth\n\nWest | 4 m");
  });

  it("takes titles from an EPUB 2 NCX as well", async () => {
    const docs = await readEpub(buildEpub(CHAPTERS, { toc: "ncx" }), "rivers.epub");
    expect(docs.map((d) => d.structure.chapter)).toEqual([
      { number: 1, title: "The Source" },
      { number: 2, title: "Two: The Delta" },
    ]);
  });

  it("refuses a book whose chapters are encrypted, or that carries Adobe rights, as DRM", async () => {
    const locked = buildEpub(CHAPTERS, { encrypted: ["OEBPS/text/ch2.xhtml"] });
    await expect(readEpub(locked, "locked.epub")).rejects.toThrow(InputError);
    await expect(readEpub(locked, "locked.epub")).rejects.toThrow(/^locked\.epub: EPUB with DRM: cannot be read[^\n]*$/);
    await expect(readEpub(buildEpub(CHAPTERS, { rights: true }), "adobe.epub")).rejects.toThrow("adobe.epub: EPUB with DRM: cannot be read");
  });

  it("reads a book whose encryption.xml only obfuscates fonts", async () => {
    const docs = await readEpub(buildEpub(CHAPTERS, { encrypted: ["OEBPS/fonts/serif.otf"] }), "fonts.epub");
    expect(docs).toHaveLength(2);
  });

  it("refuses a damaged book in one line", async () => {
    await expect(readEpub(strToU8("not a zip at all"), "bad.epub")).rejects.toThrow(/^bad\.epub: not a readable EPUB: [^\n]+$/);
    const noContainer = zipSync({ mimetype: strToU8("application/epub+zip"), "OEBPS/a.xhtml": strToU8("<html/>") });
    await expect(readEpub(noContainer, "bare.epub")).rejects.toThrow("bare.epub: not a readable EPUB: it has no META-INF/container.xml");
    const book = buildEpub(CHAPTERS);
    const truncated = book.subarray(0, Math.floor(book.length / 2));
    await expect(readEpub(truncated, "cut.epub")).rejects.toThrow("cut.epub: not a readable EPUB");
  });

  it("refuses a book with no text", async () => {
    await expect(readEpub(buildEpub([CHAPTERS[0]!]), "pictures.epub")).rejects.toThrow("pictures.epub: no text in this EPUB");
  });
});
