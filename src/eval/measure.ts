/**
 * The paper's measurements as whole jobs: read the datasets, open the models they need (an
 * OpenAI-compatible endpoint or a GGUF model in this process, one engine per model file however
 * many roles use it), measure, close. Every model reply is cached in a store, so measuring again
 * costs nothing and an interrupted measurement resumes.
 */
import { existsSync } from "node:fs";
import { readInstructions, readQaTest, type InstructionRecord } from "./dataset.js";
import { compareDifficulty, type DifficultyReport } from "./difficulty/difficulty.js";
import { readWholeDocuments } from "./difficulty/document-groups.js";
import { CLOSED_BOOK_PROMPT_VERSION, evaluateQa, type QaReport } from "./downstream-qa/downstream-qa.js";
import { embeddingDiversity } from "./embedding-diversity/embedding-diversity.js";
import { JUDGE_PROMPT_VERSION, type DifficultyVerdictStyle, type QaJudgeStyle } from "./judge-prompts.js";
import { withPaperSettings, type EvalCommand } from "./paper-settings.js";
import { describeTopPairsMethod } from "./embedding-diversity/top-pairs-method.js";
import { selfBleu } from "./self-bleu/self-bleu.js";
import { tokenizeWords } from "./self-bleu/treebank-tokenizer.js";
import type { LocalEngine } from "../llm/local/local-engine.js";
import { createOpenAIEngine } from "../llm/http/openai-engine.js";
import type { LanguageModel } from "../llm/port.js";
import { cachedEmbeddings } from "../store/cached-embeddings.js";
import { cachedModel } from "../store/cached-model.js";
import { RunStore } from "../store/run-store.js";
import { DEFAULT_API_EMBED_MODEL, DEFAULT_API_MODEL, isLocalModelSpec, openEmbeddingModel, openLocalEngine, resolveEndpoint, type LocalEngineSettings, type LocalIo } from "../llm/engine-choice.js";

export const DEFAULT_EVAL_STORE = "foveate-eval.foveate.db";

/** What every evaluation reads: the store of replies, the local engine's settings, the environment. */
export interface EvaluationOptions extends LocalEngineSettings {
  /** The cache of every model reply. Default foveate-eval.foveate.db. */
  store?: string;
  /** Keys and endpoints are read here. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Told about a model download. */
  download?: LocalIo["download"];
  /** Told about an endpoint's quirks (e.g. a repetition penalty OpenAI's API cannot take). */
  onWarning?: (message: string) => void;
  /** The authors' settings wherever no other is given (see PAPER_SETTINGS). */
  paper?: boolean;
}

export interface DiversityOptions extends EvaluationOptions {
  /** Also measure embedding diversity. */
  embeddings?: boolean;
  /** Default text-embedding-3-small. */
  embedModel?: string;
  embedBaseUrl?: string;
  embedApiKey?: string;
  /** Most similar pairs to report. Default 5. */
  topK?: number;
}

export interface DiversityResult {
  instructions: number;
  selfBleu: { mean: Record<string, number>; diversity: number };
  embedding?: { model: string; diversity: number; meanCosine: number; topPairsMethod: string; topPairs: Array<{ cosine: number; a: string; b: string }> };
}

export interface JudgeOptions {
  judgeModel?: string;
  judgeBaseUrl?: string;
  judgeApiKey?: string;
}

export interface DifficultyJobOptions extends EvaluationOptions, JudgeOptions {
  /** Ask twice with the sets swapped; a win counts only when both verdicts agree. */
  bothOrders?: boolean;
  /** "forced": the judge must pick a set, no ties (the paper's). Default "ties". */
  verdict?: DifficultyVerdictStyle;
  /** Seed of the presentation order. Default 0. */
  seed?: number;
  /** Judge calls in flight. Default 16. */
  concurrency?: number;
  /** Field holding the corpus text. Default "content". */
  textField?: string;
}

export interface QaJobOptions extends EvaluationOptions, JudgeOptions {
  /** The model under test. */
  targetModel: string;
  targetBaseUrl?: string;
  targetApiKey?: string;
  /** Default 5. */
  rounds?: number;
  /** How the accuracy judge answers. Default "true-false"; the paper's is "correct-incorrect". */
  judgeStyle?: QaJudgeStyle;
  /** Sampling of the model under test. Defaults 0.5, 0.95 and 256, and no repetition penalty (the paper's is 1.02). */
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  repetitionPenalty?: number;
  /** Calls in flight. Default 16. */
  concurrency?: number;
}

/**
 * Self-BLEU diversity of a dataset's instructions and, when asked, embedding diversity. With
 * `store` naming a synth run's store, the result is recorded there too (meta "eval:diversity"),
 * for the dataset card `export --format hf` writes.
 */
export async function measureDiversity(data: string | InstructionRecord[], given: DiversityOptions = {}): Promise<DiversityResult> {
  const result = await diversityOf(data, given);
  if (typeof data === "string" && given.store !== undefined) recordInRunStore(given.store, "diversity", { data, at: new Date().toISOString(), result });
  return result;
}

/** Writes an evaluation's result into a run's store (one a synth run made); any other store is left as it is. */
function recordInRunStore(path: string, command: EvalCommand, value: unknown): void {
  if (!existsSync(path)) return;
  const store = RunStore.open(path);
  try {
    if (store.readConfig() !== undefined) store.setMeta(`eval:${command}`, JSON.stringify(value));
  } finally {
    store.close();
  }
}

async function diversityOf(data: string | InstructionRecord[], given: DiversityOptions): Promise<DiversityResult> {
  const options = withPaperSettings("diversity", given);
  const records = typeof data === "string" ? await readInstructions(data) : data;
  const texts = records.map((r) => r.instruction);
  const bleu = selfBleu(texts.map(tokenizeWords));
  const result: DiversityResult = { instructions: texts.length, selfBleu: { mean: { ...bleu.mean }, diversity: bleu.diversity } };
  if (!options.embeddings) return result;
  const name = options.embedModel ?? DEFAULT_API_EMBED_MODEL;
  // The model is opened first, so that one that cannot load leaves no store behind.
  const model = await openEmbeddingModel(
    { model: name, baseUrl: options.embedBaseUrl, apiKey: options.embedApiKey },
    { name: "embeddings", flagPrefix: "embed-" },
    options,
    localIo(options),
  );
  let store: RunStore;
  try {
    store = RunStore.open(options.store ?? DEFAULT_EVAL_STORE);
  } catch (error) {
    await model.dispose();
    throw error;
  }
  try {
    const engine = cachedEmbeddings(model, store);
    const topK = options.topK ?? 5;
    const d = embeddingDiversity(await engine.embed(texts), { topK });
    result.embedding = {
      model: name,
      diversity: d.diversity,
      meanCosine: d.meanCosine,
      topPairsMethod: describeTopPairsMethod(d.topPairsMethod, topK),
      topPairs: d.topPairs.map((p) => ({ cosine: p.cosine, a: texts[p.i]!, b: texts[p.j]! })),
    };
  } finally {
    store.close();
    await model.dispose();
  }
  return result;
}

/** Pairwise difficulty: per document in both datasets, a judge says which instruction set is harder. */
export async function measureDifficulty(a: string, b: string, corpus: string, given: DifficultyJobOptions = {}): Promise<DifficultyReport> {
  const options = withPaperSettings("difficulty", given);
  const [recordsA, recordsB, documents] = await Promise.all([readInstructions(a), readInstructions(b), readWholeDocuments(corpus, options.textField ?? "content")]);
  return withModels(options, async (models) => {
    const judge = await models.judge(options.judgeModel ?? DEFAULT_API_MODEL);
    return compareDifficulty({
      judge,
      a: { name: a, records: recordsA },
      b: { name: b, records: recordsB },
      documents,
      seed: options.seed ?? 0,
      bothOrders: options.bothOrders === true,
      verdict: options.verdict ?? "ties",
      concurrency: options.concurrency ?? 16,
    });
  });
}

/** Downstream QA: the model under test answers each question closed-book, over rounds. */
export async function measureQa(test: string, given: QaJobOptions): Promise<QaReport> {
  const options = withPaperSettings("qa", given);
  const items = await readQaTest(test);
  return withModels(options, async (models) => {
    const target = await models.open("target", { model: options.targetModel, baseUrl: options.targetBaseUrl, apiKey: options.targetApiKey });
    const judge = options.judgeModel ? await models.judge(options.judgeModel) : undefined;
    return evaluateQa({
      target,
      ...(judge ? { judge, judgeStyle: options.judgeStyle ?? "true-false" } : {}),
      items,
      rounds: options.rounds ?? 5,
      sampling: {
        temperature: options.temperature ?? 0.5,
        topP: options.topP ?? 0.95,
        maxTokens: options.maxTokens ?? 256,
        ...(options.repetitionPenalty !== undefined ? { repetitionPenalty: options.repetitionPenalty } : {}),
      },
      concurrency: options.concurrency ?? 16,
    });
  });
}

export interface Comparison {
  a: DiversityResult;
  b: DiversityResult;
  /** Measured when a judge and the corpus are given. */
  difficulty?: DifficultyReport;
}

/** Two datasets side by side: diversity, and difficulty when a judge and the corpus are given. */
export async function compareDatasets(a: string, b: string, given: DiversityOptions & DifficultyJobOptions & { corpus?: string }): Promise<Comparison> {
  const options = withPaperSettings("compare", given);
  const [recordsA, recordsB] = await Promise.all([readInstructions(a), readInstructions(b)]);
  const diversityA = await measureDiversity(recordsA, options);
  const diversityB = await measureDiversity(recordsB, options);
  const difficulty = options.corpus && options.judgeModel ? await measureDifficulty(a, b, options.corpus, options) : undefined;
  return { a: diversityA, b: diversityB, ...(difficulty ? { difficulty } : {}) };
}

const localIo = (options: EvaluationOptions): LocalIo => ({ env: options.env ?? process.env, ...(options.download ? { download: options.download } : {}) });

interface Models {
  /** A chat model with its replies cached: a GGUF file or URI runs in this process, any other name is asked of an endpoint. */
  open(role: "judge" | "target", endpoint: { model: string; baseUrl?: string | undefined; apiKey?: string | undefined }): Promise<LanguageModel>;
  judge(model: string): Promise<LanguageModel>;
}

/**
 * Runs `use` with the store open and the models it asks for; a local model file is loaded once
 * however many roles (model under test, judge) use it, and everything is closed at the end.
 */
async function withModels<T>(options: EvaluationOptions & JudgeOptions, use: (models: Models) => Promise<T>): Promise<T> {
  const env = options.env ?? process.env;
  const store = RunStore.open(options.store ?? DEFAULT_EVAL_STORE);
  const locals = new Map<string, Promise<LocalEngine>>();
  const models: Models = {
    async open(role, endpoint) {
      if (isLocalModelSpec(endpoint.model)) {
        let engine = locals.get(endpoint.model);
        if (!engine) locals.set(endpoint.model, (engine = openLocalEngine(endpoint.model, options, localIo(options))));
        return cachedModel(await engine, store, { promptVersion: role === "judge" ? JUDGE_PROMPT_VERSION : CLOSED_BOOK_PROMPT_VERSION });
      }
      const { baseURL, apiKey } = resolveEndpoint(
        { ...(endpoint.baseUrl ? { baseUrl: endpoint.baseUrl } : {}), ...(endpoint.apiKey ? { apiKey: endpoint.apiKey } : {}) },
        env,
        { name: `the ${role}`, flagPrefix: `${role}-` },
      );
      const engine = createOpenAIEngine({ baseURL, ...(apiKey ? { apiKey } : {}), model: endpoint.model, ...(options.onWarning ? { onWarning: options.onWarning } : {}) });
      return cachedModel(engine, store, {
        promptVersion: role === "judge" ? JUDGE_PROMPT_VERSION : CLOSED_BOOK_PROMPT_VERSION,
      });
    },
    judge(model) {
      return models.open("judge", { model, baseUrl: options.judgeBaseUrl, apiKey: options.judgeApiKey });
    },
  };
  try {
    return await use(models);
  } finally {
    store.close();
    for (const engine of locals.values()) await engine.then((e) => e.dispose(), () => {});
  }
}
