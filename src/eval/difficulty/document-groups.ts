import { readCorpus } from "../../corpus/read-corpus.js";
import { InputError } from "../../errors.js";
import type { InstructionRecord } from "../dataset.js";

/** A document of the corpus as read, whole (not chunked): where it came from, and its text. */
export interface CorpusDocument {
  sourceId: string;
  text: string;
}

/** One dataset's instructions about one document, or about one chunk of it, and the text they were made from. */
export interface DocumentGroup {
  /** The same in every dataset made from this text: the source id, and the span for a chunk. */
  key: string;
  sourceId: string;
  span?: [number, number];
  /** The document's position in the corpus, for ordering. */
  position: number;
  /** `article_index` of the first record, when the dataset gives one. */
  articleIndex?: number;
  /** What a judge is shown: the whole document, or exactly the chunk the records were made from. */
  text: string;
  records: InstructionRecord[];
}

const showSome = (values: Iterable<string | number>) => [...new Set(values)].slice(0, 5).join(", ");

/**
 * Groups a dataset's records by the text they were made from. A record with `source_id` is looked
 * up by it, and cut to its `source_span` when it has one, so that after chunking the text is the
 * chunk itself (the chunk's `article_index` counts chunks, not corpus documents). A record without
 * `source_id` (another tool's dataset) is looked up by `article_index`, its document's position.
 *
 * A `source_id` not in the corpus (the corpus file was renamed or moved since synth read it) is
 * looked up by its line or element number (":12", "#3") when exactly one corpus document has it,
 * else by `article_index` when no record is a chunk (a chunk's index counts chunks); `warn` hears
 * of it once. Throws InputError naming the file when a record fits no document of the corpus.
 */
export function groupByDocument(
  name: string,
  records: readonly InstructionRecord[],
  corpus: readonly CorpusDocument[],
  warn: (message: string) => void = () => {},
): Map<string, DocumentGroup> {
  const positions = new Map<string, number>();
  // A locator held by several documents (the same line of two files) finds none.
  const byLocator = new Map<string, number | "ambiguous">();
  corpus.forEach((document, i) => {
    if (!positions.has(document.sourceId)) positions.set(document.sourceId, i);
    const locator = locatorOf(document.sourceId);
    if (locator !== undefined) byLocator.set(locator, byLocator.has(locator) ? "ambiguous" : i);
  });
  const indexFitsCorpus = records.every((record) => record.sourceSpan === undefined);
  const groups = new Map<string, DocumentGroup>();
  const outside: number[] = [];
  const unknown: string[] = [];
  const guessed: string[] = [];
  let guessedByIndex = false;
  for (const record of records) {
    let position: number;
    if (record.sourceId !== undefined) {
      let found = positions.get(record.sourceId);
      if (found === undefined) {
        const locator = locatorOf(record.sourceId);
        const byLine = locator !== undefined ? byLocator.get(locator) : undefined;
        if (typeof byLine === "number") found = byLine;
        else if (indexFitsCorpus && record.articleIndex !== undefined && record.articleIndex < corpus.length) {
          found = record.articleIndex;
          guessedByIndex = true;
        }
        if (found === undefined) {
          unknown.push(JSON.stringify(record.sourceId));
          continue;
        }
        guessed.push(JSON.stringify(record.sourceId));
      }
      position = found;
    } else if (record.articleIndex !== undefined) {
      if (record.articleIndex >= corpus.length) {
        outside.push(record.articleIndex);
        continue;
      }
      position = record.articleIndex;
    } else {
      throw new InputError(name, undefined, 'records need "article_index" (or "source_id") to be compared document by document');
    }
    const document = corpus[position]!;
    const span = record.sourceId !== undefined ? record.sourceSpan : undefined;
    if (span && span[1] > document.text.length) {
      throw new InputError(
        name,
        undefined,
        `source_span [${span.join(", ")}] of ${document.sourceId} reaches past its end (${document.text.length} characters): is it the corpus these records were made from?`,
      );
    }
    const key = span ? `${document.sourceId} [${span[0]}, ${span[1]})` : document.sourceId;
    let group = groups.get(key);
    if (!group) {
      group = {
        key,
        sourceId: document.sourceId,
        ...(span ? { span } : {}),
        position,
        ...(record.articleIndex !== undefined ? { articleIndex: record.articleIndex } : {}),
        text: span ? document.text.slice(span[0], span[1]) : document.text,
        records: [],
      };
      groups.set(key, group);
    }
    group.records.push(record);
  }
  if (guessed.length > 0 && unknown.length === 0) {
    const how = guessedByIndex ? "line or element number, else article_index" : "line or element number";
    warn(
      `${name}: ${guessed.length} records' source_id (${showSome(guessed)}) not in the corpus; matched by ${how} instead: ` +
        "was the corpus file renamed or moved since these records were made?",
    );
  }
  if (unknown.length > 0) {
    throw new InputError(name, undefined, `source_id ${showSome(unknown)} not in the corpus: is it the corpus these records were made from?`);
  }
  if (outside.length > 0) {
    throw new InputError(name, undefined, `article_index ${showSome(outside)} not in the corpus, which has ${corpus.length} documents: is it the corpus these records were made from?`);
  }
  return groups;
}

/** The part of a source id after the file's name: ":12" for a line, "#3" for an array element. */
function locatorOf(sourceId: string): string | undefined {
  return /(?::|#)\d+$/.exec(sourceId)?.[0];
}

/** Orders groups as their texts stand in the corpus: by document, then by where the chunk starts. */
export function corpusOrder(x: DocumentGroup, y: DocumentGroup): number {
  return x.position - y.position || (x.span?.[0] ?? 0) - (y.span?.[0] ?? 0);
}

/** The corpus whole, as synth read it before chunking: records find their chunk by source_id and span. */
export async function readWholeDocuments(path: string, textField: string): Promise<CorpusDocument[]> {
  const documents: CorpusDocument[] = [];
  for await (const { sourceId, text } of readCorpus(path, { textField })) documents.push({ sourceId, text });
  return documents;
}
