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
 * Throws InputError naming the file when a record fits no document of the corpus.
 */
export function groupByDocument(name: string, records: readonly InstructionRecord[], corpus: readonly CorpusDocument[]): Map<string, DocumentGroup> {
  const positions = new Map<string, number>();
  corpus.forEach((document, i) => {
    if (!positions.has(document.sourceId)) positions.set(document.sourceId, i);
  });
  const groups = new Map<string, DocumentGroup>();
  const outside: number[] = [];
  const unknown: string[] = [];
  for (const record of records) {
    let position: number;
    if (record.sourceId !== undefined) {
      const found = positions.get(record.sourceId);
      if (found === undefined) {
        unknown.push(JSON.stringify(record.sourceId));
        continue;
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
  if (unknown.length > 0) {
    throw new InputError(name, undefined, `source_id ${showSome(unknown)} not in the corpus: is it the corpus these records were made from?`);
  }
  if (outside.length > 0) {
    throw new InputError(name, undefined, `article_index ${showSome(outside)} not in the corpus, which has ${corpus.length} documents: is it the corpus these records were made from?`);
  }
  return groups;
}

/** Orders groups as their texts stand in the corpus: by document, then by where the chunk starts. */
export function corpusOrder(x: DocumentGroup, y: DocumentGroup): number {
  return x.position - y.position || (x.span?.[0] ?? 0) - (y.span?.[0] ?? 0);
}
