import { readCorpus } from "../corpus/read-corpus.js";
import { chunkDocuments, estimateTokens } from "../corpus/chunk-document.js";
import type { SourceDocument } from "../corpus/source-document.js";
import { estimateRun, formatEstimate } from "../cost/estimate.js";
import { costOf, PRICES_AS_OF, priceFor, type Price } from "../cost/prices.js";
import { ConfigError, EngineCallError, type InputError } from "../errors.js";
import { createOpenAIEngine, DEFAULT_BASE_URL } from "../llm/openai-engine.js";
import { formatBudgetDistribution, planBudgets } from "../budget/plan-budgets.js";
import { createEmbeddingEngine } from "../llm/embedding-engine.js";
import { JsonlWriter } from "../output/jsonl-writer.js";
import { cachedEmbeddings } from "../store/cached-embeddings.js";
import { createProgress } from "../output/progress.js";
import { formatSummary } from "../output/summary.js";
import { RateGovernor } from "../pipeline/rate-governor.js";
import { SpendingLimit } from "../pipeline/spending-limit.js";
import { synthesize } from "../pipeline/synthesize.js";
import { RunStore } from "../store/run-store.js";
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

/** The price of the model (table or flags), and a line for when there is none. */
function resolvePrice(flags: SynthFlags): { price: Price | undefined; noPrice: string } {
  const override = { ...(flags.priceIn !== undefined ? { input: flags.priceIn } : {}), ...(flags.priceOut !== undefined ? { output: flags.priceOut } : {}) };
  return {
    price: priceFor(flags.model, override),
    noPrice: `unknown: no built-in price for "${flags.model}" (table as of ${PRICES_AS_OF}); pass --price-in and --price-out`,
  };
}

/** Adaptive budgets (--alpha > 0): embed every document and its words, cached in the store. */
async function budgetPlan(flags: SynthFlags, endpoint: { baseURL: string; apiKey?: string }, store: RunStore, documents: AsyncIterable<SourceDocument>) {
  const apiKey = flags.embedApiKey ?? endpoint.apiKey;
  const embedder = cachedEmbeddings(
    createEmbeddingEngine({ baseURL: flags.embedBaseUrl ?? endpoint.baseURL, ...(apiKey ? { apiKey } : {}), model: flags.embedModel }),
    store,
  );
  const plan = await planBudgets(documents, embedder, {
    mu: flags.mu,
    alpha: flags.alpha,
    threshold: flags.relevanceThreshold,
    ...(flags.nmax !== undefined ? { nmax: flags.nmax } : {}),
  });
  const settings = { alpha: flags.alpha, relevanceThreshold: flags.relevanceThreshold, nmax: flags.nmax ?? 3 * flags.mu, embedModel: flags.embedModel };
  return { plan, settings };
}

/** `foveate synth CORPUS`: read, synthesize, stream records out, print the summary. */
export async function synthCommand(corpus: string, flags: SynthFlags, out: Console, env = process.env): Promise<number> {
  if (flags.important && flags.important.length !== 2) throw new ConfigError("--important expects two counts: CORE MAJOR");
  const say = (line: string) => {
    if (!flags.quiet) out.error(line);
  };
  const { price, noPrice } = resolvePrice(flags);
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
      try {
        const { plan } = await budgetPlan(flags, resolveEndpoint(flags, env), store, documents(false));
        if (plan.note) out.error(`Budgets: ${plan.note}`);
        out.error(formatBudgetDistribution(plan.budgets));
        // The estimate works with one budget for all: the mean, rounded.
        mu = Math.max(1, Math.round(plan.budgets.reduce((a, b) => a + b, 0) / Math.max(1, plan.budgets.length)));
      } finally {
        store.close();
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

  const { baseURL, apiKey } = resolveEndpoint(flags, env);
  const progress = createProgress({ stream: process.stderr, isTTY: process.stderr.isTTY === true, quiet: flags.quiet === true });
  const storePath = flags.store ?? `${flags.output ?? "foveate-run"}.foveate.db`;
  const store = RunStore.open(storePath);
  const governor = new RateGovernor({
    ...(flags.rpm !== undefined ? { rpm: flags.rpm } : {}),
    ...(flags.tpm !== undefined ? { tpm: flags.tpm } : {}),
    concurrency: flags.concurrency,
  });
  const model = createOpenAIEngine({
    baseURL,
    ...(apiKey ? { apiKey } : {}),
    model: flags.model,
    timeoutMs: flags.timeout * 1000,
    retry: {
      maxRetries: flags.maxRetries,
      onRetry: ({ error }) => {
        if (error instanceof EngineCallError && error.details.status === 429) governor.onRateLimited(error.details.retryAfterSeconds);
      },
    },
    onWarning: (message) => progress.log(`warning: ${message}`),
  });
  let spending: SpendingLimit | undefined;
  if (flags.maxCost !== undefined) {
    if (!price) throw new ConfigError(`--max-cost needs a price: ${noPrice}`);
    const before = store.status();
    const spent = costOf({ promptTokens: before.promptTokens, completionTokens: before.completionTokens, cachedPromptTokens: before.cachedPromptTokens }, price);
    spending = new SpendingLimit(flags.maxCost, price, spent);
  }

  let budgets: { of: (document: SourceDocument) => number; settings: Record<string, unknown> } | undefined;
  if (flags.alpha > 0) {
    const { plan, settings } = await budgetPlan(flags, { baseURL, ...(apiKey ? { apiKey } : {}) }, store, documents(false));
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
    concurrency: flags.concurrency,
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
        (skipped > 0 ? `\nSkipped bad input: ${skipped}` : ""),
    );
    if (!finished) say(`Nothing is lost: run the same command again to resume from ${storePath}.`);
  }
  return run.stats.documentsFailed > 0 ? 1 : 0;
}

function maxTokensEverywhere(maxTokens: number) {
  const s = { maxTokens };
  return { extract: s, synthesize: s, answer: s, resynthesize: s, selfQa: s };
}
