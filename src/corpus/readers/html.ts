import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";
import { InputError } from "../../errors.js";
import type { ExtractedDocument } from "../extracted-document.js";
import { TextBuilder } from "../text-builder.js";
import { hasManyNuls, utf16Bom } from "./decode-text.js";
import { domText, tagOf, walkDom, type DomNode } from "./dom-text.js";

/** The part of a linkedom element this file uses beyond what the walker reads. */
interface DomElement extends DomNode {
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  closest(selector: string): DomElement | null;
  remove(): void;
}

/**
 * Reads a saved web page: only its main article, found by Readability (the algorithm behind
 * Firefox's reader view), so navigation, cookie banners, asides, "related stories" and footers stay
 * out. The article's title opens the text as its top heading unless the article has an h1 itself.
 */
export async function readHtml(bytes: Uint8Array, file: string): Promise<ExtractedDocument[]> {
  if (!utf16Bom(bytes) && hasManyNuls(bytes)) throw new InputError(file, undefined, "not readable as a web page (UTF-16 without a byte order mark, or a binary file): save it as UTF-8");
  const markup = decodeMarkup(bytes);
  // linkedom builds no document element for a fragment (a saved snippet, an empty file).
  const { document } = parseHTML(/<html[\s>]/i.test(markup) ? markup : `<!doctype html><html><body>${markup}</body></html>`);
  const pageH1 = (document.querySelector("h1")?.textContent ?? "").replace(/\s+/g, " ").trim();
  removeChrome(document.body);
  // Readability returns the article as the DOM node itself: no second parse of its HTML.
  const article = new Readability<DomNode>(document, { serializer: (node) => node as unknown as DomNode }).parse();
  const content = article?.content;
  if (!content || domText(content).text === "") {
    throw new InputError(file, undefined, "no article found in this web page: save the page of the article itself, or copy its text into a .txt file");
  }
  const builder = new TextBuilder();
  if (!hasH1(content)) builder.heading(1, titleOf(article.title ?? "", pageH1));
  walkDom(content, builder);
  const built = builder.build();
  return [{ sourceId: file, text: built.text, structure: { file, sections: built.sections } }];
}

/**
 * Site chrome Readability can let through: when too little text is left after dropping it, Readability
 * tries again with it kept, and a page of only navigation and a cookie banner would then read as an
 * article of that banner. Removed first, by landmark role or by a name that says what it is.
 */
function removeChrome(body: DomElement | null): void {
  if (!body) return;
  for (const element of Array.from(body.querySelectorAll("*"))) {
    if (isChrome(element)) element.remove();
  }
}

const CHROME_ROLES = new Set(["navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu", "menubar"]);
const CHROME_NAMES = /cookie|consent|gdpr|newsletter|related|breadcrumb|share|social|subscribe|promo|advert|popup|modal|sidebar|comments?\b/i;
const CONTENT_NAMES = /article|content|main|body|story|post\b/i;

function isChrome(element: DomElement): boolean {
  const tag = tagOf(element);
  if (tag === "article" || tag === "main") return false;
  // A wrapper named for what sits beside the article ("has-sidebar", "social-enabled") may hold it.
  if (element.querySelectorAll("article, main, [role=main]").length > 0) return false;
  if (tag === "nav" || tag === "aside" || tag === "footer" || tag === "form") return true;
  // A header outside any article or section is the page's banner (the site's name, its menus).
  if (tag === "header" && element.closest("article, main, section") === null) return true;
  if (CHROME_ROLES.has(element.getAttribute("role") ?? "")) return true;
  const names = `${element.getAttribute("id") ?? ""} ${element.getAttribute("class") ?? ""}`;
  return CHROME_NAMES.test(names) && !CONTENT_NAMES.test(names);
}

/** A page's h1 is its article's title without the site's name Readability may have left on it. */
function titleOf(title: string, pageH1: string): string {
  return pageH1 !== "" && title.toLowerCase().includes(pageH1.toLowerCase()) ? pageH1 : title;
}

function hasH1(node: DomNode): boolean {
  if (node.nodeType === 1 && tagOf(node) === "h1") return true;
  return Array.from(node.childNodes).some(hasH1);
}

/**
 * The text of an HTML or XHTML file: the encoding its byte order mark, its XML declaration or its
 * meta charset names (within the first 1024 bytes, as browsers look), else UTF-8.
 */
export function decodeMarkup(bytes: Uint8Array): string {
  const utf16 = utf16Bom(bytes);
  if (utf16) return new TextDecoder(utf16).decode(bytes);
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 1024));
  const label = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1] ?? /<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)/i.exec(head)?.[1];
  try {
    return new TextDecoder(label ?? "utf-8").decode(bytes);
  } catch {
    // A label the platform does not know: UTF-8 is the web's default.
    return new TextDecoder("utf-8").decode(bytes);
  }
}
