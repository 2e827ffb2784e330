import type { Nodes, Root, RootContent } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { InputError } from "../../errors.js";
import type { DocumentReader } from "../extracted-document.js";
import { TextBuilder } from "../text-builder.js";
import { decodeUtf8 } from "./decode-utf8.js";

/**
 * Markdown (CommonMark): `#` headings open sections, every list item is a paragraph of its own,
 * code blocks and quotes keep their text, and inline markup (emphasis, code, links, images) is
 * reduced to the words a reader sees. Raw HTML is left out: it is markup, not content.
 */
export const readMarkdown: DocumentReader = async (bytes, file) => {
  const builder = new TextBuilder();
  addBlocks(builder, fromMarkdown(withoutFrontMatter(decodeUtf8(bytes, file))).children);
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
