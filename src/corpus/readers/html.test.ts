import { describe, expect, it } from "vitest";
import { InputError } from "../../errors.js";
import { decodeMarkup, readHtml } from "./html.js";

const CHROME_TOP = `<header><div class="logo">Riverside Gazette</div>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
  <div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience. By continuing you accept our cookie policy.</p>
  <button>Accept all</button></div>`;
const CHROME_BOTTOM = `<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Mayor resigns over budget row</a></li></ul></aside>
  <div class="related-stories"><h2>Related stories</h2><ul><li><a href="/b">Ten photos of the old bridge</a></li>
  <li><a href="/c">Why the dam failed in 1911</a></li></ul></div>
  <footer><p>Copyright 2026 Riverside Gazette. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
  <script>window.tracker = "page-view";</script><style>.logo { font-weight: bold }</style>`;
const ARTICLE = `<main><article><h1>The 1903 flood</h1><p class="byline">By Ada Lane</p>
  <p>In the spring of 1903 the river rose eleven feet in two days, after a winter of heavy snow in the hills above the town. Water stood in the market square for a week and the mill was lost.</p>
  <h2>Causes</h2><p>Engineers later blamed the narrow stone bridge, which held back the ice until the ice broke it all at once and the water rushed into the lower streets.</p>
  <h3>The bridge</h3><p>The bridge had been built in 1789 with five small arches, too few for a river fed by melting snow from three valleys.</p>
  <ul><li>Five arches of eight feet each</li><li>No flood gates on either bank</li></ul>
  <h2>Rebuilding</h2><p>The town raised its levees by four feet and replaced the bridge with a single steel span in 1906, paid for by a tax on every household.</p>
  </article></main>`;

function page(body: string, head = "<title>The 1903 flood | Riverside Gazette</title>"): Uint8Array {
  return new TextEncoder().encode(`<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`);
}

describe("readHtml", () => {
  it("reads the article only, with its title, sections and list, and none of the page around it", async () => {
    const [doc, ...rest] = await readHtml(page(CHROME_TOP + ARTICLE + CHROME_BOTTOM), "news/flood.html");
    expect(rest).toEqual([]);
    expect(doc!.sourceId).toBe("news/flood.html");
    expect(doc!.structure.file).toBe("news/flood.html");
    const { text } = doc!;
    expect(text.startsWith("The 1903 flood\n\nIn the spring of 1903 the river rose eleven feet in two days")).toBe(true);
    expect(text).toContain("The bridge had been built in 1789 with five small arches, too few for a river fed by melting snow from three valleys.");
    expect(text).toContain("- Five arches of eight feet each\n\n- No flood gates on either bank");
    for (const boilerplate of ["Riverside Gazette", "Home", "cookies", "Accept all", "Most read", "Related stories", "Ten photos", "Copyright", "Privacy", "tracker", "font-weight"]) {
      expect(text).not.toContain(boilerplate);
    }
    const sections = doc!.structure.sections.map((s) => [s.path.join(" > "), text.slice(s.start, s.end).split("\n\n")[1]]);
    expect(sections).toEqual([
      ["The 1903 flood", expect.stringMatching(/^In the spring of 1903/)],
      ["The 1903 flood > Causes", expect.stringMatching(/^Engineers later blamed/)],
      ["The 1903 flood > Causes > The bridge", expect.stringMatching(/^The bridge had been built/)],
      ["The 1903 flood > Rebuilding", expect.stringMatching(/^The town raised its levees/)],
    ]);
  });

  it("keeps an article inside a wrapper named for what sits beside it", async () => {
    for (const wrapper of ["container has-sidebar", "layout social-enabled"]) {
      const [doc] = await readHtml(page(`${CHROME_TOP}<div class="${wrapper}">${ARTICLE}${CHROME_BOTTOM}</div>`), "wrapped.html");
      expect(doc!.text).toContain("In the spring of 1903 the river rose eleven feet in two days");
      expect(doc!.text).not.toContain("Most read");
    }
  });

  it("takes the page's title as the first heading when the page has no h1", async () => {
    const article = ARTICLE.replace("<h1>The 1903 flood</h1>", "");
    const [doc] = await readHtml(page(article, "<title>When the river rose</title>"), "flood.html");
    expect(doc!.text.split("\n\n")[0]).toBe("When the river rose");
    expect(doc!.structure.sections[1]!.path).toEqual(["When the river rose", "Causes"]);
  });

  it("refuses a page with no article in one line naming the file", async () => {
    const read = readHtml(page(CHROME_TOP + CHROME_BOTTOM), "index.html");
    await expect(read).rejects.toThrow(InputError);
    await expect(read).rejects.toThrow(/^index\.html: no article found in this web page: [^\n]+$/);
    await expect(readHtml(new Uint8Array(), "empty.html")).rejects.toThrow("empty.html: no article found in this web page");
  });

  it("decodes the encoding the page declares", () => {
    const latin1 = Uint8Array.from([...new TextEncoder().encode('<meta charset="iso-8859-1"><p>caf'), 0xe9, ...new TextEncoder().encode("</p>")]);
    expect(decodeMarkup(latin1)).toContain("<p>café</p>");
    expect(decodeMarkup(new TextEncoder().encode("<p>café</p>"))).toBe("<p>café</p>");
    const utf16 = Uint8Array.from([0xff, 0xfe, ...Array.from("<p>é</p>").flatMap((c) => [c.charCodeAt(0), 0])]);
    expect(decodeMarkup(utf16)).toBe("<p>é</p>");
  });
});

describe("readHtml on a fragment", () => {
  it("reads a page saved without its html and body tags", async () => {
    const [doc] = await readHtml(new TextEncoder().encode("<h2>Notes</h2><p>The levee held in 1927, when the water rose higher than it had in 1903.</p>"), "notes.htm");
    expect(doc!.text).toContain("The levee held in 1927, when the water rose higher than it had in 1903.");
  });
});
