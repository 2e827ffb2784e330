import { UnusableReplyError } from "../errors.js";
import type { RawReply } from "../llm/structured/complete-structured.js";
import { seededRandom } from "../random.js";
import { answerInstruction } from "./answer.js";
import type { DocumentContext } from "./context.js";
import { describeFailure, failure, type Failure, type FailureReason } from "./failure.js";
import { answerFailure, instructionFailure } from "./item-checks.js";
import type { LevelPlan } from "./level-plan.js";
import type { Level } from "./levels.js";
import { resynthesisPrompt } from "./prompts.js";
import { provenance, type SynthRecord } from "./record.js";
import { drawShots, succeeded, type Item } from "./item.js";
import { replyOf } from "./reply-of.js";
import { resynthesisSchema } from "./schemas.js";

/** An item given up on: its feature, its last instruction, why it failed and the reply that failed it. */
export interface DroppedItem {
  features: string[];
  instruction: string;
  failure: FailureReason;
  /** What the failure is about, when that helps: the missing keywords, whether the instruction or the answer broke a rule. */
  detail?: string;
  rounds: number;
  /**
   * The last reply about the item, as the model gave it, and that reply's token usage (for a
   * reply about several items, such as the first instructions, the whole reply's). Absent in
   * stores written before items kept it.
   */
  reply?: RawReply;
}

export interface LevelOutcome {
  level: Level | "self-qa";
  /** Instructions asked for. */
  budget: number;
  /** Features the document yielded (at most the budget). */
  features: number;
  /**
   * Of the budget, features the document could not yield after the extra asks (the model found no
   * more). Absent in stores written before it was counted: not known.
   */
  notYielded?: number;
  /** Of the budget, features lost because an extraction reply stayed cut off or unusable. Absent in older stores: not known. */
  lostToUnusable?: number;
  /** Extraction requests whose reply stayed cut off or unusable after its re-asks. Absent in older stores: not known. */
  unusableExtractions?: number;
  records: SynthRecord[];
  /** Items that still failed after every re-synthesis round. */
  dropped: DroppedItem[];
  /** Items kept thanks to re-synthesis. */
  recovered: number;
  /** Length of the longest chain of calls that had to wait for one another. */
  chain: number;
}

/** Why an instruction cannot be kept before it is answered: none, a level's rule, a rule of every level. */
function instructionBroken<F>(ctx: DocumentContext, plan: LevelPlan<F>, item: Item<F>): Failure | undefined {
  if (item.instruction.length === 0) return failure("no usable instruction");
  return plan.ruleBroken(item.instruction, item.feature) ?? instructionFailure(ctx.document.text, item.instruction);
}

/** Check the instruction's rules, then answer and check the answer's: sets the item's answer or its failure. */
async function settle<F>(ctx: DocumentContext, plan: LevelPlan<F>, item: Item<F>): Promise<void> {
  delete item.answer;
  const broken = instructionBroken(ctx, plan, item);
  if (broken !== undefined) {
    item.failure = broken;
    return;
  }
  const outcome = await answerInstruction(ctx, item.instruction);
  item.reply = outcome.reply;
  if (!outcome.ok) {
    item.failure = outcome.failure;
    return;
  }
  const answerBroken = plan.answerBroken?.(outcome.answer, item.feature) ?? answerFailure(ctx.document.text, outcome.answer);
  if (answerBroken !== undefined) {
    item.failure = answerBroken;
    return;
  }
  item.answer = outcome.answer;
  delete item.failure;
}

/** A new instruction for the item's feature, shown successful examples and the failed one. */
async function resynthesize<F>(ctx: DocumentContext, plan: LevelPlan<F>, items: readonly Item<F>[], item: Item<F>, round: number): Promise<void> {
  const random = seededRandom(ctx.seed, ctx.document.index, plan.level, round, item.index);
  // The round's calls, the re-synthesis and the answer after it, are marked with their round.
  const roundCtx: DocumentContext = { ...ctx, ask: (kind, messages, schema, check) => ctx.ask(kind, messages, schema, check, { level: plan.level, round }) };
  const shots = drawShots(items, ctx.settings.shots, random, plan.promptFeature);
  if (item.failure?.reason !== "unusable re-synthesis reply") item.instructionFailure = item.failure;
  const why = describeFailure(item.instructionFailure ?? failure("unanswerable"));
  const prompt = resynthesisPrompt(ctx.document.text, plan.level, plan.promptFeature(item.feature), shots, item.instruction, why);
  item.rounds = round;
  try {
    const { value, reply } = await roundCtx.ask("resynthesize", prompt, resynthesisSchema);
    item.instruction = value.instruction;
    item.reply = reply;
  } catch (error) {
    if (!(error instanceof UnusableReplyError)) throw error;
    item.failure = failure("unusable re-synthesis reply");
    item.reply = replyOf(error);
    return;
  }
  await settle(roundCtx, plan, item);
}

/**
 * One level for one document: features, instructions, answers in parallel, then up to
 * `maxRounds` rounds of re-synthesis for the failures. Rounds run in lockstep so that the examples
 * a round draws from (the successes so far) do not depend on the order replies arrive in.
 */
export async function runLevel<F>(documentCtx: DocumentContext, plan: LevelPlan<F>): Promise<LevelOutcome> {
  // Extraction requests follow one another; counting them gives the level's chain of calls.
  let extractions = 0;
  let unusableExtractions = 0;
  const ctx: DocumentContext = {
    ...documentCtx,
    ask: (kind, messages, schema, check, place = { level: plan.level, round: 0 }) => {
      if (kind !== "extract") return documentCtx.ask(kind, messages, schema, check, place);
      extractions++;
      return documentCtx.ask(kind, messages, schema, check, place).catch((error: unknown) => {
        if (error instanceof UnusableReplyError) unusableExtractions++;
        throw error;
      });
    },
  };
  const { features, cutOff } = await plan.extract(ctx);
  const missing = Math.max(0, ctx.budget - features.length);
  let instructions: string[] = [];
  let reply: RawReply | undefined;
  if (features.length > 0) {
    try {
      ({ instructions, reply } = await plan.synthesize(ctx, features));
    } catch (error) {
      // Every item then starts as a failure and goes to re-synthesis, one feature at a time.
      if (!(error instanceof UnusableReplyError)) throw error;
      reply = replyOf(error);
    }
  }
  const items: Item<F>[] = features.map((feature, index) => ({
    index,
    feature,
    instruction: instructions[index] ?? "",
    rounds: 0,
    ...(reply ? { reply } : {}),
  }));
  // The pipeline learns at once that a failed item's next round will come, to start such levels first.
  const tellAhead = (item: Item<F>) => {
    if (!succeeded(item) && item.rounds < ctx.settings.maxRounds) ctx.ahead?.({ level: plan.level, round: item.rounds + 1 });
  };
  await Promise.all(items.map((item) => settle(ctx, plan, item).then(() => tellAhead(item))));
  let rounds = 0;
  for (let round = 1; round <= ctx.settings.maxRounds; round++) {
    const failed = items.filter((item) => !succeeded(item));
    if (failed.length === 0) break;
    rounds = round;
    await Promise.all(failed.map((item) => resynthesize(ctx, plan, items, item, round).then(() => tellAhead(item))));
  }

  const dropped = items
    .filter((item) => !succeeded(item))
    .map((item) => ({
      features: plan.recordFeatures(item.feature),
      instruction: item.instruction,
      failure: item.failure!.reason,
      ...(item.failure!.detail !== undefined ? { detail: item.failure!.detail } : {}),
      rounds: item.rounds,
      ...(item.reply ? { reply: item.reply } : {}),
    }));
  const kept = items.filter(succeeded);
  return {
    level: plan.level,
    budget: ctx.budget,
    features: features.length,
    notYielded: cutOff ? 0 : missing,
    lostToUnusable: cutOff ? missing : 0,
    unusableExtractions,
    records: kept.map((item) => ({
      instruction: item.instruction,
      output: item.answer!,
      level: plan.level,
      features: plan.recordFeatures(item.feature),
      resynthesized: item.rounds > 0,
      rounds: item.rounds,
      // A macro record's place is its sentence's; the others' is where their text starts.
      ...provenance(ctx.document, plan.offsets?.(item.feature)[0]?.[0]),
      ...(plan.offsets ? { offsets: plan.offsets(item.feature) } : {}),
    })),
    dropped,
    recovered: kept.filter((item) => item.rounds > 0).length,
    chain: extractions + (features.length > 0 ? 2 : 0) + 2 * rounds,
  };
}
