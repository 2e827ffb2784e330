/**
 * foveate/eval: the paper's measurements, as whole jobs (datasets read, models opened, every reply
 * cached in a store) and as the metrics alone.
 */
export { measureDiversity, measureDifficulty, measureQa, compareDatasets, DEFAULT_EVAL_STORE } from "./measure.js";
export type { Comparison, DiversityOptions, DiversityResult, DifficultyJobOptions, EvaluationOptions, JudgeOptions, QaJobOptions } from "./measure.js";
export { readInstructions, readQaTest } from "./dataset.js";
export type { InstructionRecord, QaItem } from "./dataset.js";
export { tokenizeWords } from "./self-bleu/treebank-tokenizer.js";
export { selfBleu } from "./self-bleu/self-bleu.js";
export { embeddingDiversity } from "./embedding-diversity/embedding-diversity.js";
export { TOP_PAIRS_METHOD_HELP } from "./embedding-diversity/top-pairs-method.js";
export { compareDifficulty } from "./difficulty/difficulty.js";
export type { DifficultyReport, DifficultyOptions } from "./difficulty/difficulty.js";
export type { CorpusDocument } from "./difficulty/document-groups.js";
export { evaluateQa } from "./downstream-qa/downstream-qa.js";
export type { QaReport, QaOptions } from "./downstream-qa/downstream-qa.js";
export { PAPER_SETTINGS, paperCaveat, paperDifferences, withPaperSettings } from "./paper-settings.js";
export type { EvalCommand, PaperComparableOptions } from "./paper-settings.js";
export type { DifficultyVerdictStyle, QaJudgeStyle } from "./judge-prompts.js";
