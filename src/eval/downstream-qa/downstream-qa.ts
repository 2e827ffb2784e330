import PQueue from "p-queue";
import { UnusableReplyError } from "../../errors.js";
import type { LanguageModel, Sampling } from "../../llm/port.js";
import { completeStructured } from "../../llm/structured/complete-structured.js";
import type { QaItem } from "../dataset.js";
import { qaJudgePrompt, qaJudgeSchema, qaVerdictPrompt, qaVerdictSchema, type QaJudgeStyle } from "../judge-prompts.js";
import { mean, sampleStd } from "./sample-statistics.js";
import { bestOverlap } from "./squad-metrics.js";

/** Bump when the closed-book question prompt changes, so cached answers to the older one are not reused. */
export const CLOSED_BOOK_PROMPT_VERSION = 1;

export interface QaRound {
  round: number;
  precision: number;
  recall: number;
  f1: number;
  /** Share judged correct among the answers the judge gave a usable verdict on. */
  accuracy?: number;
  /** Judge replies that stayed unusable. */
  invalidJudgements: number;
}

export interface QaReport {
  questions: number;
  rounds: QaRound[];
  mean: { precision: number; recall: number; f1: number; accuracy?: number };
  /** Sample standard deviation over rounds. */
  std: { precision: number; recall: number; f1: number; accuracy?: number };
}

export interface QaOptions {
  /** The model under test, asked closed-book. */
  target: LanguageModel;
  /** Grades answers against the reference; without one, no accuracy. */
  judge?: LanguageModel;
  /** How the judge gives its verdict: true or false (default), or Correct or Incorrect (the paper's). */
  judgeStyle?: QaJudgeStyle;
  items: QaItem[];
  rounds?: number;
  /** Default: temperature 0.5, top-p 0.95, at most 256 tokens. */
  sampling?: Sampling;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Downstream QA accuracy of a model: every question is asked closed-book (an empty system prompt)
 * in each round; answers are scored by token-set precision, recall and F1 after SQuAD
 * normalisation (macro-averaged) and, with a judge, by accuracy. Each round sends its own seed, so
 * rounds are distinct requests (and distinct entries of a reply cache).
 */
export async function evaluateQa(options: QaOptions): Promise<QaReport> {
  const rounds = options.rounds ?? 5;
  const sampling = options.sampling ?? { temperature: 0.5, topP: 0.95, maxTokens: 256 };
  const queue = new PQueue({ concurrency: options.concurrency ?? 16 });
  const total = rounds * options.items.length;
  let done = 0;

  const scoreOne = async (item: QaItem, round: number) => {
    const completion = await queue.add(() =>
      options.target.complete({
        messages: [
          { role: "system", content: "" },
          { role: "user", content: item.question },
        ],
        sampling: { ...sampling, seed: round },
      }),
    );
    const answer = completion.text.trim();
    const overlap = bestOverlap(answer, item.answers);
    let correct: boolean | undefined;
    const judge = options.judge;
    if (judge) {
      try {
        correct = await queue.add(() => judgeAnswer(judge, options.judgeStyle ?? "true-false", item, answer));
      } catch (error) {
        if (!(error instanceof UnusableReplyError)) throw error;
      }
    }
    options.onProgress?.(++done, total);
    return { overlap, correct };
  };

  // Every round goes out at once, so the concurrency limit stays busy across rounds.
  const roundNumbers = Array.from({ length: rounds }, (_, i) => i + 1);
  const scoredRounds = await Promise.all(roundNumbers.map((round) => Promise.all(options.items.map((item) => scoreOne(item, round)))));
  const results: QaRound[] = scoredRounds.map((scored, i) => {
    const round = i + 1;
    const judged = scored.filter((s) => s.correct !== undefined);
    return {
      round,
      precision: mean(scored.map((s) => s.overlap.precision)),
      recall: mean(scored.map((s) => s.overlap.recall)),
      f1: mean(scored.map((s) => s.overlap.f1)),
      ...(options.judge ? { accuracy: judged.length > 0 ? judged.filter((s) => s.correct).length / judged.length : Number.NaN } : {}),
      invalidJudgements: options.judge ? scored.length - judged.length : 0,
    };
  });
  const of = (key: "precision" | "recall" | "f1" | "accuracy") => results.map((r) => r[key] ?? Number.NaN);
  const summary = (f: (v: number[]) => number) => ({
    precision: f(of("precision")),
    recall: f(of("recall")),
    f1: f(of("f1")),
    ...(options.judge ? { accuracy: f(of("accuracy")) } : {}),
  });
  return { questions: options.items.length, rounds: results, mean: summary(mean), std: summary(sampleStd) };
}

/** The judge's verdict on one answer, in the style asked for; an unusable reply throws UnusableReplyError. */
async function judgeAnswer(judge: LanguageModel, style: QaJudgeStyle, item: QaItem, answer: string): Promise<boolean> {
  const sampling = { temperature: 0 };
  if (style === "correct-incorrect") {
    const request = { messages: qaVerdictPrompt(item.question, item.answers, answer), sampling, schema: qaVerdictSchema };
    return (await completeStructured(judge, request, { maxReasks: 3 })).value.verdict === "Correct";
  }
  const request = { messages: qaJudgePrompt(item.question, item.answers, answer), sampling, schema: qaJudgeSchema };
  return (await completeStructured(judge, request, { maxReasks: 3 })).value.correct;
}
