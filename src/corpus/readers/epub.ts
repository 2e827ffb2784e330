import path from "node:path";
import { unzipSync } from "fflate";
import { DOMParser, parseHTML } from "linkedom";
import { InputError } from "../../errors.js";
import type { ExtractedDocument } from "../extracted-document.js";
import { domText, tagOf, type DomNode } from "./dom-text.js";
import { decodeMarkup } from "./html.js";

/** Files of a book never read as text: left compressed, so pictures and fonts cost no memory. */
const MEDIA = /\.(jpe?g|png|gif|webp|bmp|tiff?|ttf|otf|woff2?|eot|mp3|mp4|m4a|m4v|ogg|webm|aac|wav|pdf)$/i;

/**
 * Reads an EPUB book: container.xml names its package document (OPF), whose spine gives the
 * chapters in reading order. Each chapter with text is one document, "book.epub#n", its title from
 * its first heading or else from the book's table of contents. Chapters are all content, so they are
 * walked whole, without Readability.
 */
export async function readEpub(bytes: Uint8Array, file: string): Promise<ExtractedDocument[]> {
  const entries = unzip(bytes, file);
  const corrupt = (why: string) => new InputError(file, undefined, `not a readable EPUB: ${why}; export or download the book again`);
  if (entries.has("META-INF/rights.xml")) throw drm(file);

  const container = entries.get("META-INF/container.xml");
  if (!container) throw corrupt("it has no META-INF/container.xml");
  const opfPath = elements(parseXml(container), "rootfile")[0]?.getAttribute?.("full-path");
  if (!opfPath) throw corrupt("its container.xml names no package document");
  const opfBytes = entries.get(opfPath);
  if (!opfBytes) throw corrupt(`its package document ${opfPath} is missing`);
  const book = readPackage(parseXml(opfBytes), path.posix.dirname(opfPath));
  if (book.spine.length === 0) throw corrupt("its package document lists no chapters");

  const encrypted = encryptedPaths(entries.get("META-INF/encryption.xml"));
  if (book.spine.some((item) => encrypted.has(item.path))) throw drm(file);

  const labels = tocLabels(entries, book);
  const documents: ExtractedDocument[] = [];
  for (const item of book.spine) {
    const chapterBytes = entries.get(item.path);
    if (!chapterBytes) throw corrupt(`its chapter ${item.path} is missing`);
    const root = parseChapter(chapterBytes, item.mediaType);
    const built = domText(root);
    if (built.text === "") continue; // a cover picture, a blank page
    const number = documents.length + 1;
    const title = built.sections.find((s) => s.path.length > 0)?.path[0] ?? labels.get(item.path);
    documents.push({
      sourceId: `${file}#${number}`,
      text: built.text,
      structure: { file, chapter: { number, ...(title === undefined ? {} : { title }) }, sections: built.sections },
    });
  }
  if (documents.length === 0) throw new InputError(file, undefined, "no text in this EPUB: its chapters are empty or only pictures");
  return documents;
}

function drm(file: string): InputError {
  return new InputError(file, undefined, "EPUB with DRM: cannot be read; use a DRM-free copy of the book");
}

function unzip(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  try {
    return new Map(Object.entries(unzipSync(bytes, { filter: (entry) => !MEDIA.test(entry.name) })));
  } catch {
    throw new InputError(file, undefined, "not a readable EPUB: it is not a zip file or is damaged; export or download the book again");
  }
}

interface SpineItem {
  /** From the zip's root. */
  path: string;
  mediaType: string;
}

interface BookPackage {
  spine: SpineItem[];
  /** The EPUB 3 navigation document, or else the EPUB 2 NCX. */
  nav?: string;
  ncx?: string;
}

function readPackage(opf: DomNode, base: string): BookPackage {
  const manifest = new Map<string, SpineItem & { properties: string }>();
  let nav: string | undefined;
  let ncx: string | undefined;
  for (const item of elements(opf, "item")) {
    const id = attribute(item, "id");
    const href = attribute(item, "href");
    if (id === "" || href === "") continue;
    const entry = { path: resolve(base, href), mediaType: attribute(item, "media-type"), properties: attribute(item, "properties") };
    manifest.set(id, entry);
    if (entry.properties.split(/\s+/).includes("nav")) nav ??= entry.path;
    if (entry.mediaType === "application/x-dtbncx+xml") ncx ??= entry.path;
  }
  const spineElement = elements(opf, "spine")[0];
  const tocId = spineElement ? attribute(spineElement, "toc") : "";
  if (tocId !== "" && manifest.has(tocId)) ncx = manifest.get(tocId)!.path;
  const spine = elements(opf, "itemref")
    .map((ref) => manifest.get(attribute(ref, "idref")))
    .filter((item): item is SpineItem & { properties: string } => item !== undefined)
    .map(({ path: itemPath, mediaType }) => ({ path: itemPath, mediaType }));
  return { spine, ...(nav ? { nav } : {}), ...(ncx ? { ncx } : {}) };
}

/** Content documents META-INF/encryption.xml says are encrypted (fonts obfuscated for embedding are harmless). */
function encryptedPaths(encryption: Uint8Array | undefined): Set<string> {
  if (!encryption) return new Set();
  return new Set(elements(parseXml(encryption), "cipherreference").map((ref) => resolve("", attribute(ref, "URI"))));
}

/** Each chapter's first label in the table of contents (the nav document's, else the NCX's). */
function tocLabels(entries: Map<string, Uint8Array>, book: BookPackage): Map<string, string> {
  const labels = new Map<string, string>();
  const add = (base: string, href: string, label: string) => {
    const text = label.replace(/\s+/g, " ").trim();
    const target = resolve(base, href);
    if (text !== "" && !labels.has(target)) labels.set(target, text);
  };
  const navBytes = book.nav ? entries.get(book.nav) : undefined;
  if (book.nav && navBytes) {
    const navs = elements(parseXml(navBytes), "nav");
    const toc = navs.find((nav) => attribute(nav, "epub:type").split(/\s+/).includes("toc")) ?? navs[0];
    for (const link of toc ? elements(toc, "a") : []) add(path.posix.dirname(book.nav), attribute(link, "href"), link.textContent ?? "");
  } else if (book.ncx && entries.has(book.ncx)) {
    for (const point of elements(parseXml(entries.get(book.ncx)!), "navpoint")) {
      const label = elements(point, "navlabel")[0];
      const content = elements(point, "content")[0];
      if (label && content) add(path.posix.dirname(book.ncx), attribute(content, "src"), label.textContent ?? "");
    }
  }
  return labels;
}

/** A chapter's body (XHTML as XML, so self-closed tags stay empty; old text/html chapters as HTML). */
function parseChapter(bytes: Uint8Array, mediaType: string): DomNode {
  const markup = decodeMarkup(bytes);
  const document =
    mediaType === "text/html" ? parseHTML(markup).document : new DOMParser().parseFromString(xmlEntities(markup), "text/xml");
  return (elements(document as DomNode, "body")[0] ?? document) as DomNode;
}

function parseXml(bytes: Uint8Array): DomNode {
  return new DOMParser().parseFromString(xmlEntities(decodeMarkup(bytes)), "text/xml") as DomNode;
}

/**
 * HTML's named entities (&nbsp;, &eacute;) decoded: many books use them in XHTML, and the XML
 * parser knows only XML's five.
 */
function xmlEntities(markup: string): string {
  return markup.replace(/&([a-zA-Z][a-zA-Z0-9]*);/g, (whole, name: string) => {
    if (XML_ENTITIES.has(name)) return whole;
    let char = entityCache.get(name);
    if (char === undefined) {
      char = (parseHTML(`<html><body>&${name};</body></html>`).document.body?.textContent as string | undefined) ?? whole;
      entityCache.set(name, char);
    }
    return char.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  });
}

const XML_ENTITIES = new Set(["amp", "lt", "gt", "quot", "apos"]);
const entityCache = new Map<string, string>();

/** Elements under `root` named `name` (lower case, namespace prefix ignored), in document order. */
function elements(root: DomNode, name: string): DomNode[] {
  const found: DomNode[] = [];
  const visit = (node: DomNode) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType !== 1) continue;
      if (tagOf(child) === name) found.push(child);
      visit(child);
    }
  };
  visit(root);
  return found;
}

function attribute(element: DomNode, name: string): string {
  return element.getAttribute?.(name) ?? "";
}

/** A manifest or link href (relative, URL-encoded, maybe with a fragment) as a path from the zip's root. */
function resolve(base: string, href: string): string {
  const bare = href.replace(/[#?].*$/, "");
  let decoded = bare;
  try {
    decoded = decodeURIComponent(bare);
  } catch {
    // Left as written: a stray % in a file name.
  }
  return path.posix.normalize(path.posix.join(base, decoded)).replace(/^(\.\/|\/)+/, "");
}
