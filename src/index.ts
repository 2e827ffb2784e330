/** foveate as a library: `synthesize` over documents from `readCorpus`, through any LanguageModel. */
export { synthesize } from "./pipeline/synthesize.js";
export { resolveSettings } from "./pipeline/resolve-settings.js";
export type { SynthesisRun } from "./pipeline/synthesize.js";
export type { SynthesizeOptions, DocumentEvent, Method } from "./pipeline/synthesize-options.js";
export type { RunStats, LevelStats } from "./pipeline/run-stats.js";
export { readCorpus } from "./corpus/read-corpus.js";
export type { ReadCorpusOptions } from "./corpus/read-corpus.js";
export type { SourceDocument } from "./corpus/source-document.js";
export { createOpenAIEngine } from "./llm/http/openai-engine.js";
export type { OpenAIEngineOptions } from "./llm/http/openai-engine.js";
export { loadLocalEngine, loadLocalEmbeddings } from "./llm/local/load-local.js";
export type { LocalEngine, LocalEngineOptions, LocalEngineStats, LocalGpu } from "./llm/local/local-engine.js";
export { resolveModelFile } from "./llm/local/model-file.js";
export { defaultModelCacheDir } from "./llm/local/model-cache.js";
export type { ResolveModelFileOptions } from "./llm/local/model-file.js";
export type { DownloadEvents } from "./llm/local/download-model.js";
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
export { chunkDocuments } from "./corpus/chunk-document.js";
export { estimateTokens } from "./corpus/estimate-tokens.js";
export { priceFor, costOf, PRICES_AS_OF } from "./cost/prices.js";
export type { Price } from "./cost/prices.js";
export { estimateRun } from "./cost/estimate.js";
export { formatEstimate } from "./output/estimate-report.js";
export { convertRecord, EXPORT_FORMATS } from "./export/export-formats.js";
export type { ExportFormat } from "./export/export-formats.js";
export { tokenizeWords } from "./eval/self-bleu/treebank-tokenizer.js";
export { selfBleu } from "./eval/self-bleu/self-bleu.js";
export { embeddingDiversity } from "./eval/embedding-diversity/embedding-diversity.js";
export { compareDifficulty } from "./eval/difficulty/difficulty.js";
export type { DifficultyReport, DifficultyOptions } from "./eval/difficulty/difficulty.js";
export { evaluateQa } from "./eval/downstream-qa/downstream-qa.js";
export type { QaReport, QaOptions } from "./eval/downstream-qa/downstream-qa.js";
export { readInstructions, readQaTest } from "./eval/dataset.js";
export { createEmbeddingEngine } from "./llm/http/embedding-engine.js";
export type { EmbeddingModel } from "./llm/port.js";
export { cachedEmbeddings } from "./store/cached-embeddings.js";
export { adaptiveBudgets } from "./budget/adaptive-budgets.js";
export { boxCoxMle } from "./budget/box-cox.js";
export { distinctWords } from "./budget/distinct-words.js";
