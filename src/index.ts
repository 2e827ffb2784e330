/**
 * foveate as a library. The whole job: `SynthesisJob` (read, plan, estimate, run, stop). The
 * method over any documents and any LanguageModel: `synthesize`. Measurements are in
 * `foveate/eval`, the in-process GGUF engine in `foveate/local`.
 */
export { SynthesisJob } from "./run/synthesis-job.js";
export type { SynthesisJobOptions } from "./run/job-options.js";
export type { CorpusPlan, JobEstimate, JobEvent, JobHandlers, JobSummary, RunProgress } from "./run/job-events.js";
export { exportStore, uncuratedRecords, runStatus, type DatasetInfoNote, type ExportOptions, type RunStatus } from "./run/store-tools.js";
export { curateStore, type CurateOptions, type CurationSummary, type RemovalReason } from "./run/curate-store.js";

export { synthesize } from "./pipeline/synthesize.js";
export type { SynthesisRun } from "./pipeline/synthesize.js";
export { resolveSettings } from "./pipeline/resolve-settings.js";
export type { SynthesizeOptions, DocumentEvent, Method, ModelEndpoint } from "./pipeline/synthesize-options.js";
export type { RunStats, LevelStats, LimitStats } from "./pipeline/run-stats.js";
export { SpendingLimit } from "./pipeline/spending-limit.js";

export { readCorpus } from "./corpus/read-corpus.js";
export type { ReadCorpusOptions } from "./corpus/read-corpus.js";
export type { SourceDocument } from "./corpus/source-document.js";
export { chunkDocuments } from "./corpus/chunk-document.js";
export { estimateTokens } from "./corpus/estimate-tokens.js";
export { extractCorpus, type ExtractOptions, type ExtractedLine } from "./run/extract-corpus.js";
export type { DocumentStructure, SectionSpan, PageSpan, ExtractedDocument, DocumentReader } from "./corpus/extracted-document.js";

export type { LanguageModel, EmbeddingModel, CompletionRequest, Completion, ChatMessage, Sampling, TokenUsage, PublishedLimits } from "./llm/port.js";
export type { EndpointSpec } from "./llm/endpoint-spec.js";
export { createOpenAIEngine } from "./llm/http/openai-engine.js";
export type { OpenAIEngineOptions } from "./llm/http/openai-engine.js";
export { createEmbeddingEngine } from "./llm/http/embedding-engine.js";
export { chooseEngine, resolveEndpoint, DEFAULT_API_MODEL, DEFAULT_API_EMBED_MODEL, DEFAULT_LOCAL_MODEL } from "./llm/engine-choice.js";
export type { EngineKind, LocalEngineSettings } from "./llm/engine-choice.js";

export type { SynthRecord } from "./method/record.js";
export { LEVELS, type Level } from "./method/levels.js";
export type { StepKind } from "./method/context.js";

export { RunStore } from "./store/run-store.js";
export type { StoreStatus } from "./store/run-store.js";
export { cachedEmbeddings } from "./store/cached-embeddings.js";

export { priceFor, costOf, PRICES_AS_OF } from "./cost/prices.js";
export type { Price } from "./cost/prices.js";
export { estimateRun } from "./cost/estimate.js";
export type { RunEstimate } from "./cost/estimate.js";
export { convertRecord, EXPORT_FORMATS, SYSTEM_FORMATS } from "./export/export-formats.js";
export type { ExportFormat } from "./export/export-formats.js";
export { writeHfDataset, HF_FORMAT, type HfDatasetOptions, type HfDatasetSummary } from "./export/hf-dataset.js";
export { parseSplit, type SplitPart } from "./export/split-by-document.js";
export { planBudgets } from "./budget/plan-budgets.js";
export type { BudgetPlan } from "./budget/plan-budgets.js";
export { adaptiveBudgets } from "./budget/adaptive-budgets.js";
export { boxCoxMle } from "./budget/box-cox.js";
export { distinctWords } from "./budget/distinct-words.js";

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
