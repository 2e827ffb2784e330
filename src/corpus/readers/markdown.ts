import type { Nodes, Root, RootContent } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { InputError } from "../../errors.js";
import type { DocumentReader } from "../extracted-document.js";
import { TextBuilder } from "../text-builder.js";
import { decodeText } from "./decode-text.js";

/**
 * Markdown (CommonMark): `#` headings open sections, every list item is a paragraph of its own,
 * code blocks and quotes keep their text, and inline markup (emphasis, code, links, images) is
 * reduced to the words a reader sees. Raw HTML is left out: it is markup, not content.
 */
export const readMarkdown: DocumentReader = async (bytes, file) => {
  const builder = new TextBuilder();
  for (const piece of piecesOf(withoutFrontMatter(decodeText(bytes, file)))) addBlocks(builder, fromMarkdown(piece).children);
  const { text, sections } = builder.build();
  if (text === "") throw new InputError(file, undefined, "empty document: the Markdown file has no text");
  return [{ sourceId: file, text, structure: { file, sections } }];
};

function addBlocks(builder: TextBuilder, blocks: readonly RootContent[]): void {
  for (const block of blocks) {
    switch (block.type) {
      case "heading":
        builder.heading(block.depth, inlineText(block));
        break;
      case "list":
        // Each item's paragraphs (and nested lists) become paragraphs of their own.
        for (const item of block.children) addBlocks(builder, item.children);
        break;
      case "blockquote":
        addBlocks(builder, block.children);
        break;
      case "code":
        builder.paragraph(block.value);
        break;
      case "html":
      case "thematicBreak":
      case "definition":
      case "yaml":
        break;
      default:
        builder.paragraph(inlineText(block));
    }
  }
}

/** The words of a node as a reader sees them. */
function inlineText(node: Nodes | Root): string {
  switch (node.type) {
    case "text":
    case "inlineCode":
      return node.value;
    case "break":
      return "\n";
    case "image":
    case "imageReference":
      return node.alt ?? "";
    case "html":
      // Tags are markup; a line break between two words is not.
      return /^<br\s*\/?>$/i.test(node.value) ? "\n" : "";
    default:
      return "children" in node ? node.children.map((child) => inlineText(child as Nodes)).join("") : "";
  }
}

/**
 * Front matter (YAML between `---` lines, or TOML between `+++` lines, at the very top) is the
 * file's metadata for a site generator, not its text.
 */
function withoutFrontMatter(source: string): string {
  return source.replace(/^(---|\+\+\+)[^\S\n]*\r?\n[\s\S]*?\r?\n\1[^\S\n]*(\r?\n|$)/, "");
}

/** Parsing time grows with the square of a piece's length (measured: 0.5 MB of sections with lists took 8 s, 2 MB 131 s). */
const PIECE_CHARS = 32_000;

/**
 * A long file cut into pieces parsed one by one: at a line that starts with `#` (an ATX heading,
 * which always opens a top-level block) outside fenced code, once a piece is long enough. Each
 * piece gets the file's link reference definitions, so `[text][ref]` reads the same in any piece.
 * A short file is one piece.
 */
export function piecesOf(source: string): string[] {
  if (source.length <= PIECE_CHARS) return [source];
  const lines = source.split(/(?<=\n)/);
  const definitions = lines.filter((line) => /^ {0,3}\[[^\]\n]+\]:/.test(line)).join("");
  const pieces: string[] = [];
  let piece = "";
  let fence: { char: string; length: number } | undefined;
  for (const line of lines) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && /^#{1,6}(\s|$)/.test(line) && piece.length >= PIECE_CHARS) {
      pieces.push(piece);
      piece = "";
    }
    if (marker !== undefined) {
      if (fence === undefined) fence = { char: marker[0]!, length: marker.length };
      else if (marker[0] === fence.char && marker.length >= fence.length && line.trim() === marker) fence = undefined;
    }
    piece += line;
  }
  pieces.push(piece);
  return pieces.length === 1 ? pieces : pieces.map((p) => (definitions === "" ? p : `${p}\n\n${definitions}`));
}
