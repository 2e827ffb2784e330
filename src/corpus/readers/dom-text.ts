import { TextBuilder } from "../text-builder.js";

/**
 * The part of a DOM node (linkedom's, in HTML or XML mode) the walker reads. Typed here because the
 * project compiles without the DOM library, so linkedom's own types resolve to nothing.
 */
export interface DomNode {
  nodeType: number;
  nodeName: string;
  childNodes: ArrayLike<DomNode>;
  textContent: string | null;
  parentNode?: DomNode | null;
  getAttribute?(name: string): string | null;
}

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
const DOCUMENT = 9;
const FRAGMENT = 11;

/** Never content: code, chrome around the content, controls. */
const SKIPPED = new Set([
  "script", "style", "noscript", "nav", "aside", "footer", "form", "button",
  "head", "template", "svg", "iframe", "object", "select", "textarea",
]);

/** Elements that start and end a paragraph of their own; everything else is inline. */
const BLOCKS = new Set([
  "address", "article", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl", "dt",
  "fieldset", "figcaption", "figure", "header", "hgroup", "hr", "html", "legend", "main", "ol", "p",
  "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "ul",
]);

/**
 * Reads the content of `root` into `builder` in document order: h1-h6 become headings of their
 * level, p, blockquote, pre and other blocks paragraphs, a list item a paragraph starting "- " (or
 * "1. " in an ordered list), a table row one paragraph of its cells joined by " | ", a br a line
 * break. Scripts, styles, navigation, asides, footers and forms are never read.
 */
export function walkDom(root: DomNode, builder: TextBuilder): void {
  const walker = new Walker(builder);
  walker.visit(root);
  walker.flush();
}

/** The text of a whole DOM subtree, built as `walkDom` builds it. */
export function domText(root: DomNode): ReturnType<TextBuilder["build"]> {
  const builder = new TextBuilder();
  walkDom(root, builder);
  return builder.build();
}

/** The lower-case tag name of an element (XML mode keeps the case it was written in). */
export function tagOf(node: DomNode): string {
  return node.nodeName.toLowerCase().replace(/^.*:/, "");
}

class Walker {
  /** Inline text waiting for the block it belongs to to end. */
  private line = "";
  private preDepth = 0;
  private readonly listCounters = new Map<DomNode, number>();

  constructor(private readonly builder: TextBuilder) {}

  visit(node: DomNode): void {
    if (node.nodeType === TEXT || node.nodeType === CDATA) {
      const text = node.textContent ?? "";
      // Outside pre, line breaks in the source are only spaces; TextBuilder collapses the runs.
      this.line += this.preDepth > 0 ? text : text.replace(/\s+/g, " ");
      return;
    }
    if (node.nodeType === DOCUMENT || node.nodeType === FRAGMENT) return this.children(node);
    if (node.nodeType !== ELEMENT) return;
    const tag = tagOf(node);
    if (SKIPPED.has(tag) || isHidden(node)) return;
    const heading = /^h([1-6])$/.exec(tag);
    if (heading) {
      this.flush();
      this.builder.heading(Number(heading[1]), inlineText(node).replace(/\s+/g, " "));
    } else if (tag === "br") {
      this.line += "\n";
    } else if (tag === "li") {
      this.flush();
      this.line = this.listMarker(node);
      this.children(node);
      this.flush();
    } else if (tag === "tr") {
      this.flush();
      const cells = Array.from(node.childNodes)
        .filter((cell) => cell.nodeType === ELEMENT && (tagOf(cell) === "td" || tagOf(cell) === "th"))
        .map((cell) => inlineText(cell).replace(/\s+/g, " ").trim());
      if (cells.some((cell) => cell !== "")) this.builder.paragraph(cells.join(" | "));
    } else if (tag === "pre") {
      this.flushKeepingMarker();
      this.preDepth += 1;
      this.children(node);
      this.preDepth -= 1;
      this.flush();
    } else if (BLOCKS.has(tag)) {
      this.flushKeepingMarker();
      this.children(node);
      this.flush();
    } else {
      this.children(node);
    }
  }

  /**
   * "- " in an unordered list, "n. " in an ordered one, counting from its start attribute: items are
   * met in order, so each list keeps a counter (counting earlier siblings made long lists quadratic).
   */
  private listMarker(item: DomNode): string {
    const list = item.parentNode;
    if (!list || tagOf(list) !== "ol") return "- ";
    let n = this.listCounters.get(list);
    if (n === undefined) {
      const start = Number.parseInt(list.getAttribute?.("start") ?? "", 10);
      n = Number.isFinite(start) ? start : 1;
    }
    this.listCounters.set(list, n + 1);
    return `${n}. `;
  }

  flush(): void {
    // A list item's marker alone (an item holding only a nested list) is no paragraph.
    if (!this.markerOnly()) this.builder.paragraph(this.line);
    this.line = "";
  }

  /** Before a block inside a list item (a p in an li), the item's marker waits for the block's text. */
  private flushKeepingMarker(): void {
    if (!this.markerOnly() || /^\s*$/.test(this.line)) this.flush();
  }

  private markerOnly(): boolean {
    return /^(- |\d+\. )?\s*$/.test(this.line);
  }

  private children(node: DomNode): void {
    for (const child of Array.from(node.childNodes)) this.visit(child);
  }
}


function isHidden(node: DomNode): boolean {
  const hidden = node.getAttribute?.("hidden");
  return hidden !== null && hidden !== undefined;
}

/** The text of an element read as one paragraph: skipped elements left out, br kept as a line break. */
function inlineText(node: DomNode): string {
  let text = "";
  for (const child of Array.from(node.childNodes)) {
    if (child.nodeType === TEXT || child.nodeType === CDATA) text += (child.textContent ?? "").replace(/\s+/g, " ");
    else if (child.nodeType === ELEMENT) {
      const tag = tagOf(child);
      if (tag === "br") text += "\n";
      else if (!SKIPPED.has(tag) && !isHidden(child)) text += (BLOCKS.has(tag) || tag === "li" ? " " : "") + inlineText(child);
    }
  }
  return text;
}
