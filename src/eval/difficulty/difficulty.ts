import PQueue from "p-queue";
import { InputError, UnusableReplyError } from "../../errors.js";
import type { LanguageModel, Sampling } from "../../llm/port.js";
import { completeStructured } from "../../llm/structured/complete-structured.js";
import { seededRandom } from "../../random.js";
import type { InstructionRecord } from "../dataset.js";
import { difficultyPrompt, difficultySchemaFor, type DifficultyVerdictStyle } from "../judge-prompts.js";
import { corpusOrder, groupByDocument, type CorpusDocument, type DocumentGroup } from "./document-groups.js";
import { stratifiedSample } from "./stratified-sample.js";
import { wilsonInterval } from "./wilson-interval.js";

export type Side = "A" | "B";
export type Verdict = Side | "tie" | "invalid";

export interface DocumentVerdict {
  /** `article_index` of the document (or chunk) in dataset A's records, else B's, when they give one. */
  articleIndex?: number;
  sourceId: string;
  /** For a chunk of a long document: its offsets [start, end) in the document. */
  sourceSpan?: [number, number];
  /** Instructions compared from each dataset (a sample of the larger list, as long as the smaller). */
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
  /** Things the reader should know about the comparison, one line each (e.g. datasets of different sizes). */
  warnings: string[];
}

export interface DifficultyOptions {
  judge: LanguageModel;
  a: { name: string; records: InstructionRecord[] };
  b: { name: string; records: InstructionRecord[] };
  /**
   * The corpus as read, whole: records are looked up by `source_id` (and cut to `source_span`),
   * or by `article_index` when they have no `source_id`.
   */
  documents: readonly CorpusDocument[];
  /** Seed of the samples and the presentation order. */
  seed?: number;
  /** Ask twice with the sets swapped; a win counts only when both verdicts agree. */
  bothOrders?: boolean;
  /** "forced": the judge must pick a set, and a tie is an invalid verdict (the paper's). Default "ties". */
  verdict?: DifficultyVerdictStyle;
  concurrency?: number;
  /** Times an unusable verdict is asked for again. Default 3. */
  maxReasks?: number;
  sampling?: Sampling;
}

/**
 * Pairwise difficulty, as the paper measures it: for every document (or chunk) present in both
 * datasets, a judge sees it and both instruction sets, cut to the same size, shown in a seeded
 * random order, and says which set is harder. The larger set is cut by a seeded random sample that
 * keeps each level's share, not by taking its first items (which in foveate's output are all micro,
 * the easiest level).
 */
export async function compareDifficulty(options: DifficultyOptions): Promise<DifficultyReport> {
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(message);
  const groupsA = groupByDocument(options.a.name, options.a.records, options.documents, warn);
  const groupsB = groupByDocument(options.b.name, options.b.records, options.documents, warn);
  const shared = [...groupsA.values()].filter((group) => groupsB.has(group.key)).sort(corpusOrder);
  if (shared.length === 0) throw new InputError(options.b.name, undefined, `no document has instructions in both ${options.a.name} and ${options.b.name}`);
  const queue = new PQueue({ concurrency: options.concurrency ?? 16 });
  const sampling = options.sampling ?? { temperature: 0 };
  const style = options.verdict ?? "ties";
  const schema = difficultySchemaFor(style);

  const ask = async (document: string, first: string[], second: string[], shownFirst: Side) => {
    try {
      const { value } = await queue.add(() =>
        completeStructured(options.judge, { messages: difficultyPrompt(document, first, second, style), sampling, schema }, {
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

  const seed = options.seed ?? 0;
  const perDocument = await Promise.all(
    shared.map(async (groupA): Promise<DocumentVerdict> => {
      const groupB = groupsB.get(groupA.key)!;
      const size = Math.min(groupA.records.length, groupB.records.length);
      const sample = (side: Side, group: DocumentGroup) =>
        stratifiedSample(group.records, size, levelOf, seededRandom(seed, "difficulty-sample", side, group.key)).map((r) => r.instruction);
      const [a, b] = [sample("A", groupA), sample("B", groupB)];
      // A whole document keeps the draw it had when documents were keyed by position alone.
      const aFirst = seededRandom(seed, "difficulty", groupA.span ? groupA.key : groupA.position).int(0, 1) === 0;
      const orders: Side[] = options.bothOrders ? ["A", "B"] : [aFirst ? "A" : "B"];
      const text = groupA.text;
      const verdicts = await Promise.all(orders.map((first) => (first === "A" ? ask(text, a, b, "A") : ask(text, b, a, "B"))));
      const articleIndex = groupA.articleIndex ?? groupB.articleIndex;
      return {
        ...(articleIndex !== undefined ? { articleIndex } : {}),
        sourceId: groupA.sourceId,
        ...(groupA.span ? { sourceSpan: groupA.span } : {}),
        size,
        verdicts,
        outcome: combine(verdicts.map((v) => v.harder)),
      };
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
    warnings: [...warnings, ...sizeWarning(options.a, options.b)],
  };
}

const levelOf = (record: InstructionRecord) => record.level ?? "";

/** Datasets of different sizes are compared on samples of the larger one: said in one line. */
function sizeWarning(a: DifficultyOptions["a"], b: DifficultyOptions["b"]): string[] {
  const [na, nb] = [a.records.length, b.records.length];
  if (na === nb) return [];
  return [
    `the datasets differ in size (${a.name}: ${na} instructions, ${b.name}: ${nb}); each document's larger set is cut to a random sample ` +
      "of the smaller one's size, each level keeping its share (Self-QA asks mu x levels per document to match foveate)",
  ];
}

/** One verdict stands; two count as a win only when they agree, and as a tie when they do not. */
function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.includes("invalid")) return "invalid";
  return verdicts.every((v) => v === verdicts[0]) ? verdicts[0]! : "tie";
}
