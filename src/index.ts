/** foveate as a library: `synthesize` over documents from `readCorpus`, through any LanguageModel. */
export { synthesize, resolveSettings } from "./pipeline/synthesize.js";
export type { SynthesizeOptions, SynthesisRun, DocumentEvent, Method } from "./pipeline/synthesize.js";
export type { RunStats, LevelStats } from "./pipeline/run-stats.js";
export { readCorpus } from "./corpus/read-corpus.js";
export type { ReadCorpusOptions } from "./corpus/read-corpus.js";
export type { SourceDocument } from "./corpus/source-document.js";
export { createOpenAIEngine } from "./llm/openai-engine.js";
export type { OpenAIEngineOptions } from "./llm/openai-engine.js";
export type { LanguageModel, CompletionRequest, Completion, ChatMessage, Sampling, TokenUsage } from "./llm/port.js";
export type { SynthRecord } from "./method/record.js";
export { LEVELS, type Level } from "./method/levels.js";
export type { StepKind } from "./method/context.js";
export { formatSummary } from "./output/summary.js";
export { FoveateError, InputError, ConfigError, EngineCallError, ReplyParseError, AbortedError } from "./errors.js";
