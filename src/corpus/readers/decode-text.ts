import { InputError } from "../../errors.js";

/**
 * A text file's bytes as text: UTF-8, or UTF-16 when a byte order mark says so, without the mark.
 * A file full of NUL bytes and no mark is UTF-16 (or binary) that cannot be told apart safely:
 * refused in one line rather than read as garbage.
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  const utf16 = utf16Bom(bytes);
  if (utf16) return new TextDecoder(utf16).decode(bytes.subarray(2));
  if (hasManyNuls(bytes)) throw new InputError(file, undefined, "not UTF-8 text (UTF-16 without a byte order mark, or a binary file): save it as UTF-8");
  const text = new TextDecoder("utf-8").decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** More than one byte in eight of the first kilobyte NUL: no UTF-8 text looks like that. */
export function hasManyNuls(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 1024);
  let nuls = 0;
  for (const byte of head) if (byte === 0) nuls++;
  return head.length > 0 && nuls * 8 > head.length;
}

/** The UTF-16 a byte order mark names, if the bytes start with one. */
export function utf16Bom(bytes: Uint8Array): "utf-16le" | "utf-16be" | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return undefined;
}
