import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { InputError } from "../errors.js";

/** One line of a JSON Lines file, parsed, with its line number. */
async function* jsonLines(path: string): AsyncGenerator<{ line: number; value: Record<string, unknown> }> {
  const stream = createReadStream(path, { encoding: "utf8" });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", (error: NodeJS.ErrnoException) => reject(new InputError(path, undefined, `cannot read: ${error.code === "ENOENT" ? "no such file" : error.message}`)));
  });
  await opened;
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InputError(path, line, `invalid JSON: ${(error as Error).message.split("\n")[0]}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InputError(path, line, "a record must be a JSON object");
    yield { line, value: value as Record<string, unknown> };
  }
}

/** A record of an instruction dataset as evaluation needs it. */
export interface InstructionRecord {
  instruction: string;
  /** The document it was made from, when the dataset says. */
  articleIndex?: number;
  /** foveate's level (micro, scatter, macro, self-qa), when the dataset says. */
  level?: string;
  /** Where the document came from (foveate's `source_id`), when the dataset says. */
  sourceId?: string;
  /** For a chunk of a long document: the chunk's offsets [start, end) in it (`source_span`). */
  sourceSpan?: [number, number];
}

/** The optional provenance fields of a record, checked; throws InputError naming the line. */
function provenanceOf(path: string, line: number, value: Record<string, unknown>): Omit<InstructionRecord, "instruction"> {
  const index = value.article_index;
  if (index !== undefined && !(Number.isInteger(index) && (index as number) >= 0)) {
    throw new InputError(path, line, `"article_index" must be a whole number >= 0, got ${JSON.stringify(index)}`);
  }
  // null stands for absent, as other tools write it.
  const [level, sourceId, span] = [value.level ?? undefined, value.source_id ?? undefined, value.source_span ?? undefined];
  if (level !== undefined && typeof level !== "string") throw new InputError(path, line, `"level" must be a string, got ${JSON.stringify(level)}`);
  if (sourceId !== undefined && typeof sourceId !== "string") throw new InputError(path, line, `"source_id" must be a string, got ${JSON.stringify(sourceId)}`);
  const isSpan = (x: unknown): x is [number, number] =>
    Array.isArray(x) && x.length === 2 && x.every((n) => Number.isInteger(n) && n >= 0) && x[0] <= x[1];
  if (span !== undefined && !isSpan(span)) throw new InputError(path, line, `"source_span" must be [start, end] with 0 <= start <= end, got ${JSON.stringify(span)}`);
  return {
    ...(index !== undefined ? { articleIndex: index as number } : {}),
    ...(level !== undefined ? { level } : {}),
    ...(sourceId !== undefined ? { sourceId } : {}),
    ...(span !== undefined ? { sourceSpan: span } : {}),
  };
}

/** An instruction dataset (JSON Lines with an `instruction` field, e.g. foveate's output). */
export async function readInstructions(path: string): Promise<InstructionRecord[]> {
  const records: InstructionRecord[] = [];
  for await (const { line, value } of jsonLines(path)) {
    if (typeof value.instruction !== "string") {
      throw new InputError(path, line, `no string field "instruction" (fields: ${Object.keys(value).slice(0, 10).join(", ") || "none"})`);
    }
    records.push({ instruction: value.instruction, ...provenanceOf(path, line, value) });
  }
  if (records.length === 0) throw new InputError(path, undefined, "no records (the file is empty)");
  return records;
}

/** A closed-book QA test item: a question and its accepted answers. */
export interface QaItem {
  question: string;
  answers: string[];
}

/** A QA test set: JSON Lines with `question` and `answer` (a string, or a list of accepted answers) or `answers`. */
export async function readQaTest(path: string): Promise<QaItem[]> {
  const items: QaItem[] = [];
  for await (const { line, value } of jsonLines(path)) {
    if (typeof value.question !== "string" || value.question.trim() === "") throw new InputError(path, line, 'no string field "question"');
    const raw = value.answers ?? value.answer;
    const answers = typeof raw === "string" ? [raw] : Array.isArray(raw) && raw.every((a) => typeof a === "string") ? (raw as string[]) : undefined;
    if (!answers || answers.length === 0) throw new InputError(path, line, 'no "answer" (a string or a list of strings)');
    items.push({ question: value.question, answers });
  }
  if (items.length === 0) throw new InputError(path, undefined, "no questions (the file is empty)");
  return items;
}
