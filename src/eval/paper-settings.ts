/**
 * The authors' evaluation settings, as a preset (`eval --paper`), and the one-line caveat every
 * evaluation prints when it runs with other settings. Pure functions of the options.
 */
import { DEFAULT_API_EMBED_MODEL, DEFAULT_API_MODEL } from "../llm/engine-choice.js";
import type { DifficultyVerdictStyle, QaJudgeStyle } from "./judge-prompts.js";

export type EvalCommand = "diversity" | "difficulty" | "qa" | "compare";

/**
 * The authors' settings. The model of their accuracy judge is not among them; the preset uses
 * gpt-4o, their difficulty judge, for it too. The closed-book sampling is foveate's default already.
 */
export const PAPER_SETTINGS = {
  judgeModel: "gpt-4o",
  verdict: "forced",
  judgeStyle: "correct-incorrect",
  repetitionPenalty: 1.02,
  embedModel: "sentence-transformers/paraphrase-multilingual-mpnet-base-v2",
  rounds: 5,
  temperature: 0.5,
  topP: 0.95,
  maxTokens: 256,
} as const;

/** The options that decide whether an evaluation is run as the paper ran it. */
export interface PaperComparableOptions {
  /** Fill in the paper's settings where no other is given. */
  paper?: boolean | undefined;
  judgeModel?: string | undefined;
  verdict?: DifficultyVerdictStyle | undefined;
  judgeStyle?: QaJudgeStyle | undefined;
  repetitionPenalty?: number | undefined;
  embeddings?: boolean | undefined;
  embedModel?: string | undefined;
  corpus?: string | undefined;
  rounds?: number | undefined;
  temperature?: number | undefined;
  topP?: number | undefined;
  maxTokens?: number | undefined;
}

const usesEmbeddings = (command: EvalCommand) => command === "diversity" || command === "compare";
const usesDifficultyJudge = (command: EvalCommand) => command === "difficulty" || command === "compare";

/**
 * The options with the paper's settings wherever the caller gave none, for what `command`
 * measures; an explicit setting always wins. Options without `paper` come back as they are.
 */
export function withPaperSettings<O extends PaperComparableOptions>(command: EvalCommand, options: O): O {
  if (!options.paper) return options;
  const preset: PaperComparableOptions = {};
  if (usesEmbeddings(command)) preset.embedModel = PAPER_SETTINGS.embedModel;
  if (usesDifficultyJudge(command)) Object.assign(preset, { judgeModel: PAPER_SETTINGS.judgeModel, verdict: PAPER_SETTINGS.verdict });
  if (command === "qa") {
    Object.assign(preset, { judgeModel: PAPER_SETTINGS.judgeModel, judgeStyle: PAPER_SETTINGS.judgeStyle, repetitionPenalty: PAPER_SETTINGS.repetitionPenalty });
  }
  const resolved = { ...options } as Record<string, unknown>;
  for (const [key, value] of Object.entries(preset)) if (resolved[key] === undefined) resolved[key] = value;
  return resolved as O;
}

const isPaperJudge = (model: string) => /^gpt-4o(-\d{4}-\d{2}-\d{2})?$/.test(model);
/** A served name (org/name), a GGUF file or an hf: URI of the paper's embedding model. */
const isPaperEmbedder = (model: string) => /(^|[/:])paraphrase-multilingual-mpnet-base-v2([-.][\w.-]*)?$/i.test(model);

/**
 * What differs from the paper's settings in an evaluation run with these options (after the
 * preset), one short phrase each; empty when it runs as the paper did. Only what the command
 * measures counts: diversity without --embeddings has nothing to differ in.
 */
export function paperDifferences(command: EvalCommand, options: PaperComparableOptions): string[] {
  const differences: string[] = [];
  if (usesEmbeddings(command) && options.embeddings) {
    const model = options.embedModel ?? DEFAULT_API_EMBED_MODEL;
    if (!isPaperEmbedder(model)) differences.push(`embedding model ${model}, not paraphrase-multilingual-mpnet-base-v2`);
  }
  // compare judges difficulty only when given a judge and the corpus.
  const judgesDifficulty = command === "difficulty" || (command === "compare" && options.judgeModel !== undefined && options.corpus !== undefined);
  if (judgesDifficulty) {
    const judge = options.judgeModel ?? DEFAULT_API_MODEL;
    if (!isPaperJudge(judge)) differences.push(`judge ${judge}, not gpt-4o`);
    if ((options.verdict ?? "ties") !== "forced") differences.push("ties allowed");
  }
  if (command === "qa") {
    if (options.judgeModel === undefined) differences.push("no accuracy judge");
    else if ((options.judgeStyle ?? "true-false") !== "correct-incorrect") differences.push("accuracy judged true/false, not Correct/Incorrect");
    const penalty = options.repetitionPenalty;
    if (penalty !== PAPER_SETTINGS.repetitionPenalty) differences.push(penalty === undefined ? "no repetition penalty" : `repetition penalty ${penalty}, not 1.02`);
    const sampled: Array<[string, number | undefined, number]> = [
      ["rounds", options.rounds, PAPER_SETTINGS.rounds],
      ["temperature", options.temperature, PAPER_SETTINGS.temperature],
      ["top-p", options.topP, PAPER_SETTINGS.topP],
      ["max tokens", options.maxTokens, PAPER_SETTINGS.maxTokens],
    ];
    for (const [name, value, paper] of sampled) if (value !== undefined && value !== paper) differences.push(`${name} ${value}, not ${paper}`);
  }
  return differences;
}

/**
 * The one line an evaluation prints on standard error when it does not run as the paper did, or
 * undefined when it does.
 */
export function paperCaveat(command: EvalCommand, options: PaperComparableOptions): string | undefined {
  const differences = paperDifferences(command, options);
  if (differences.length === 0) return undefined;
  const remedy = options.paper ? "flags given override --paper" : "--paper restores them";
  return `note: not the paper's settings (${differences.join("; ")}); ${remedy}`;
}
