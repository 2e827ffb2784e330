import { stat } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { planBudgets, type BudgetPlan } from "../budget/plan-budgets.js";
import { chunkDocuments } from "../corpus/chunk-document.js";
import { estimateTokens } from "../corpus/estimate-tokens.js";
import { CORPUS_EXTENSIONS, readCorpus } from "../corpus/read-corpus.js";
import type { SourceDocument } from "../corpus/source-document.js";
import { estimateRun } from "../cost/estimate.js";
import { batchPriceFor, costOf, costOfRun, PRICES_AS_OF, priceFor, type Price } from "../cost/prices.js";
import { AbortedError, ConfigError, EngineCallError, InputError } from "../errors.js";
import { JsonlWriter } from "../export/jsonl-writer.js";
import {
  chooseEngine,
  DEFAULT_API_EMBED_MODEL,
  defaultModel,
  describeLocalEngine,
  isLocalModelSpec,
  localByDefault,
  openLocalEmbeddings,
  openLocalEngine,
  POINT_ELSEWHERE,
  resolveEndpoint,
  type EngineKind,
  type LocalIo,
} from "../llm/engine-choice.js";
import { createEmbeddingEngine } from "../llm/http/embedding-engine.js";
import { isTimeout } from "../llm/http/classify-error.js";
import { createOpenAIEngine } from "../llm/http/openai-engine.js";
import { RequestTracker } from "../llm/http/request-tracker.js";
import type { DownloadEvents } from "../llm/local/download-model.js";
import { createLocalEmbeddings } from "../llm/local/local-embeddings.js";
import type { LocalEngine } from "../llm/local/local-engine.js";
import type { EmbeddingModel, LanguageModel } from "../llm/port.js";
import { LEVELS } from "../method/levels.js";
import { isThin } from "../pipeline/run-stats.js";
import { SpendingLimit } from "../pipeline/spending-limit.js";
import type { ModelEndpoint, SynthesizeOptions } from "../pipeline/synthesize-options.js";
import type { EndpointSpec } from "../llm/endpoint-spec.js";
import { checkSameModel } from "../llm/check-same-model.js";
import type { RetryInfo } from "../llm/http/retry.js";
import { synthesize, type SynthesisRun } from "../pipeline/synthesize.js";
import { resolveSettings } from "../pipeline/resolve-settings.js";
import { runFingerprint } from "../pipeline/run-fingerprint.js";
import { cachedEmbeddings } from "../store/cached-embeddings.js";
import { RunStore } from "../store/run-store.js";
import { callsProgress, planCalls, type CallPlan } from "./call-plan.js";
import { checkRunPaths } from "./check-run-paths.js";
import { createFolderBatchApi } from "../llm/batch/folder-batch-api.js";
import { createHttpBatchApi } from "../llm/batch/http-batch-api.js";
import type { BatchApi } from "../llm/batch/batch-api.js";
import { endpointUrl } from "../llm/http/api-request.js";
import { acceptsRepetitionPenalty, chatCompletionBody, completionOfReply } from "../llm/http/chat-body.js";
import type { BatchSettings } from "../pipeline/synthesize-options.js";
import { embedInBatches } from "../pipeline/batch-embeddings.js";
import { distinctWords } from "../budget/distinct-words.js";
import { defaultStorePath } from "./default-store-path.js";
import type { CorpusPlan, JobEstimate, JobEvent, JobHandlers, JobSummary, RunProgress } from "./job-events.js";
import type { SynthesisJobOptions } from "./job-options.js";

/**
 * The whole synthesis job as the library offers it: read the corpus once, plan budgets once,
 * estimate or run, write the output, stop gracefully on a signal; what happens is told through
 * events.
 */
export class SynthesisJob {
  private readonly env: NodeJS.ProcessEnv;
  private readonly engineKind: EngineKind;
  private readonly modelName: string;
  private readonly price: Price | undefined;
  private readonly batchPrice: Price | undefined;
  private readonly noPrice: string;
  private corpus: Promise<CorpusPlan> | undefined;
  private defaultStore: string | undefined;

  constructor(private readonly options: SynthesisJobOptions) {
    if (options.important && options.important.length !== 2) throw new ConfigError("--important expects two counts: CORE MAJOR");
    this.env = options.env ?? process.env;
    this.engineKind = options.languageModel || options.endpoints ? "api" : chooseEngine(options, this.env);
    this.modelName = options.languageModel?.modelId ?? options.model ?? options.endpoints?.find((e) => e.model !== undefined)?.model ?? defaultModel(this.engineKind);
    if (options.endpoints) checkSameModel(options.endpoints, this.modelName, options.sameModel);
    const override = { ...(options.priceIn !== undefined ? { input: options.priceIn } : {}), ...(options.priceOut !== undefined ? { output: options.priceOut } : {}) };
    const overridden = Object.keys(override).length > 0;
    this.price =
      this.engineKind === "local" ? { input: 0, cachedInput: 0, output: 0, ...override, local: true, ...(overridden ? { overridden } : {}) } : priceFor(this.modelName, override);
    this.noPrice = `unknown: no built-in price for "${this.modelName}" (table as of ${PRICES_AS_OF}); pass --price-in and --price-out`;
    // Batched replies are priced at the provider's batch price (half the list price unless told).
    const batchOverride = { ...(options.batchPriceIn !== undefined ? { input: options.batchPriceIn } : {}), ...(options.batchPriceOut !== undefined ? { output: options.batchPriceOut } : {}) };
    this.batchPrice = this.engineKind === "local" ? this.price : batchPriceFor(this.modelName, batchOverride, override);
  }

  /** --store, else OUTPUT.foveate.db, else (no output file) a store named for the corpus and settings. */
  get storePath(): string {
    const { store, output } = this.options;
    if (store !== undefined) return store;
    if (typeof output === "string") return `${output}.foveate.db`;
    this.defaultStore ??= defaultStorePath(this.options.corpus, this.promptSettings());
    return this.defaultStore;
  }

  /** The method's options as synthesize takes them: what shapes the prompts. */
  private methodOptions(): Omit<SynthesizeOptions, "model"> {
    const o = this.options;
    return {
      ...(o.method !== undefined ? { method: o.method } : {}),
      ...(o.mu !== undefined ? { mu: o.mu } : {}),
      ...(o.levels !== undefined ? { levels: o.levels } : {}),
      ...(o.important ? { important: { core: o.important[0]!, major: o.important[1]! } } : {}),
      ...(o.maxRounds !== undefined ? { maxRounds: o.maxRounds } : {}),
      ...(o.shots !== undefined ? { shots: o.shots } : {}),
      ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
      ...(o.frequencyPenalty !== undefined ? { frequencyPenalty: o.frequencyPenalty } : {}),
      ...(o.maxTokens !== undefined ? { sampling: maxTokensEverywhere(o.maxTokens) } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    };
  }

  /** What names a standard-output run's store: the settings that shape the prompts, as the store records them. */
  private promptSettings(): Record<string, unknown> {
    const o = this.options;
    const settings = resolveSettings(this.methodOptions());
    const mu = o.mu ?? 8;
    const budgets = (o.alpha ?? 0) > 0 ? { alpha: o.alpha, relevanceThreshold: o.relevanceThreshold ?? 0.16, nmax: o.nmax ?? 3 * mu, embedModel: o.embedModel ?? null } : undefined;
    return runFingerprint(settings, o.languageModel?.modelId ?? this.modelName, budgets);
  }

  /** Reads the corpus, once however often it is asked: every document, chunked, in memory. */
  readCorpus(handlers: JobHandlers = {}): Promise<CorpusPlan> {
    this.corpus ??= this.read(handlers).catch((error: unknown) => {
      this.corpus = undefined; // a corpus fixed in the meantime is read again
      throw error;
    });
    return this.corpus;
  }

  private async read(handlers: JobHandlers): Promise<CorpusPlan> {
    const o = this.options;
    const plan: CorpusPlan = { documents: [], tokens: 0, skipped: 0 };
    const read = readCorpus(o.corpus, {
      textField: o.textField ?? "content",
      onBadInput: o.onBadInput ?? "fail",
      ...(o.limit !== undefined ? { limit: o.limit } : {}),
      onSkip: (error) => {
        plan.skipped++;
        handlers.onEvent?.({ type: "skipped", error });
      },
    });
    for await (const document of chunkDocuments(read, o.maxDocTokens ?? 12000)) {
      plan.documents.push(document);
      plan.tokens += estimateTokens(document.text);
    }
    if (plan.documents.length === 0) throw await nothingToSynthesize(o.corpus, plan.skipped);
    return plan;
  }

  /** Calls, tokens and cost the run would take, before anything is spent (adaptive budgets embed, no chat call). */
  async estimate(handlers: JobHandlers = {}): Promise<JobEstimate> {
    const o = this.options;
    const corpus = await this.readCorpus(handlers);
    let mu = o.mu ?? 8;
    let budgets: BudgetPlan | undefined;
    if ((o.alpha ?? 0) > 0) {
      // Only the store is written by an estimate.
      await checkRunPaths({ corpus: o.corpus, output: undefined, store: this.storePath });
      const { embedder, close } = await this.openEmbedder(undefined, handlers);
      const store = await openOrClose(this.storePath, close);
      try {
        budgets = await this.planBudgets(embedder, store, corpus.documents);
        // The estimate works with one budget for all: the mean, rounded.
        mu = Math.max(1, Math.round(budgets.budgets.reduce((a, b) => a + b, 0) / Math.max(1, budgets.budgets.length)));
      } finally {
        store.close();
        await close();
      }
    }
    const estimate = estimateRun({
      documents: { count: corpus.documents.length, totalTokens: corpus.tokens },
      method: o.method ?? "foveate",
      mu,
      levels: [...(o.levels ?? LEVELS)],
      maxRounds: o.maxRounds ?? 5,
      important: o.important !== undefined,
    });
    // A batched run is estimated at the batch price (its re-synthesis rounds, live, are a few percent of its calls).
    const price = this.batched ? this.batchPrice : this.price;
    return { corpus, ...(budgets ? { budgets } : {}), estimate, ...(price ? { price } : {}), noPrice: this.noPrice };
  }

  /**
   * Runs the job: records stream to the output as documents finish, every reply is committed to
   * the run store first, and the same job started again resumes. Resolves with the summary of a
   * finished run; throws AbortedError after a stop, SpendingLimitReachedError at maxCost, and any error
   * that dooms the run.
   */
  async start(handlers: JobHandlers = {}): Promise<JobSummary> {
    const { signal } = handlers;
    // A stop is told at once, whatever the job is doing; before the run it ends the job at the next step.
    const onStop = () => handlers.onEvent?.({ type: "stopping", graceSeconds: this.options.grace ?? 10 });
    if (signal?.aborted) onStop();
    else signal?.addEventListener("abort", onStop, { once: true });
    const closers: Array<() => Promise<void>> = [];
    try {
      // Before anything is read, loaded or paid for: a run that could only fail at its end, or
      // would overwrite the corpus, is refused now.
      await this.checkPaths();
      const corpus = await this.readCorpus(handlers);
      throwIfStopped(signal);
      if (this.options.maxCost !== undefined && !this.price) throw new ConfigError(`--max-cost needs a price: ${this.noPrice}`);
      // The local model is loaded before the store is opened: a model that cannot load leaves no store behind.
      const local = this.engineKind === "local" && !this.options.languageModel ? await this.openLocalSaying(handlers) : undefined;
      if (local) {
        closers.push(() => local.dispose());
        handlers.onEvent?.({ type: "engine", description: describeLocalEngine(local) });
      }
      throwIfStopped(signal);
      return await this.run(corpus, local, closers, handlers);
    } finally {
      signal?.removeEventListener("abort", onStop);
      for (const close of closers.reverse()) await close();
    }
  }

  private checkPaths(): Promise<void> {
    const output = this.options.output;
    return checkRunPaths({ corpus: this.options.corpus, output: typeof output === "string" ? output : undefined, store: this.storePath });
  }

  private async run(corpus: CorpusPlan, local: LocalEngine | undefined, closers: Array<() => Promise<void>>, handlers: JobHandlers): Promise<JobSummary> {
    const o = this.options;
    const emit = (event: JobEvent) => handlers.onEvent?.(event);
    const concurrency = o.concurrency ?? local?.parallel ?? 32;
    const transport = o.languageModel || local ? undefined : new RequestTracker();
    const warn = (message: string) => emit({ type: "warning", message });
    const model: LanguageModel | ModelEndpoint[] = o.languageModel ?? local ?? this.apiEndpoints(transport!, warn);
    const storePath = this.storePath;
    if (o.store === undefined && typeof o.output !== "string") emit({ type: "store", path: storePath });
    const store = RunStore.open(storePath, { writer: true });
    try {
      const open = this.batched ? 0 : store.openBatches().length + store.pendingBatches().length;
      if (open > 0) {
        warn(
          `${open} batch${open === 1 ? " an earlier --batch run submitted is" : "es an earlier --batch run submitted are"} not collected: ` +
            "this run sends their calls live and pays for them again; stop it and run with --batch to collect them",
        );
      }
      let spending: SpendingLimit | undefined;
      if (o.maxCost !== undefined && this.price) {
        const before = store.status();
        spending = new SpendingLimit(o.maxCost, this.price, costOfRun(before, this.price, this.batchPrice ?? this.price).totalUsd, this.batchPrice ?? this.price);
      }

      let budgets: { of: (document: SourceDocument) => number; settings: Record<string, unknown> } | undefined;
      if ((o.alpha ?? 0) > 0) {
        const { embedder, close } = await this.openEmbedder(local, handlers);
        closers.push(close);
        // Under --batch the embeddings the store lacks go as a batch first; the budgets are then planned from the store.
        if (this.batched && !isLocalModelSpec(embedder.modelId)) await this.embedInBatches(embedder, store, corpus.documents, emit, handlers.signal);
        const plan = await this.planBudgets(embedder, store, corpus.documents);
        throwIfStopped(handlers.signal);
        emit({ type: "budgets", plan });
        const settings = { alpha: o.alpha, relevanceThreshold: o.relevanceThreshold ?? 0.16, nmax: o.nmax ?? 3 * (o.mu ?? 8), embedModel: embedder.modelId };
        budgets = { of: (document) => plan.budgets[document.index] ?? o.mu ?? 8, settings };
      }

      const batch = this.batchSettings(emit);
      const run = synthesize(corpus.documents, {
        model,
        ...(batch ? { batch } : {}),
        ...this.methodOptions(),
        concurrency,
        store,
        forceNew: o.forceNew === true,
        ...(o.rpm !== undefined ? { rpm: o.rpm } : {}),
        ...(o.tpm !== undefined ? { tpm: o.tpm } : {}),
        ...(transport ? { retry: { maxRetries: o.maxRetries ?? 6 }, onRetry: this.onRetry(transport, warn) } : {}),
        ...(spending ? { spending } : {}),
        ...(budgets ? { budgets } : {}),
        ...(handlers.signal ? { signal: handlers.signal } : {}),
        graceMs: (o.grace ?? 10) * 1000,
        onDocument: (event) => {
          if (event.type === "failed") emit({ type: "document-failed", document: event.document, error: event.error });
        },
      });
      // Where the documents are, for a judge's passages at curation (after synthesize, which may start the store over).
      store.setMeta("corpus", JSON.stringify({ path: resolvePath(o.corpus), textField: o.textField ?? "content" }));
      const settings = resolveSettings(this.methodOptions());
      const plan = planCalls(settings, corpus.documents.map((document) => budgets?.of(document) ?? settings.mu));
      return await this.stream(run, corpus, { transport, plan }, storePath, store, handlers);
    } finally {
      store.close();
    }
  }

  /** Writes the run's records as they come, with progress, and the summary at the end however it ends. */
  private async stream(run: SynthesisRun, corpus: CorpusPlan, { transport, plan }: { transport: RequestTracker | undefined; plan: CallPlan }, storePath: string, store: RunStore, handlers: JobHandlers): Promise<JobSummary> {
    const emit = (event: JobEvent) => handlers.onEvent?.(event);
    const output = this.options.output;
    // Opened before anything else is set going: an output that cannot be opened leaves nothing running.
    const writer = output === undefined ? undefined : await JsonlWriter.open(output);
    const started = Date.now();
    const costNow = () => (this.price ? costOfRun(run.stats, this.price, this.batchPrice ?? this.price).totalUsd : undefined);
    const progress = (): RunProgress => {
      const cost = costNow();
      const waiting = transport?.waiting();
      let items = 0;
      for (const level of Object.values(run.stats.levels)) items += level.kept;
      return {
        documentsDone: run.stats.documents,
        documentsFailed: run.stats.documentsFailed,
        documentsTotal: corpus.documents.length,
        items,
        calls: run.stats.calls,
        ...callsProgress(plan, run.stats),
        promptTokens: run.stats.promptTokens,
        completionTokens: run.stats.completionTokens,
        ...(cost !== undefined ? { costUsd: cost } : {}),
        ...(waiting ? { waiting } : {}),
        startedAt: started,
      };
    };
    const ticker = setInterval(() => emit({ type: "progress", progress: progress() }), handlers.progressIntervalMs ?? 250);
    let finished = false;
    let summary: JobSummary | undefined;
    let stoppedBy: unknown;
    try {
      for await (const record of run) await writer?.write(record);
      await writer?.commit();
      finished = true;
    } catch (error) {
      stoppedBy = error;
      throw error;
    } finally {
      clearInterval(ticker);
      emit({ type: "progress", progress: progress() });
      if (!finished) await writer?.abandon();
      // Closed before the summary, which names it: a run's store is whole (checkpointed) once closed.
      store.close();
      const cost = costNow();
      summary = {
        stats: run.stats,
        ...(transport ? { transport: { ...transport.counts } } : {}),
        store: storePath,
        ...(cost !== undefined ? { costUsd: cost } : { noPrice: this.noPrice }),
        skipped: corpus.skipped,
        thin: isThin(run.stats),
      };
      emit({ type: "summary", summary, finished, ...(finished ? {} : { stoppedBy }) });
    }
    return summary;
  }

  /** Opens the local model; when nothing chose it but the lack of an API, says so first, and again if it fails. */
  private async openLocalSaying(handlers: JobHandlers): Promise<LocalEngine> {
    const why = this.options.languageModel ? undefined : localByDefault(this.options, this.env);
    if (why === undefined) return this.openLocal(handlers);
    handlers.onEvent?.({ type: "engine-by-default", why, instead: POINT_ELSEWHERE });
    try {
      return await this.openLocal(handlers);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new ConfigError(`${error.message}. No API is configured: ${POINT_ELSEWHERE}`, { cause: error });
    }
  }

  private openLocal(handlers: JobHandlers): Promise<LocalEngine> {
    return openLocalEngine(this.modelName, this.options, this.localIo(handlers));
  }

  private localIo(handlers: JobHandlers): LocalIo {
    const emit = (event: JobEvent) => handlers.onEvent?.(event);
    return {
      env: this.env,
      ...(handlers.signal ? { signal: handlers.signal } : {}),
      download: {
        onStart: (info: Parameters<NonNullable<DownloadEvents["onStart"]>>[0]) => emit({ type: "download-start", ...info }),
        onProgress: (downloadedBytes: number, totalBytes: number) => emit({ type: "download-progress", downloadedBytes, totalBytes }),
      },
    };
  }

  /**
   * The OpenAI-compatible endpoints, each an engine that tries a call once (the run's scheduler
   * owns retries, so that a call waiting to be tried again holds no place), every request counted.
   */
  private apiEndpoints(requests: RequestTracker, warn: (message: string) => void): ModelEndpoint[] {
    const o = this.options;
    const specs: readonly EndpointSpec[] = o.endpoints ?? [toSpec(resolveEndpoint(o, this.env))];
    return specs.map((spec) => ({
      model: createOpenAIEngine({
        baseURL: spec.baseUrl,
        ...(spec.apiKey ? { apiKey: spec.apiKey } : {}),
        model: spec.model ?? this.modelName,
        timeoutMs: (o.timeout ?? 120) * 1000,
        retry: { maxRetries: 0 },
        requests,
        onWarning: warn,
      }),
      ...(spec.rpm !== undefined ? { rpm: spec.rpm } : o.rpm !== undefined ? { rpm: o.rpm } : {}),
      ...(spec.tpm !== undefined ? { tpm: spec.tpm } : o.tpm !== undefined ? { tpm: o.tpm } : {}),
      ...(spec.concurrency !== undefined ? { concurrency: spec.concurrency } : {}),
    }));
  }

  /**
   * How a batched run (--batch, --batch-files) sends its waves: to the one endpoint's Batch API, or
   * as files for vllm run-batch; each line the body a live call would send, read back as a live reply is.
   */
  private batchSettings(emit: (event: JobEvent) => void): BatchSettings | undefined {
    const o = this.options;
    if (!this.batched) return undefined;
    if (this.engineKind !== "api" || o.languageModel) throw new ConfigError("--batch and --batch-files send the calls to an API endpoint's batches; a local model runs them in this process");
    const specs: readonly EndpointSpec[] = o.endpoints ?? [toSpec(resolveEndpoint(o, this.env))];
    if (specs.length > 1) throw new ConfigError("--batch sends every call to one endpoint's Batch API: give one --base-url");
    const spec = specs[0]!;
    const model = spec.model ?? this.modelName;
    const api = this.batchApi({ baseURL: spec.baseUrl, ...(spec.apiKey ? { apiKey: spec.apiKey } : {}) }, emit);
    const sendsRepetitionPenalty = acceptsRepetitionPenalty(endpointUrl(spec.baseUrl, "chat/completions"));
    const ctx = { url: spec.baseUrl, model };
    return {
      api,
      body: (request) => ({ ...chatCompletionBody(model, request, { withSchema: request.responseSchema !== undefined, sendsRepetitionPenalty }) }),
      read: (body) => completionOfReply(body, ctx),
      batchRounds: o.batchResynthesis === true,
      noWait: o.wait === false,
      pollMs: this.batchPollMs,
      onEvent: (event) => emit({ type: "batch", event }),
    };
  }

  /** Whether the run sends its calls in batches (--batch, or --batch-files). */
  private get batched(): boolean {
    return this.options.batch === true || this.options.batchFiles !== undefined;
  }

  private get batchPollMs(): number {
    return (this.options.batchPoll ?? (this.options.batchFiles !== undefined ? 5 : 30)) * 1000;
  }

  /** Where batches go: files in --batch-files for vllm run-batch, else the endpoint's Batch API. */
  private batchApi(endpoint: { baseURL: string; apiKey?: string }, emit: (event: JobEvent) => void): BatchApi {
    const o = this.options;
    if (o.batchFiles !== undefined) return createFolderBatchApi(o.batchFiles, { onInputFile: ({ command }) => emit({ type: "batch-file", command }) });
    return createHttpBatchApi({ ...endpoint, retry: { maxRetries: o.maxRetries ?? 6 } });
  }

  /** The endpoint of an API embedding model: --embed-base-url and --embed-api-key, else the first endpoint's (or the run's). */
  private embeddingEndpoint(): { baseURL: string; apiKey?: string } {
    const o = this.options;
    const first = o.endpoints?.[0];
    const endpoint = first ? { baseURL: first.baseUrl, apiKey: first.apiKey } : resolveEndpoint(o, this.env);
    const apiKey = o.embedApiKey ?? endpoint.apiKey;
    return { baseURL: o.embedBaseUrl ?? endpoint.baseURL, ...(apiKey ? { apiKey } : {}) };
  }

  /** The texts adaptive budgets embed (each document and its distinct words), through the embeddings endpoint's batches. */
  private embedInBatches(embedder: EmbeddingModel, store: RunStore, documents: readonly SourceDocument[], emit: (event: JobEvent) => void, signal: AbortSignal | undefined): Promise<void> {
    return embedInBatches(
      documents.flatMap((document) => [document.text, ...distinctWords(document.text)]),
      {
        api: this.batchApi(this.embeddingEndpoint(), emit),
        store,
        model: embedder,
        pollMs: this.batchPollMs,
        noWait: this.options.wait === false,
        ...(signal ? { signal } : {}),
        onEvent: (event) => emit({ type: "batch", event }),
      },
    );
  }

  /** Counts each retry, and says so at the first timeout: a server that hangs is otherwise silent for minutes. */
  private onRetry(requests: RequestTracker, warn: (message: string) => void): (info: RetryInfo) => void {
    const maxRetries = this.options.maxRetries ?? 6;
    let toldTimeout = false;
    return ({ error, delayMs }) => {
      requests.retried(delayMs);
      if (!toldTimeout && isTimeout(error)) {
        toldTimeout = true;
        warn(`${error.message}; it will be retried, as will any call that times out (--max-retries ${maxRetries} a call; --timeout sets the limit)`);
      }
    };
  }

  /**
   * The embedding model of adaptive budgets: a GGUF model in this process (the chat model itself
   * when it is the same one), or an OpenAI-compatible endpoint. Returns it and what must be closed after.
   */
  private async openEmbedder(chat: LocalEngine | undefined, handlers: JobHandlers): Promise<{ embedder: EmbeddingModel; close: () => Promise<void> }> {
    const o = this.options;
    const name = o.embedModel ?? (this.engineKind === "local" ? this.modelName : DEFAULT_API_EMBED_MODEL);
    if (chat && name === this.modelName) {
      const embedder = await createLocalEmbeddings(chat.model, { modelId: chat.modelId, description: chat.description }, o.threads !== undefined ? { threads: o.threads } : {});
      return { embedder, close: () => embedder.dispose() };
    }
    if (isLocalModelSpec(name) || this.engineKind === "local") {
      const embedder = await openLocalEmbeddings(name, o, this.localIo(handlers));
      return { embedder, close: () => embedder.dispose() };
    }
    // With several endpoints, embeddings go to the first (or --embed-base-url).
    const embedder = createEmbeddingEngine({ ...this.embeddingEndpoint(), model: name });
    return { embedder, close: async () => {} };
  }

  /** Adaptive budgets: every document and its words embedded (cached in the store), Box-Cox over the corpus. */
  private planBudgets(embedding: EmbeddingModel, store: RunStore, documents: SourceDocument[]): Promise<BudgetPlan> {
    const o = this.options;
    return planBudgets(documents, cachedEmbeddings(embedding, store), {
      mu: o.mu ?? 8,
      alpha: o.alpha ?? 0,
      threshold: o.relevanceThreshold ?? 0.16,
      ...(o.nmax !== undefined ? { nmax: o.nmax } : {}),
    });
  }
}

/** Why a corpus that was read gave no document, as one line: a run on it would succeed with an empty dataset. */
async function nothingToSynthesize(corpus: string, skipped: number): Promise<InputError> {
  if (skipped > 0) return new InputError(corpus, undefined, `no documents to synthesize: all ${skipped} records were skipped as bad input`);
  const folder = (await stat(corpus).catch(() => undefined))?.isDirectory() === true;
  return new InputError(corpus, undefined, folder ? `no documents to synthesize: no ${CORPUS_EXTENSIONS} file in this folder holds one` : "no documents to synthesize: the file holds no records");
}

function throwIfStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError("interrupted");
}

/** Opens the store, or closes what was opened for it when it cannot be opened. */
async function openOrClose(path: string, close: () => Promise<void>): Promise<RunStore> {
  try {
    return RunStore.open(path);
  } catch (error) {
    await close();
    throw error;
  }
}

function maxTokensEverywhere(maxTokens: number) {
  const s = { maxTokens };
  return { extract: s, synthesize: s, answer: s, resynthesize: s, selfQa: s };
}

function toSpec({ baseURL, apiKey }: { baseURL: string; apiKey?: string | undefined }): EndpointSpec {
  return { baseUrl: baseURL, ...(apiKey ? { apiKey } : {}) };
}
