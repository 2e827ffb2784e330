import { InputError } from "../../errors.js";
import type { DocumentReader } from "../extracted-document.js";
import { TextBuilder } from "../text-builder.js";
import { decodeText } from "./decode-text.js";

/** Plain text: paragraphs at blank lines, line breaks inside a paragraph kept; no headings, so one untitled section. */
export const readText: DocumentReader = async (bytes, file) => {
  const builder = new TextBuilder();
  for (const paragraph of decodeText(bytes, file).split(/\r?\n[^\S\n]*\r?\n/)) builder.paragraph(paragraph);
  const { text, sections } = builder.build();
  if (text === "") throw new InputError(file, undefined, "empty document");
  return [{ sourceId: file, text, structure: { file, sections } }];
};
