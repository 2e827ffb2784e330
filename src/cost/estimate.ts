/**
 * What a run will cost before any call is made (`foveate synth --dry-run`): the calls the method
 * makes per document, the prompt tokens they send and the completion tokens they get back, from
 * the real prompt builders and a few stated assumptions.
 */
import { estimateTokens } from "../corpus/estimate-tokens.js";
import type { ChatMessage } from "../llm/port.js";
import { isLevel, type Level } from "../method/levels.js";
import {
  answerPrompt,
  macroInstructionsPrompt,
  macroSentencesPrompt,
  microElementsPrompt,
  microInstructionsPrompt,
  resynthesisPrompt,
  scatterImportancePrompt,
  scatterInstructionsPrompt,
  scatterKeywordsPrompt,
  selfQaPrompt,
  SYSTEM_PROMPT,
} from "../method/prompts.js";
import { describeFailure, failure, type FailureReason } from "../method/failure.js";
import { groupSizes, keywordCount } from "../method/scatter-groups.js";
import { selfQaItemCount } from "../method/self-qa.js";
import { costOf, formatUsd, PRICES_AS_OF, type Price } from "./prices.js";

export interface RunEstimateInput {
  /** The documents themselves, or their number and estimated tokens in all. */
  documents: Array<{ text: string }> | { count: number; totalTokens: number };
  method: "foveate" | "self-qa";
  /** Instructions per document and level (self-qa asks mu x levels pairs per document). */
  mu: number;
  levels: readonly string[];
  /** Re-synthesis rounds allowed (0: no re-synthesis). */
  maxRounds: number;
  /** Whether the scatter importance step runs. */
  important: boolean;
}

export interface RunEstimate {
  documents: number;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /**
   * Prompt tokens that repeat the prefix (system prompt and document) of an earlier call about the
   * same document: what a provider's prefix cache could serve at the cached rate, at best.
   */
  cacheablePromptTokens: number;
  assumptions: string[];
}

/** The stated assumptions, in tokens unless said otherwise. */
const ASSUME = {
  /** Share of items whose first instruction fails and is re-synthesized once. */
  failureRate: 0.15,
  element: 5,
  keyword: 3,
  sentence: 30,
  instruction: 30,
  answer: 200,
  /** JSON punctuation per list item, and around a whole reply. */
  perItem: 3,
  perReply: 10,
  /** Chat formatting per message (role markers, separators). */
  perMessage: 4,
  /** Successful examples shown in a re-synthesis prompt (the --shots default). */
  shots: 3,
  /** Core and major keywords picked by the importance step (as in --important 2 3). */
  core: 2,
  major: 3,
};

/** A sample of about `tokens` estimated tokens, to fill the prompt builders' feature slots. */
const filler = (tokens: number) => "abcd".repeat(tokens);
const fillers = (count: number, tokens: number) => Array.from({ length: count }, () => filler(tokens));
const SAMPLE_DOCUMENT = "A sample document.";

/** One kind of call: how many per document, its prompt without the document, its reply. */
interface Step {
  calls: number;
  /** Answers and re-synthesis: calls made per item, whose number depends on how the items fare. */
  perItem?: true;
  /** Prompt tokens besides the document's own: system prompt, tags, task, chat formatting. */
  overhead: number;
  completion: number;
}

/** The prompt's tokens less the sample document's, measured on the real prompt builder's output. */
function overheadOf(messages: ChatMessage[]): number {
  const text = messages.reduce((n, m) => n + estimateTokens(m.content) + ASSUME.perMessage, 0);
  return text - estimateTokens(SAMPLE_DOCUMENT);
}

const listReply = (count: number, itemTokens: number) => ASSUME.perReply + count * (itemTokens + ASSUME.perItem);

/** The calls of one level for one document with budget n. */
function levelSteps(level: Level, n: number, important: boolean, maxRounds: number): Step[] {
  const doc = SAMPLE_DOCUMENT;
  const instructions = fillers(n, ASSUME.instruction);
  const steps: Step[] = [];
  let feature: unknown;
  if (level === "micro") {
    const elements = fillers(n, ASSUME.element);
    feature = elements[0];
    steps.push(
      { calls: 1, overhead: overheadOf(microElementsPrompt(doc, n, [])), completion: listReply(n, ASSUME.element) },
      { calls: 1, overhead: overheadOf(microInstructionsPrompt(doc, elements)), completion: listReply(n, ASSUME.instruction) },
    );
  } else if (level === "scatter") {
    const k = keywordCount(n);
    const keywords = fillers(k, ASSUME.keyword);
    const { singles, pairs, triples } = groupSizes(n);
    const groups = [...Array(singles).fill(1), ...Array(pairs).fill(2), ...Array(triples).fill(3)].map((size: number) =>
      fillers(size, ASSUME.keyword),
    );
    feature = groups.at(-1);
    steps.push({ calls: 1, overhead: overheadOf(scatterKeywordsPrompt(doc, k, [])), completion: listReply(k, ASSUME.keyword) });
    if (important) {
      const prompt = scatterImportancePrompt(doc, keywords, ASSUME.core, ASSUME.major);
      steps.push({ calls: 1, overhead: overheadOf(prompt), completion: 2 * ASSUME.perReply + (ASSUME.core + ASSUME.major) * (ASSUME.keyword + ASSUME.perItem) });
    }
    steps.push({ calls: 1, overhead: overheadOf(scatterInstructionsPrompt(doc, groups)), completion: listReply(n, ASSUME.instruction) });
  } else {
    const sentences = fillers(n, ASSUME.sentence);
    feature = sentences[0];
    steps.push(
      { calls: 1, overhead: overheadOf(macroSentencesPrompt(doc, n, [], [])), completion: listReply(n, ASSUME.sentence) },
      { calls: 1, overhead: overheadOf(macroInstructionsPrompt(doc, sentences)), completion: listReply(n, ASSUME.instruction) },
    );
  }
  const answer: Step = { calls: n, perItem: true, overhead: overheadOf(answerPrompt(doc, instructions[0]!)), completion: ASSUME.answer + ASSUME.perReply };
  steps.push(answer);
  if (maxRounds > 0) {
    const failed = ASSUME.failureRate * n;
    const shots = fillers(Math.min(ASSUME.shots, n - 1), ASSUME.instruction).map((instruction) => ({ feature, instruction }));
    // The prompt names why the item failed; "unanswerable" is the commonest reason.
    const prompt = resynthesisPrompt(doc, level, feature, shots, instructions[0]!, describeFailure(failure("unanswerable")));
    steps.push(
      { calls: failed, perItem: true, overhead: overheadOf(prompt), completion: ASSUME.instruction + ASSUME.perReply },
      { ...answer, calls: failed },
    );
  }
  return steps;
}

function selfQaSteps(n: number): Step[] {
  const pair = ASSUME.instruction + ASSUME.answer + 2 * ASSUME.perItem;
  return [{ calls: 1, overhead: overheadOf(selfQaPrompt(SAMPLE_DOCUMENT, n)), completion: listReply(n, pair) }];
}

function assumptionsFor(input: RunEstimateInput): string[] {
  const a = ASSUME;
  const lines = [
    "tokens estimated without a tokenizer: about 4 characters per token, 1 per CJK, Hangul, Kana or Thai character",
    `every call sends the system prompt, the whole document and its task, plus about ${a.perMessage} tokens of chat formatting per message`,
  ];
  if (input.method === "self-qa") {
    const pairs = selfQaItemCount(input.mu, input.levels.filter(isLevel));
    lines.push(`one call per document asks for ${pairs} pairs (mu x levels, as many as foveate's levels together); each takes about ${a.instruction} tokens of question and ${a.answer} of answer`);
  } else {
    lines.push(
      `every document yields the full budget of ${input.mu} features per level (short documents yield fewer)`,
      "one extraction call per level (more when the model returns too few features or quotes sentences not in the document)",
      `replies: about ${a.element} tokens per element, ${a.keyword} per keyword, ${a.sentence} per sentence, ${a.instruction} per instruction, ${a.answer} per answer, plus JSON punctuation`,
      input.maxRounds > 0
        ? `${Math.round(a.failureRate * 100)}% of items fail once and are re-synthesized (showing ${a.shots} earlier successes) and answered again, one round on average`
        : "no re-synthesis (--max-rounds 0)",
    );
    if (input.important) lines.push(`the importance step picks ${a.core} core and ${a.major} major keywords`);
  }
  lines.push(
    "not included: transport retries, replies asked for again after failing validation, and the hidden reasoning tokens that reasoning models bill as output",
  );
  return lines;
}

/** The method's settings that decide how many calls a document takes, given its budget. */
export type CallPlanInput = Omit<RunEstimateInput, "documents" | "mu">;

function checkPlanInput(input: CallPlanInput, mu: number): void {
  if (!Number.isInteger(mu) || mu < 1) throw new RangeError(`mu must be a positive integer, got ${mu}`);
  const unknown = input.levels.filter((l) => !isLevel(l));
  if (unknown.length > 0) throw new RangeError(`unknown level ${unknown.map((l) => `"${l}"`).join(", ")}`);
}

/** Every call of one document whose budget is n, by step. */
function documentSteps(input: CallPlanInput, n: number): Step[] {
  return input.method === "self-qa"
    ? selfQaSteps(selfQaItemCount(n, input.levels.filter(isLevel)))
    : input.levels.filter(isLevel).flatMap((level) => levelSteps(level, n, input.important, input.maxRounds));
}

/** The calls one document of budget `n` is expected to take, under the estimate's assumptions. */
export interface DocumentCalls {
  /** Extraction and synthesis: one call per step, however the items fare. */
  fixed: number;
  /** Answers and re-synthesis: calls per item, more when more items fail (see finishedItemCalls). */
  perItem: number;
}

/** The calls of one document of budget `n` (instructions per level): what a run's progress plans with. */
export function documentCalls(input: CallPlanInput, n: number): DocumentCalls {
  checkPlanInput(input, n);
  const calls = { fixed: 0, perItem: 0 };
  for (const step of documentSteps(input, n)) calls[step.perItem ? "perItem" : "fixed"] += step.calls;
  return calls;
}

/** The counts of the items of finished documents at one level, as the run's statistics keep them. */
export interface ItemTally {
  /** Instructions asked for. */
  budget: number;
  /** Features found: one item each. */
  features: number;
  /** Items kept thanks to re-synthesis. */
  recovered: number;
  /** Items dropped after every round, by reason. */
  droppedReasons: Record<string, number>;
}

/** Failures found in the instruction itself, before it is answered: such an item makes no answer call. */
const BEFORE_THE_ANSWER: ReadonlySet<string> = new Set<FailureReason>([
  "no usable instruction",
  "unusable re-synthesis reply",
  "missing keyword",
  "contains its answer",
  "quotes its sentence",
]);

/**
 * The item calls (answers and re-synthesis) that finished documents took, and those the estimate
 * planned for them.
 *
 * What they took is counted from their items: an answer per item, and per re-synthesis round a new
 * instruction and its answer. An item dropped after re-synthesis went through every round; one
 * dropped for a fault of its instruction is taken to have had that fault every time, and so no
 * answer. A recovered item is counted at one round, which it took at least.
 */
export function finishedItemCalls(levels: Iterable<ItemTally>, maxRounds: number): { planned: number; took: number } {
  const resynthesisCallsPerItem = maxRounds > 0 ? 2 * ASSUME.failureRate : 0;
  let planned = 0;
  let took = 0;
  for (const level of levels) {
    planned += level.budget * (1 + resynthesisCallsPerItem);
    let dropped = 0;
    let unanswered = 0;
    for (const [reason, count] of Object.entries(level.droppedReasons)) {
      dropped += count;
      if (BEFORE_THE_ANSWER.has(reason)) unanswered += count;
    }
    const answered = dropped - unanswered;
    took += level.features - unanswered + 2 * level.recovered + maxRounds * (2 * answered + unanswered);
  }
  return { planned, took };
}

/** Calls and tokens of a run, before it starts. */
export function estimateRun(input: RunEstimateInput): RunEstimate {
  checkPlanInput(input, input.mu);

  const { count, totalTokens } = Array.isArray(input.documents)
    ? { count: input.documents.length, totalTokens: input.documents.reduce((n, d) => n + estimateTokens(d.text), 0) }
    : input.documents;
  const steps = documentSteps(input, input.mu);

  const callsPerDocument = steps.reduce((n, s) => n + s.calls, 0);
  const overheadPerDocument = steps.reduce((n, s) => n + s.calls * s.overhead, 0);
  const completionPerDocument = steps.reduce((n, s) => n + s.calls * s.completion, 0);
  // The shared prefix of every call about a document, sent again by all but its first call.
  const repeats = Math.max(0, callsPerDocument - 1);
  const prefix = count * estimateTokens(SYSTEM_PROMPT) + totalTokens;
  return {
    documents: count,
    calls: Math.round(count * callsPerDocument),
    promptTokens: Math.round(count * overheadPerDocument + callsPerDocument * totalTokens),
    completionTokens: Math.round(count * completionPerDocument),
    cacheablePromptTokens: Math.round(repeats * prefix),
    assumptions: assumptionsFor(input),
  };
}
