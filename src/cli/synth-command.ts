import { readCorpus } from "../corpus/read-corpus.js";
import { chunkDocuments } from "../corpus/chunk-document.js";
import { estimateTokens } from "../corpus/estimate-tokens.js";
import type { SourceDocument } from "../corpus/source-document.js";
import { estimateRun, formatEstimate } from "../cost/estimate.js";
import { costOf, PRICES_AS_OF, priceFor, type Price } from "../cost/prices.js";
import { ConfigError, EngineCallError, type InputError } from "../errors.js";
import { createOpenAIEngine, DEFAULT_BASE_URL } from "../llm/openai-engine.js";
import { formatBudgetDistribution, planBudgets } from "../budget/plan-budgets.js";
import { createEmbeddingEngine, type EmbeddingModel } from "../llm/embedding-engine.js";
import type { LocalEngine } from "../llm/local-engine.js";
import { createLocalEmbeddings } from "../llm/local-embeddings.js";
import type { LanguageModel } from "../llm/port.js";
import { JsonlWriter } from "../output/jsonl-writer.js";
import { cachedEmbeddings } from "../store/cached-embeddings.js";
import { createProgress, type Progress } from "../output/progress.js";
import { formatSummary } from "../output/summary.js";
import { RateGovernor } from "../pipeline/rate-governor.js";
import { SpendingLimit } from "../pipeline/spending-limit.js";
import { synthesize } from "../pipeline/synthesize.js";
import { RunStore } from "../store/run-store.js";
import { chooseEngine, DEFAULT_API_EMBED_MODEL, defaultModel, describeLocalEngine, isLocalModelSpec, openLocalEmbeddings, openLocalEngine, type EngineKind } from "./engine-choice.js";
import type { SynthFlags } from "./synth-options.js";

/** Where the user-facing lines go; replaced in tests. */
export interface Console {
  error(line: string): void;
}

function resolveEndpoint(flags: SynthFlags, env: NodeJS.ProcessEnv) {
  const baseURL = flags.baseUrl ?? env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL;
  const apiKey = flags.apiKey ?? env.OPENAI_API_KEY;
  if (!apiKey && baseURL === DEFAULT_BASE_URL) {
    throw new ConfigError(
      `no API key for ${DEFAULT_BASE_URL}: set OPENAI_API_KEY (or --api-key), or point --base-url at a local server`,
    );
  }
  return { baseURL, ...(apiKey ? { apiKey } : {}) };
}

/** The price of the model (table or flags; a local model costs nothing), and a line for when there is none. */
function resolvePrice(flags: SynthFlags, engine: EngineKind, model: string): { price: Price | undefined; noPrice: string } {
  const override = { ...(flags.priceIn !== undefined ? { input: flags.priceIn } : {}), ...(flags.priceOut !== undefined ? { output: flags.priceOut } : {}) };
  return {
    price: engine === "local" ? { input: 0, cachedInput: 0, output: 0, ...override } : priceFor(model, override),
    noPrice: `unknown: no built-in price for "${model}" (table as of ${PRICES_AS_OF}); pass --price-in and --price-out`,
  };
}

/**
 * The embedding model of adaptive budgets: a GGUF model in this process (the chat model itself when
 * it is the same one), or an OpenAI-compatible endpoint. Returns it and what must be closed after.
 */
async function openEmbedder(
  flags: SynthFlags,
  engine: EngineKind,
  model: string,
  chat: LocalEngine | undefined,
  env: NodeJS.ProcessEnv,
  say: (line: string) => void,
): Promise<{ embedder: EmbeddingModel; close: () => Promise<void> }> {
  const name = flags.embedModel ?? (engine === "local" ? model : DEFAULT_API_EMBED_MODEL);
  if (chat && name === model) {
    const embedder = await createLocalEmbeddings(chat.model, { modelId: chat.modelId, description: chat.description }, flags.threads !== undefined ? { threads: flags.threads } : {});
    return { embedder, close: () => embedder.dispose() };
  }
  if (isLocalModelSpec(name) || engine === "local") {
    const embedder = await openLocalEmbeddings(name, flags, { say, stream: process.stderr, env });
    return { embedder, close: () => embedder.dispose() };
  }
  const endpoint = resolveEndpoint(flags, env);
  const apiKey = flags.embedApiKey ?? endpoint.apiKey;
  const embedder = createEmbeddingEngine({ baseURL: flags.embedBaseUrl ?? endpoint.baseURL, ...(apiKey ? { apiKey } : {}), model: name });
  return { embedder, close: async () => {} };
}

/** Adaptive budgets (--alpha > 0): embed every document and its words, cached in the store. */
async function budgetPlan(flags: SynthFlags, embedding: EmbeddingModel, store: RunStore, documents: AsyncIterable<SourceDocument>) {
  const embedder = cachedEmbeddings(embedding, store);
  const plan = await planBudgets(documents, embedder, {
    mu: flags.mu,
    alpha: flags.alpha,
    threshold: flags.relevanceThreshold,
    ...(flags.nmax !== undefined ? { nmax: flags.nmax } : {}),
  });
  const settings = { alpha: flags.alpha, relevanceThreshold: flags.relevanceThreshold, nmax: flags.nmax ?? 3 * flags.mu, embedModel: embedding.modelId };
  return { plan, settings };
}

/** `foveate synth CORPUS`: read, synthesize, stream records out, print the summary. */
export async function synthCommand(corpus: string, flags: SynthFlags, out: Console, env = process.env): Promise<number> {
  if (flags.important && flags.important.length !== 2) throw new ConfigError("--important expects two counts: CORE MAJOR");
  const say = (line: string) => {
    if (!flags.quiet) out.error(line);
  };
  const engineKind = chooseEngine(flags, env);
  const modelName = flags.model ?? defaultModel(engineKind);
  const { price, noPrice } = resolvePrice(flags, engineKind, modelName);
  let skipped = 0;
  const documents = (report: boolean): AsyncIterable<SourceDocument> =>
    chunkDocuments(
      readCorpus(corpus, {
        textField: flags.textField,
        onBadInput: flags.onBadInput,
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
        onSkip: (error: InputError) => {
          if (!report) return;
          skipped++;
          progress.log(`skipped ${error.message}`);
        },
      }),
      flags.maxDocTokens,
    );

  if (flags.dryRun) {
    let count = 0;
    let totalTokens = 0;
    for await (const document of documents(false)) {
      count++;
      totalTokens += estimateTokens(document.text);
    }
    let mu = flags.mu;
    if (flags.alpha > 0) {
      // Budgets need embeddings (no chat call): the distribution comes before the estimate.
      const store = RunStore.open(flags.store ?? `${flags.output ?? "foveate-run"}.foveate.db`);
      const { embedder, close } = await openEmbedder(flags, engineKind, modelName, undefined, env, (line) => out.error(line));
      try {
        const { plan } = await budgetPlan(flags, embedder, store, documents(false));
        if (plan.note) out.error(`Budgets: ${plan.note}`);
        out.error(formatBudgetDistribution(plan.budgets));
        // The estimate works with one budget for all: the mean, rounded.
        mu = Math.max(1, Math.round(plan.budgets.reduce((a, b) => a + b, 0) / Math.max(1, plan.budgets.length)));
      } finally {
        store.close();
        await close();
      }
    }
    out.error(
      formatEstimate(
        estimateRun({
          documents: { count, totalTokens },
          method: flags.method,
          mu,
          levels: flags.levels,
          maxRounds: flags.maxRounds,
          important: flags.important !== undefined,
        }),
        price,
      ),
    );
    return 0;
  }

  // The local model is loaded before the store is opened: a model that cannot load leaves no store behind.
  const local = engineKind === "local" ? await openLocalEngine(modelName, flags, { say, stream: process.stderr, env }) : undefined;
  const closers: Array<() => Promise<void>> = local ? [() => local.dispose()] : [];
  const progress = createProgress({ stream: process.stderr, isTTY: process.stderr.isTTY === true, quiet: flags.quiet === true });
  try {
    if (local) say(describeLocalEngine(local));
    return await runSynthesis(flags, out, env, { local, modelName, price, noPrice, documents, progress, closers, say, skipped: () => skipped });
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

interface RunContext {
  local: LocalEngine | undefined;
  modelName: string;
  price: Price | undefined;
  noPrice: string;
  documents: (report: boolean) => AsyncIterable<SourceDocument>;
  progress: Progress;
  /** What to close when the command ends, last opened first. */
  closers: Array<() => Promise<void>>;
  say: (line: string) => void;
  skipped: () => number;
}

/** The run itself, once the engine is chosen (and a local model loaded). */
async function runSynthesis(flags: SynthFlags, out: Console, env: NodeJS.ProcessEnv, ctx: RunContext): Promise<number> {
  const { local, modelName, price, noPrice, documents, progress, say } = ctx;
  const concurrency = flags.concurrency ?? local?.parallel ?? 32;
  const governor = new RateGovernor({
    ...(flags.rpm !== undefined ? { rpm: flags.rpm } : {}),
    ...(flags.tpm !== undefined ? { tpm: flags.tpm } : {}),
    concurrency,
  });
  const model: LanguageModel = local ?? apiEngine(flags, env, modelName, governor, (message) => progress.log(`warning: ${message}`));
  const storePath = flags.store ?? `${flags.output ?? "foveate-run"}.foveate.db`;
  const store = RunStore.open(storePath);
  let spending: SpendingLimit | undefined;
  if (flags.maxCost !== undefined) {
    if (!price) throw new ConfigError(`--max-cost needs a price: ${noPrice}`);
    const before = store.status();
    const spent = costOf({ promptTokens: before.promptTokens, completionTokens: before.completionTokens, cachedPromptTokens: before.cachedPromptTokens }, price);
    spending = new SpendingLimit(flags.maxCost, price, spent);
  }

  let budgets: { of: (document: SourceDocument) => number; settings: Record<string, unknown> } | undefined;
  if (flags.alpha > 0) {
    const { embedder, close } = await openEmbedder(flags, local ? "local" : "api", modelName, local, env, say);
    ctx.closers.push(close);
    const { plan, settings } = await budgetPlan(flags, embedder, store, documents(false));
    if (plan.note) say(`Budgets: ${plan.note}`);
    say(formatBudgetDistribution(plan.budgets));
    budgets = { of: (document) => plan.budgets[document.index] ?? flags.mu, settings };
  }

  let total: number | undefined;
  if (!flags.quiet) {
    total = 0;
    for await (const _ of documents(false)) total++;
  }

  const stop = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) {
      out.error("stopped at once; every reply received so far is in the run store");
      process.exit(130);
    }
    progress.log(`stopping: no new calls; calls in flight may finish for ${flags.grace} s (Ctrl-C again to quit at once)`);
    stop.abort();
  };
  process.on("SIGINT", onSigint);

  const run = synthesize(documents(true), {
    model,
    method: flags.method,
    mu: flags.mu,
    levels: flags.levels,
    ...(flags.important ? { important: { core: flags.important[0]!, major: flags.important[1]! } } : {}),
    maxRounds: flags.maxRounds,
    shots: flags.shots,
    ...(flags.temperature !== undefined ? { temperature: flags.temperature } : {}),
    ...(flags.frequencyPenalty !== undefined ? { frequencyPenalty: flags.frequencyPenalty } : {}),
    ...(flags.maxTokens !== undefined ? { sampling: maxTokensEverywhere(flags.maxTokens) } : {}),
    concurrency,
    seed: flags.seed,
    store,
    forceNew: flags.forceNew === true,
    governor,
    ...(spending ? { spending } : {}),
    ...(budgets ? { budgets } : {}),
    signal: stop.signal,
    graceMs: flags.grace * 1000,
    onDocument: (event) => {
      if (event.type === "failed") progress.log(`document ${event.document.sourceId} failed: ${event.error.message}`);
    },
  });

  const started = Date.now();
  const costNow = () => (price ? costOf({ promptTokens: run.stats.promptTokens, completionTokens: run.stats.completionTokens, cachedPromptTokens: run.stats.cachedPromptTokens }, price) : undefined);
  const snapshot = () => {
    const cost = costNow();
    let items = 0;
    for (const level of Object.values(run.stats.levels)) items += level.kept;
    return {
      documentsDone: run.stats.documents,
      documentsFailed: run.stats.documentsFailed,
      ...(total !== undefined ? { documentsTotal: total } : {}),
      items,
      calls: run.stats.calls,
      promptTokens: run.stats.promptTokens,
      completionTokens: run.stats.completionTokens,
      ...(cost !== undefined ? { costUsd: cost } : {}),
      startedAt: started,
    };
  };
  const ticker = setInterval(() => progress.update(snapshot()), 250);

  const writer = await JsonlWriter.open(flags.output);
  let finished = false;
  try {
    for await (const record of run) await writer.write(record);
    await writer.commit();
    finished = true;
  } finally {
    clearInterval(ticker);
    progress.update(snapshot());
    progress.stop();
    process.removeListener("SIGINT", onSigint);
    if (!finished) await writer.abandon();
    store.close();
    const cost = costNow();
    say(
      formatSummary(run.stats, { ...(cost !== undefined ? { costUsd: cost } : { noPrice }), rate: governor.stats, store: storePath }) +
        (ctx.skipped() > 0 ? `\nSkipped bad input: ${ctx.skipped()}` : ""),
    );
    if (!finished) say(`Nothing is lost: run the same command again to resume from ${storePath}.`);
  }
  return run.stats.documentsFailed > 0 ? 1 : 0;
}

/** The OpenAI-compatible engine, with 429s slowing the whole run down through the governor. */
function apiEngine(flags: SynthFlags, env: NodeJS.ProcessEnv, model: string, governor: RateGovernor, warn: (message: string) => void): LanguageModel {
  const { baseURL, apiKey } = resolveEndpoint(flags, env);
  return createOpenAIEngine({
    baseURL,
    ...(apiKey ? { apiKey } : {}),
    model,
    timeoutMs: flags.timeout * 1000,
    retry: {
      maxRetries: flags.maxRetries,
      onRetry: ({ error }) => {
        if (error instanceof EngineCallError && error.details.status === 429) governor.onRateLimited(error.details.retryAfterSeconds);
      },
    },
    onWarning: warn,
  });
}

function maxTokensEverywhere(maxTokens: number) {
  const s = { maxTokens };
  return { extract: s, synthesize: s, answer: s, resynthesize: s, selfQa: s };
}
