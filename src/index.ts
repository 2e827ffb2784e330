/** foveate as a library: `synthesize` over documents from `readCorpus`, through any LanguageModel. */
export { synthesize } from "./pipeline/synthesize.js";
export { resolveSettings } from "./pipeline/resolve-settings.js";
export type { SynthesisRun } from "./pipeline/synthesize.js";
export type { SynthesizeOptions, DocumentEvent, Method } from "./pipeline/synthesize-options.js";
export type { RunStats, LevelStats } from "./pipeline/run-stats.js";
export { readCorpus } from "./corpus/read-corpus.js";
export type { ReadCorpusOptions } from "./corpus/read-corpus.js";
export type { SourceDocument } from "./corpus/source-document.js";
export { createOpenAIEngine } from "./llm/openai-engine.js";
export type { OpenAIEngineOptions } from "./llm/openai-engine.js";
export { loadLocalEngine, loadLocalEmbeddings } from "./llm/load-local.js";
export type { LocalEngine, LocalEngineOptions, LocalEngineStats, LocalGpu } from "./llm/local-engine.js";
export { resolveModelFile, defaultModelCacheDir } from "./llm/model-file.js";
export type { ResolveModelFileOptions, DownloadEvents } from "./llm/model-file.js";
export type { LanguageModel, CompletionRequest, Completion, ChatMessage, Sampling, TokenUsage } from "./llm/port.js";
export type { SynthRecord } from "./method/record.js";
export { LEVELS, type Level } from "./method/levels.js";
export type { StepKind } from "./method/context.js";
export { formatSummary } from "./output/summary.js";
export {
  FoveateError,
  InputError,
  ConfigError,
  EngineCallError,
  UnusableReplyError,
  ReplyParseError,
  ReplyValidationError,
  AbortedError,
  StoreError,
  SpendingLimitReachedError,
  CircuitOpenError,
} from "./errors.js";
export { RunStore } from "./store/run-store.js";
export type { StoreStatus } from "./store/run-store.js";
export { SpendingLimit } from "./pipeline/spending-limit.js";
export { RateGovernor } from "./pipeline/rate-governor.js";
export type { RateLimits } from "./pipeline/rate-governor.js";
export { chunkDocuments, estimateTokens } from "./corpus/chunk-document.js";
export { priceFor, costOf, PRICES_AS_OF } from "./cost/prices.js";
export type { Price } from "./cost/prices.js";
export { estimateRun, formatEstimate } from "./cost/estimate.js";
export { convertRecord, EXPORT_FORMATS } from "./output/export-formats.js";
export type { ExportFormat } from "./output/export-formats.js";
export { tokenizeWords } from "./eval/treebank-tokenizer.js";
export { selfBleu } from "./eval/self-bleu.js";
export { embeddingDiversity } from "./eval/embedding-diversity.js";
export { compareDifficulty } from "./eval/difficulty.js";
export type { DifficultyReport, DifficultyOptions } from "./eval/difficulty.js";
export { evaluateQa } from "./eval/downstream-qa.js";
export type { QaReport, QaOptions } from "./eval/downstream-qa.js";
export { readInstructions, readQaTest } from "./eval/dataset.js";
export { createEmbeddingEngine } from "./llm/embedding-engine.js";
export type { EmbeddingModel } from "./llm/embedding-engine.js";
export { cachedEmbeddings } from "./store/cached-embeddings.js";
export { adaptiveBudgets, boxCoxMle } from "./budget/box-cox.js";
export { distinctWords } from "./budget/distinct-words.js";
