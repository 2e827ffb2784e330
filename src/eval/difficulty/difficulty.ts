import PQueue from "p-queue";
import { InputError, UnusableReplyError } from "../../errors.js";
import type { LanguageModel, Sampling } from "../../llm/port.js";
import { completeStructured } from "../../llm/structured/complete-structured.js";
import { seededRandom } from "../../random.js";
import type { InstructionRecord } from "../dataset.js";
import { difficultyPrompt, difficultySchema } from "../judge-prompts.js";
import { wilsonInterval } from "./wilson-interval.js";

export type Side = "A" | "B";
export type Verdict = Side | "tie" | "invalid";

export interface DocumentVerdict {
  articleIndex: number;
  /** Instructions compared from each dataset (both truncated to the smaller list). */
  size: number;
  verdicts: Array<{ shownFirst: Side; harder: Verdict; reason: string }>;
  outcome: Verdict;
}

export interface DifficultyReport {
  documents: number;
  winsA: number;
  winsB: number;
  ties: number;
  invalid: number;
  /** Shares of all compared documents, each with a 95% Wilson interval. */
  rateA: number;
  rateB: number;
  intervalA: [number, number];
  intervalB: [number, number];
  perDocument: DocumentVerdict[];
}

export interface DifficultyOptions {
  judge: LanguageModel;
  a: { name: string; records: InstructionRecord[] };
  b: { name: string; records: InstructionRecord[] };
  /** Document texts by article_index. */
  documents: readonly string[];
  seed?: number;
  /** Ask twice with the sets swapped; a win counts only when both verdicts agree. */
  bothOrders?: boolean;
  concurrency?: number;
  /** Times an unusable verdict is asked for again. Default 3. */
  maxReasks?: number;
  sampling?: Sampling;
}

function byDocument(name: string, records: InstructionRecord[], documents: number): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  const outside: number[] = [];
  for (const record of records) {
    if (record.articleIndex === undefined) throw new InputError(name, undefined, 'records need "article_index" to be compared document by document');
    if (record.articleIndex >= documents) outside.push(record.articleIndex);
    const list = groups.get(record.articleIndex) ?? [];
    list.push(record.instruction);
    groups.set(record.articleIndex, list);
  }
  if (outside.length > 0) {
    const shown = [...new Set(outside)].slice(0, 5).join(", ");
    throw new InputError(name, undefined, `article_index ${shown} not in the corpus, which has ${documents} documents: is it the corpus these records were made from?`);
  }
  return groups;
}

/**
 * Pairwise difficulty, as the paper measures it: for every document present in both datasets, a
 * judge sees both instruction sets (truncated to the same size, shown in a seeded random order)
 * and says which is harder.
 */
export async function compareDifficulty(options: DifficultyOptions): Promise<DifficultyReport> {
  const groupsA = byDocument(options.a.name, options.a.records, options.documents.length);
  const groupsB = byDocument(options.b.name, options.b.records, options.documents.length);
  const shared = [...groupsA.keys()].filter((index) => groupsB.has(index)).sort((x, y) => x - y);
  if (shared.length === 0) throw new InputError(options.b.name, undefined, `no document has instructions in both ${options.a.name} and ${options.b.name}`);
  const queue = new PQueue({ concurrency: options.concurrency ?? 16 });
  const sampling = options.sampling ?? { temperature: 0 };

  const ask = async (document: string, first: string[], second: string[], shownFirst: Side) => {
    try {
      const { value } = await queue.add(() =>
        completeStructured(options.judge, { messages: difficultyPrompt(document, first, second), sampling, schema: difficultySchema }, {
          maxReasks: options.maxReasks ?? 3,
        }),
      );
      const harder: Verdict = value.harder === "tie" ? "tie" : (value.harder === "1") === (shownFirst === "A") ? "A" : "B";
      return { shownFirst, harder, reason: value.reason };
    } catch (error) {
      if (!(error instanceof UnusableReplyError)) throw error;
      return { shownFirst, harder: "invalid" as const, reason: error.message };
    }
  };

  const perDocument = await Promise.all(
    shared.map(async (articleIndex): Promise<DocumentVerdict> => {
      const size = Math.min(groupsA.get(articleIndex)!.length, groupsB.get(articleIndex)!.length);
      const a = groupsA.get(articleIndex)!.slice(0, size);
      const b = groupsB.get(articleIndex)!.slice(0, size);
      const document = options.documents[articleIndex]!;
      const aFirst = seededRandom(options.seed ?? 0, "difficulty", articleIndex).int(0, 1) === 0;
      const orders: Side[] = options.bothOrders ? ["A", "B"] : [aFirst ? "A" : "B"];
      const verdicts = await Promise.all(orders.map((first) => (first === "A" ? ask(document, a, b, "A") : ask(document, b, a, "B"))));
      return { articleIndex, size, verdicts, outcome: combine(verdicts.map((v) => v.harder)) };
    }),
  );

  const count = (v: Verdict) => perDocument.filter((d) => d.outcome === v).length;
  const [winsA, winsB, ties, invalid] = [count("A"), count("B"), count("tie"), count("invalid")];
  const n = perDocument.length;
  return {
    documents: n,
    winsA,
    winsB,
    ties,
    invalid,
    rateA: winsA / n,
    rateB: winsB / n,
    intervalA: wilsonInterval(winsA, n),
    intervalB: wilsonInterval(winsB, n),
    perDocument,
  };
}

/** One verdict stands; two count as a win only when they agree, and as a tie when they do not. */
function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.includes("invalid")) return "invalid";
  return verdicts.every((v) => v === verdicts[0]) ? verdicts[0]! : "tie";
}
