/**
 * The corpus reader: turns a file or a directory of files into a stream of documents.
 * Every problem with the input becomes an InputError naming the file and, where known, the line.
 */
import { open, readdir, stat, type FileHandle } from "node:fs/promises";
import { basename, extname, join, relative, sep } from "node:path";
import { createInterface } from "node:readline";
import { CsvError, parse as parseCsv } from "csv-parse";
import { InputError } from "../errors.js";
import type { DocumentStructure } from "./extracted-document.js";
import { DOCUMENT_EXTENSIONS, readerFor } from "./readers/index.js";
import type { SourceDocument } from "./source-document.js";
import { structureOfRecord } from "./structure-of-record.js";

export interface ReadCorpusOptions {
  /** Field holding the text in JSON/JSONL records and the CSV column name. Default "content". */
  textField?: string;
  /** "fail" (default): throw the first InputError. "skip": report it through onSkip and go on. */
  onBadInput?: "skip" | "fail";
  /** Stop after this many documents. */
  limit?: number;
  onSkip?: (error: InputError) => void;
}

/** Records of a table, or a document read whole by its format's reader (readers/index.ts). */
type Kind = "jsonl" | "json" | "csv" | "document";

/** A document found in a file (not yet numbered), or the reason a record could not be used. */
type Item = { sourceId: string; text: string; structure?: DocumentStructure } | InputError;

const RECORD_KINDS: Record<string, Kind> = {
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".json": "json",
  ".csv": "csv",
};

const EXTENSIONS = [...Object.keys(RECORD_KINDS), ...DOCUMENT_EXTENSIONS];
/** The extensions a corpus file may have, in words: ".jsonl, .ndjson, ... or .markdown". */
export const CORPUS_EXTENSIONS = `${EXTENSIONS.slice(0, -1).join(", ")} or ${EXTENSIONS.at(-1)}`;
const SUPPORTED = `expected a directory or a file ending in ${CORPUS_EXTENSIONS}`;

/**
 * Reads the documents at `path`: a .jsonl/.ndjson, .json or .csv file of records, a document of a
 * format readers/index.ts knows (.md, .txt, ...), or a directory of such files. A document read by
 * its reader comes with its structure; so does a JSONL record written by `foveate extract`. A
 * missing or unreadable top-level path always throws.
 */
export async function* readCorpus(
  path: string,
  options: ReadCorpusOptions = {},
): AsyncGenerator<SourceDocument> {
  const { textField = "content", onBadInput = "fail", limit = Infinity, onSkip } = options;
  let index = 0;
  if (index >= limit) return;
  for await (const item of readTopLevel(path, textField)) {
    if (item instanceof InputError) {
      if (onBadInput === "fail") throw item;
      onSkip?.(item);
      continue;
    }
    yield { index: index++, ...item };
    if (index >= limit) return; // returning closes the inner readers, so the rest is never read
  }
}

async function* readTopLevel(path: string, field: string): AsyncGenerator<Item> {
  const info = await stat(path).catch((error: unknown) => {
    throw cannotRead(path, error);
  });
  if (info.isDirectory()) {
    yield* readDirectory(path, path, field);
    return;
  }
  const kind = kindOf(path);
  if (kind === undefined) {
    throw new InputError(path, undefined, `unsupported file type "${extname(path)}": ${SUPPORTED}`);
  }
  const handle = await openFile(path);
  yield* readFile(handle, kind, path, basename(path), field);
}

/** Walks `dir` depth-first in path order, skipping hidden entries and unknown extensions. */
async function* readDirectory(root: string, dir: string, field: string): AsyncGenerator<Item> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    yield cannotRead(dir, error);
    return;
  }
  // Sorting directories as "name/" makes the walk visit files in plain sorted-path order.
  const visible = entries
    .filter((entry) => !entry.name.startsWith("."))
    .map((entry) => ({ entry, key: entry.isDirectory() ? `${entry.name}/` : entry.name }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  for (const { entry } of visible) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      yield* readDirectory(root, path, field);
      continue;
    }
    const kind = kindOf(entry.name);
    // Symbolic links are followed to files only; following directories could loop forever.
    if (kind === undefined || !(entry.isFile() || entry.isSymbolicLink())) continue;
    let handle: FileHandle;
    try {
      handle = await openFile(path);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      yield error;
      continue;
    }
    yield* readFile(handle, kind, path, relative(root, path).split(sep).join("/"), field);
  }
}

/**
 * Reads one opened file and closes it. `file` is the path shown in errors, `name` the stable
 * name used in sourceIds.
 */
async function* readFile(
  handle: FileHandle,
  kind: Kind,
  file: string,
  name: string,
  field: string,
): AsyncGenerator<Item> {
  try {
    switch (kind) {
      case "jsonl":
        yield* readJsonLines(handle, file, name, field);
        break;
      case "json":
        yield* readJson(handle, file, name, field);
        break;
      case "csv":
        yield* readCsv(handle, file, name, field);
        break;
      case "document":
        yield* readDocument(handle, file, name);
        break;
    }
  } catch (error) {
    if (!isSystemError(error)) throw error;
    yield cannotRead(file, error);
  } finally {
    await handle.close();
  }
}

async function* readJsonLines(
  handle: FileHandle,
  file: string,
  name: string,
  field: string,
): AsyncGenerator<Item> {
  const input = handle.createReadStream({ encoding: "utf8", autoClose: false });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const rawLine of lines) {
      lineNumber++;
      const line = lineNumber === 1 ? stripBom(rawLine) : rawLine;
      if (line.trim() === "") continue;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (error) {
        yield new InputError(file, lineNumber, `invalid JSON: ${messageOf(error)}`);
        continue;
      }
      const text = recordText(record, field);
      if (typeof text !== "string") {
        yield new InputError(file, lineNumber, text.problem);
        continue;
      }
      const { source, source_id: given } = record as Record<string, unknown>;
      const structure = structureOfRecord(source, text.length);
      // A line foveate extract wrote keeps the source_id its document had ("book.epub#3").
      const sourceId = structure && typeof given === "string" && given !== "" ? given : `${name}:${lineNumber}`;
      yield structure && "problem" in structure ? new InputError(file, lineNumber, structure.problem) : { sourceId, text, ...(structure ? { structure } : {}) };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** A whole-file JSON document: an array of records, or one record. Read into memory at once. */
async function* readJson(
  handle: FileHandle,
  file: string,
  name: string,
  field: string,
): AsyncGenerator<Item> {
  const source = stripBom(await handle.readFile("utf8"));
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    const message = messageOf(error);
    yield new InputError(file, lineAtPosition(source, message), `invalid JSON: ${message}`);
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, record] of value.entries()) {
      const text = recordText(record, field);
      yield typeof text === "string"
        ? { sourceId: `${name}#${i}`, text }
        : new InputError(file, undefined, `element ${i}: ${text.problem}`);
    }
  } else if (isObject(value)) {
    const text = recordText(value, field);
    yield typeof text === "string"
      ? { sourceId: name, text }
      : new InputError(file, undefined, text.problem);
  } else {
    yield new InputError(
      file,
      undefined,
      `expected an array of objects or one object, got ${jsonType(value)}`,
    );
  }
}

async function* readCsv(
  handle: FileHandle,
  file: string,
  name: string,
  field: string,
): AsyncGenerator<Item> {
  const input = handle.createReadStream({ autoClose: false });
  // The header is handled here rather than with `columns: true` so every record, header
  // included, comes with its raw text. Line numbers are counted from that raw text because
  // csv-parse's own `info.lines` counts a CRLF inside a quoted field as two lines.
  const parser = parseCsv({ bom: true, raw: true, relax_column_count: true, skip_empty_lines: true });
  input.on("error", (error) => parser.destroy(error));
  input.pipe(parser);

  let header: string[] | undefined;
  let textColumn = -1;
  let nextLine = 1; // physical line where the next record's raw text begins
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      // Raw text starts with any blank lines skipped before the record.
      const line = nextLine + countLineBreaks(/^[\r\n]*/.exec(raw)?.[0] ?? "");
      nextLine += countLineBreaks(raw);
      if (header === undefined) {
        header = record;
        textColumn = header.indexOf(field);
        if (textColumn < 0) {
          yield new InputError(file, line, `no column "${field}" in header: ${header.join(", ")}`);
          return;
        }
        continue;
      }
      if (record.length !== header.length) {
        const problem = `expected ${header.length} fields as in the header, found ${record.length}`;
        yield new InputError(file, line, problem);
        continue;
      }
      const text = record[textColumn] ?? "";
      yield isBlank(text)
        ? new InputError(file, line, "empty document")
        : { sourceId: `${name}:${line}`, text };
    }
    if (header === undefined) yield new InputError(file, undefined, "no header row (empty file)");
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // The structure is broken from here on, so the rest of the file cannot be trusted.
    const line = typeof error.lines === "number" ? error.lines : nextLine;
    yield new InputError(file, line, `invalid CSV: ${messageOf(error)}`);
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/**
 * The largest document file read: readers take a file whole (pdf.js, zip directories), and what
 * they build from it is several times its size.
 */
export const MAX_DOCUMENT_BYTES = 512 * 2 ** 20;

/** A document of a format with a reader: one item per document it holds (an EPUB's chapters), with its structure. */
async function* readDocument(handle: FileHandle, file: string, name: string): AsyncGenerator<Item> {
  const { size } = await handle.stat();
  if (size > MAX_DOCUMENT_BYTES) {
    const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
    yield new InputError(file, undefined, `a ${mb(size)} file, larger than foveate reads in one piece (${mb(MAX_DOCUMENT_BYTES)}): split it into parts`);
    return;
  }
  const bytes = await handle.readFile();
  let documents;
  try {
    documents = await readerFor(name)!(bytes, name);
  } catch (error) {
    // Readers name the file as the corpus names it; the user is told the path they can open. A
    // file a reader's library fails on some other way (nesting deep enough to overflow the stack)
    // is that file's problem too: one line, and with --on-bad-input skip the corpus goes on.
    yield error instanceof InputError
      ? new InputError(file, error.line, error.problem)
      : new InputError(file, undefined, `could not be read (${error instanceof Error ? error.message : String(error)})`);
    return;
  }
  for (const { sourceId, text, structure } of documents) {
    yield isBlank(text) ? new InputError(file, undefined, `empty document${sourceId === name ? "" : ` (${sourceId})`}`) : { sourceId, text, structure };
  }
}

/** The text of a parsed JSON record, or the problem that keeps it from being a document. */
function recordText(record: unknown, field: string): string | { problem: string } {
  if (!isObject(record)) return { problem: `expected a JSON object, got ${jsonType(record)}` };
  const text = record[field];
  if (typeof text === "string") return isBlank(text) ? { problem: "empty document" } : text;
  const keys = Object.keys(record);
  const hint =
    Object.hasOwn(record, field)
      ? ` ("${field}" is ${jsonType(text)})`
      : keys.length === 0
        ? " (the record has no fields)"
        : keys.length <= 10
          ? ` (fields: ${keys.join(", ")})`
          : "";
  return { problem: `no string field "${field}"${hint}` };
}

function kindOf(path: string): Kind | undefined {
  const extension = extname(path).toLowerCase();
  if (Object.hasOwn(RECORD_KINDS, extension)) return RECORD_KINDS[extension];
  return readerFor(path) ? "document" : undefined;
}

async function openFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (error) {
    throw cannotRead(path, error);
  }
}

function cannotRead(file: string, error: unknown): InputError {
  // Node's messages look like "ENOENT: no such file or directory, open '/a/b'": keep the middle.
  const message = messageOf(error);
  const reason = /^[A-Z]+: (.*?)(?:, \w+(?: '.*')?)?$/s.exec(message)?.[1] ?? message;
  return new InputError(file, undefined, `cannot read: ${reason}`);
}

/** 1-based line of the "at position N" that V8 puts in JSON.parse errors, when present. */
function lineAtPosition(source: string, message: string): number | undefined {
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return undefined;
  return countLineBreaks(source.slice(0, Number(position))) + 1;
}

function countLineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function isBlank(text: string): boolean {
  return text.trim() === "";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** Node's errors from the file system carry a syscall name; parse errors and bugs do not. */
function isSystemError(error: unknown): boolean {
  return error instanceof Error && "syscall" in error;
}

/** The error's message on one line (V8's JSON messages quote the source, newlines and all). */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*[\r\n]\s*/g, " ");
}
