import type { InstructionRecord } from "../eval/dataset.js";
import { groupByDocument, type CorpusDocument } from "../eval/difficulty/document-groups.js";
import type { SynthRecord } from "../method/record.js";

/** About how long a passage shown to the judge is: enough to check an answer, short enough to judge thousands of items. */
export const PASSAGE_CHARS = 2000;

type PassageRecord = Pick<SynthRecord, "features" | "source_span" | "offsets">;

/**
 * The passage an item came from, at most about PASSAGE_CHARS characters, taken from the text the
 * record was made from (its `source_span` of the document, else the whole document): a macro
 * record's sentence with the text around it; else the text around the first place one of its
 * features stands; else the start of that text. A cut end is marked with "[...]".
 */
export function itemPassage(record: PassageRecord, documentText: string, maxChars = PASSAGE_CHARS): string {
  const [from, to] = spanIn(record.source_span, documentText.length);
  const text = documentText.slice(from, to);
  const anchor = sentenceAt(record, text) ?? firstFeature(record.features, text) ?? { start: 0, end: 0 };
  return window(text, anchor, maxChars);
}

interface Anchor {
  start: number;
  end: number;
}

function spanIn(span: [number, number] | undefined, length: number): [number, number] {
  if (!span) return [0, length];
  const start = Math.min(Math.max(0, span[0]), length);
  return [start, Math.min(Math.max(start, span[1]), length)];
}

/**
 * A macro record's sentence: its offsets (counted in the record's own text), when the text there is
 * still its sentence; else where the sentence stands now (the corpus was edited since synth).
 */
function sentenceAt(record: PassageRecord, text: string): Anchor | undefined {
  const offsets = record.offsets?.[0];
  if (!offsets) return undefined;
  const [start, end] = offsets;
  const sentence = record.features[0];
  if (end <= text.length && start < end && (sentence === undefined || text.slice(start, end) === sentence)) return { start, end };
  return sentence === undefined ? undefined : firstFeature([sentence], text);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Where the first of the features to occur in the text (case aside) stands. */
function firstFeature(features: readonly string[], text: string): Anchor | undefined {
  let found: Anchor | undefined;
  for (const feature of features) {
    if (feature.trim() === "") continue;
    const match = new RegExp(escape(feature), "iu").exec(text);
    if (match && (!found || match.index < found.start)) found = { start: match.index, end: match.index + match[0].length };
  }
  return found;
}

/**
 * At most `maxChars` of the text, the anchor in the middle (its start, when the anchor alone is
 * longer), widened to the whole text when it fits and cut between words otherwise.
 */
function window(text: string, anchor: Anchor, maxChars: number): string {
  if (text.length <= maxChars) return text.trim();
  const room = Math.max(0, maxChars - (anchor.end - anchor.start));
  let start = Math.max(0, anchor.start - Math.floor(room / 2));
  let end = Math.min(text.length, start + maxChars);
  start = Math.max(0, end - maxChars);
  if (start > 0) start = wordStartFrom(text, start, anchor.start);
  if (end < text.length) end = wordEndBy(text, end, Math.max(start, Math.min(anchor.end, end)));
  const body = text.slice(start, end).trim();
  return `${start > 0 ? "[...] " : ""}${body}${end < text.length ? " [...]" : ""}`;
}

/** The start of the first whole word at or after `at` (not past `limit`, the anchor's start). */
function wordStartFrom(text: string, at: number, limit: number): number {
  if (/\s/.test(text[at - 1] ?? " ")) return at;
  const space = text.slice(at, Math.max(at, limit)).search(/\s/);
  return space < 0 ? at : at + space + 1;
}

/** The end of the last whole word before `at` (not before `limit`, the anchor's end). */
function wordEndBy(text: string, at: number, limit: number): number {
  if (/\s/.test(text[at] ?? " ")) return at;
  const before = text.slice(limit, at);
  const space = before.search(/\s\S*$/);
  return space < 0 ? at : limit + space;
}

/**
 * The whole text of the document each record was made from, in the records' order, looked up in the
 * corpus as eval's judges look records up (by `source_id`, checked against `source_span`; see
 * groupByDocument). Throws InputError naming `name` when a record fits no document of the corpus.
 */
export function documentTextsOf(
  name: string,
  records: readonly Pick<SynthRecord, "instruction" | "article_index" | "source_id" | "source_span" | "level">[],
  corpus: readonly CorpusDocument[],
  warn?: (message: string) => void,
): string[] {
  const indexOf = new Map<InstructionRecord, number>();
  const asInstructions = records.map((record, i) => {
    const looked: InstructionRecord = {
      instruction: record.instruction,
      articleIndex: record.article_index,
      level: record.level,
      sourceId: record.source_id,
      ...(record.source_span ? { sourceSpan: record.source_span } : {}),
    };
    indexOf.set(looked, i);
    return looked;
  });
  const texts = new Array<string>(records.length);
  for (const group of groupByDocument(name, asInstructions, corpus, warn).values()) {
    const text = corpus[group.position]!.text;
    for (const record of group.records) texts[indexOf.get(record)!] = text;
  }
  return texts;
}
