import mammoth from "mammoth";
import { parseHTML } from "linkedom";
import { InputError } from "../../errors.js";
import type { ExtractedDocument } from "../extracted-document.js";
import { domText, type DomNode } from "./dom-text.js";

/** The first bytes of an OLE compound file: old Word (.doc), or a .docx locked with a password. */
const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/**
 * Reads a Word file (.docx) through mammoth, which turns heading styles into h1-h6 and keeps lists
 * and tables, and leaves page headers and footers out; its HTML is then walked like a web page's.
 */
export async function readDocx(bytes: Uint8Array, file: string): Promise<ExtractedDocument[]> {
  if (OLE_MAGIC.every((byte, i) => bytes[i] === byte)) {
    throw new InputError(file, undefined, oleProblem(bytes));
  }
  let html: string;
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Images are left empty: encoding each as a data URI would cost memory for nothing read.
    const noImage = mammoth.images.imgElement(() => Promise.resolve({ src: "" }));
    html = (await mammoth.convertToHtml({ buffer }, { convertImage: noImage })).value;
  } catch {
    throw new InputError(file, undefined, "not a readable Word file (.docx): open it in Word and save it again as .docx");
  }
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  // The "↑" links mammoth puts after each footnote, back to where it was cited.
  for (const link of Array.from(document.querySelectorAll("a[href^='#']") as ArrayLike<DomNode & { remove(): void }>)) {
    if ((link.textContent ?? "").trim() === "↑") link.remove();
  }
  const built = domText(document.body as DomNode);
  if (built.text === "") {
    throw new InputError(file, undefined, "no text in this Word file: it is empty or holds only images (run OCR on those first)");
  }
  return [{ sourceId: file, text: built.text, structure: { file, sections: built.sections } }];
}

/** Word saves a password-protected .docx as an OLE file holding the encrypted package. */
function oleProblem(bytes: Uint8Array): string {
  const utf16 = (text: string) => Buffer.from(text, "utf16le");
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(utf16("EncryptedPackage"))) {
    return "a Word file locked with a password: remove the password in Word and save it again";
  }
  return "an old Word file (.doc), which cannot be read: open it in Word or LibreOffice and save it as .docx";
}
