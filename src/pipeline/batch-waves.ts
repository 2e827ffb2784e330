import { AbortedError, FoveateError } from "../errors.js";
import { BATCH_MAX_BYTES, BATCH_MAX_LINES, type BatchApi, type BatchInfo, type BatchInputLine, type BatchOutputLine } from "../llm/batch/batch-api.js";
import { batchFailureReason, splitIntoBatches } from "../llm/batch/batch-lines.js";
import { sleepWithSignal } from "../llm/http/retry.js";
import type { Completion, CompletionRequest, LanguageModel } from "../llm/port.js";
import type { SubmittedBatch } from "../store/run-store.js";
import { adoptBatch, submitBatch, type PendingBatch, type SubmissionLedger } from "./batch-submission.js";

export type { PendingBatch } from "./batch-submission.js";

/** Request keys of embedding lines (adaptive budgets, collected by embedInBatches) begin so: chat waves leave them alone. */
export const EMBEDDING_KEY_PREFIX = "emb:";
const isEmbedding = (keys: readonly string[]) => keys[0]?.startsWith(EMBEDDING_KEY_PREFIX) === true;

/** The batch id of a line an earlier run created but did not record yet. */
const PENDING = "(being created)";
/** The batch id given to a reply collected before its call asked for it. */
const COLLECTED = "(collected)";

/** A batched run stopped after submitting (--no-wait), or found its batches still running: run it again later. */
export class BatchesPendingError extends FoveateError {
  override readonly exitCode = 75;
}

/** A batch the provider failed as a whole (its input refused): the provider's reason, and the run stops. */
export class BatchFailedError extends FoveateError {}

/** A batch as the run's store keeps it, before anyone waits on it. */
export type RecordedBatch = Omit<SubmittedBatch, "status">;

/** What batch waves need of the run store: batches recorded before they are waited on, and replies kept. */
export interface BatchLedger extends SubmissionLedger {
  updateBatch(id: string, update: { status: string; counts?: { total: number; completed: number; failed: number } | undefined; error?: string }): void;
  /** The batch is collected: every answered line's reply is in the store. */
  finishBatch(id: string): void;
  /** Submitted and not collected, by this run or an earlier one. */
  openBatches(): Array<Pick<RecordedBatch, "id" | "wave" | "keys" | "service">>;
  /** The highest wave recorded (-1 when none): waves go on from it. */
  lastWave(): number;
  /** Batches whose create an earlier run sent and whose reply it did not record. */
  pendingBatches(): PendingBatch[];
  /** A reply the store holds (collected before its call asked). */
  getReply(key: string): { text: string; finishReason: string | undefined; promptTokens: number; completionTokens: number; cachedPromptTokens: number } | undefined;
  /** Commit a reply; `from.batchId` marks it as batched (priced at the batch price). */
  putReply(key: string, step: string, completion: Completion, from?: { batchId?: string }): void;
}

export type BatchEvent =
  | { type: "wave-submitted"; wave: number; label: string; batches: string[]; lines: number }
  /** A batch an earlier run was creating was refused for good (its file gone): its lines go in the next wave. */
  | { type: "pending-dropped"; inputFileId: string; reason: string }
  /** Open batches recorded against another service than this run's: left alone. */
  | { type: "other-service"; batches: number; service: string }
  | { type: "batch-status"; id: string; wave: number; status: string; counts?: BatchInfo["request_counts"] }
  | { type: "batch-collected"; id: string; wave: number; answered: number; retried: number; live: number; /** One failed line's reason. */ failure?: string };

export interface BatchWavesOptions {
  api: BatchApi;
  ledger: BatchLedger;
  /** The request's content address in the store: a reply collected from a batch is found by it. */
  keyOf: (request: CompletionRequest) => string;
  /** The body a live call would send. */
  body: (request: CompletionRequest) => Record<string, unknown>;
  /** A completion from a chat completion body (throws on a malformed one). */
  read: (body: unknown) => Omit<Completion, "attempts">;
  /** Where later re-synthesis rounds go (unless batchRounds), and lines a batch failed twice. */
  live: LanguageModel;
  /** Send re-synthesis rounds in batches too. Default false: they are few, and a wave of them would wait hours. */
  batchRounds?: boolean;
  /** Submit each wave and stop (BatchesPendingError); a later run collects it. */
  noWait?: boolean;
  /** Time between two looks at the open batches. Default 30 s. */
  pollMs?: number;
  /** A wave is sent once no new request has come for this long. Default 200 ms. */
  quietMs?: number;
  /** Lines a failed line is batched again before it goes live. Default 1. */
  lineRetries?: number;
  maxLines?: number;
  maxBytes?: number;
  /** Stops polling (the run stopped). */
  signal?: AbortSignal;
  /**
   * Told of each answer collected that no call waits for (its batch came from an earlier run, and no
   * document has asked yet): paid all the same, so the run counts it now; its call, when it comes, is
   * answered from the store without being paid again.
   */
  onUnasked?: (completion: Completion) => void;
  onEvent?: (event: BatchEvent) => void;
}

interface Waiter {
  request: CompletionRequest;
  resolve(completion: Completion): void;
  reject(error: unknown): void;
}

interface Line {
  key: string;
  request: CompletionRequest;
  waiters: Waiter[];
}

/**
 * A model that sends its calls as waves of batches. The method is a chain of dependent steps, so
 * every document asks its next call at about the same time: calls gather into a wave until none
 * has come for a moment (every document is waiting), and the wave goes as one or more batches. A
 * batch is recorded in the store before anything waits on it, so a run stopped at any point (even
 * killed) collects the batches it submitted when it runs again, and never submits them twice: a
 * request whose key is in an open batch waits for that batch. Collected replies are committed to the
 * store whoever waits for them. Later re-synthesis rounds go live unless told otherwise.
 */
export class BatchWaves implements LanguageModel {
  readonly description: string;
  readonly modelId: string;
  private readonly forming = new Map<string, Line>();
  private quietTimer: NodeJS.Timeout | undefined;
  /** Keys of open batches, with the requests waiting for them. */
  private readonly waiting = new Map<string, { batch: string; waiters: Waiter[]; request?: CompletionRequest }>();
  private readonly open = new Map<string, { wave: number; keys: readonly string[] }>();
  private readonly tries = new Map<string, number>();
  /** Keys whose answer was collected with no call waiting, and counted then (onUnasked). */
  private readonly countedAtCollection = new Set<string>();
  private nextWave: number;
  /** The polling loop, for close() to wait on; pollingNow says whether it still runs (cleared as it leaves, in the same turn). */
  private polling: Promise<void> | undefined;
  private pollingNow = false;
  private stopped: Error | undefined;
  private submitting = Promise.resolve();
  /** The batches an earlier run was creating when it stopped, to be found or made before any new wave. */
  private pending: PendingBatch[] = [];
  /** Aborted when the run stops or ends: wakes the polling and cuts its requests short. */
  private readonly ended = new AbortController();

  constructor(private readonly options: BatchWavesOptions) {
    this.description = `${options.live.description}, in batches at ${options.api.description}`;
    this.modelId = options.live.modelId;
    const { ledger, api } = options;
    const elsewhere = new Map<string, number>();
    for (const batch of ledger.openBatches()) {
      // Embedding batches (adaptive budgets) are collected before the run by embedInBatches.
      if (isEmbedding(batch.keys)) continue;
      if (batch.service !== api.description) {
        elsewhere.set(batch.service, (elsewhere.get(batch.service) ?? 0) + 1);
        continue;
      }
      this.open.set(batch.id, { wave: batch.wave, keys: batch.keys });
      for (const key of batch.keys) this.waiting.set(key, { batch: batch.id, waiters: [] });
    }
    for (const [service, batches] of elsewhere) options.onEvent?.({ type: "other-service", batches, service });
    // Batches whose create an earlier run sent without recording the reply: their lines wait for them.
    this.pending = ledger.pendingBatches().filter((p) => p.service === api.description && !isEmbedding(p.keys));
    for (const pending of this.pending) for (const key of pending.keys) this.waiting.set(key, { batch: PENDING, waiters: [] });
    this.nextWave = ledger.lastWave() + 1;
    options.signal?.addEventListener(
      "abort",
      () => {
        this.stop(options.signal!.reason);
        this.ended.abort();
      },
      { once: true },
    );
  }

  /** Whether batches from an earlier run are open: the run begins by collecting them. */
  get hasOpenBatches(): boolean {
    return this.open.size > 0 || this.pending.length > 0;
  }

  /** Starts collecting the batches an earlier run left open, before any document asks for them. */
  resume(): void {
    for (const pending of this.pending.splice(0)) {
      this.submitting = this.submitting.then(() => this.adopt(pending)).catch((error: unknown) => this.stop(error));
    }
    if (this.open.size > 0) this.poll();
  }

  /**
   * A batch an earlier run was creating: found at the service, or made now from the same uploaded
   * file. When the service refuses it for good (the file expired or is gone), its lines go in the
   * next wave instead.
   */
  private async adopt(pending: PendingBatch): Promise<void> {
    const { api, ledger, signal } = this.options;
    let adopted: Awaited<ReturnType<typeof adoptBatch>>;
    try {
      adopted = await adoptBatch(api, ledger, pending, "/v1/chat/completions", signal);
    } catch (error) {
      this.stop(error);
      return;
    }
    if ("refused" in adopted) {
      this.options.onEvent?.({ type: "pending-dropped", inputFileId: pending.inputFileId, reason: adopted.refused.message });
      for (const key of pending.keys) {
        const entry = this.waiting.get(key);
        if (entry?.batch !== PENDING) continue;
        this.waiting.delete(key);
        if (entry.request && entry.waiters.length > 0) this.forming.set(key, { key, request: entry.request, waiters: entry.waiters });
      }
      this.sendWave();
      return;
    }
    const { id } = adopted;
    this.open.set(id, { wave: pending.wave, keys: [...pending.keys] });
    for (const key of pending.keys) {
      const entry = this.waiting.get(key);
      if (entry?.batch === PENDING) entry.batch = id;
    }
    this.poll();
  }

  complete(request: CompletionRequest): Promise<Completion> {
    if (this.stopped) return Promise.reject(this.stopped);
    if ((request.round ?? 0) > 0 && !this.options.batchRounds) return this.options.live.complete(request);
    const key = this.options.keyOf(request);
    return new Promise<Completion>((resolve, reject) => {
      const waiter: Waiter = { request, resolve, reject };
      const inBatch = this.waiting.get(key);
      if (inBatch) {
        inBatch.waiters.push(waiter);
        inBatch.request ??= request;
        this.poll();
        return;
      }
      // Collected in this run before this call asked (it waited for room in the budget): not sent again.
      const stored = this.options.ledger.getReply(key);
      if (stored) {
        // Counted when it was collected: handed on without its tokens, so that it is not paid twice.
        const counted = this.countedAtCollection.has(key);
        const usage = counted
          ? { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 }
          : { promptTokens: stored.promptTokens, completionTokens: stored.completionTokens, cachedPromptTokens: stored.cachedPromptTokens };
        resolve({ text: stored.text, usage, finishReason: stored.finishReason, attempts: 1, batchId: COLLECTED });
        return;
      }
      const line = this.forming.get(key);
      if (line) line.waiters.push(waiter);
      else this.forming.set(key, { key, request, waiters: [waiter] });
      clearTimeout(this.quietTimer);
      this.quietTimer = setTimeout(() => this.sendWave(), this.options.quietMs ?? 200);
    });
  }

  /** Sends the calls gathered so far as the next wave. */
  private sendWave(): void {
    const lines = [...this.forming.values()];
    this.forming.clear();
    if (lines.length === 0) return;
    // One wave at a time reaches the provider, in order.
    this.submitting = this.submitting.then(() => this.submit(lines)).catch((error: unknown) => {
      for (const line of lines) for (const waiter of line.waiters) waiter.reject(error);
    });
  }

  private async submit(lines: Line[]): Promise<void> {
    if (this.stopped) throw this.stopped;
    const { api, ledger, signal } = this.options;
    const wave = this.nextWave++;
    const label = [...new Set(lines.map((line) => line.request.responseSchema?.name ?? "text"))].join(", ");
    const input = lines.map((line): BatchInputLine => ({ custom_id: line.key, method: "POST", url: "/v1/chat/completions", body: this.options.body(line.request) }));
    const byKey = new Map(lines.map((line) => [line.key, line]));
    const ids: string[] = [];
    const parts = splitIntoBatches(input, { maxLines: this.options.maxLines ?? BATCH_MAX_LINES, maxBytes: this.options.maxBytes ?? BATCH_MAX_BYTES });
    // Named for this store's wave and the moment: a folder or account shared by several runs never mixes their files.
    const stamp = Date.now().toString(36);
    for (const [k, part] of parts.entries()) {
      const keys = part.map((line) => line.custom_id);
      try {
        const name = `foveate-${stamp}-wave-${wave}${parts.length > 1 ? `-${k + 1}` : ""}`;
        const id = await submitBatch(api, ledger, { name, url: "/v1/chat/completions", lines: part, wave, label }, signal);
        this.open.set(id, { wave, keys });
        for (const key of keys) {
          const line = byKey.get(key)!;
          this.waiting.set(key, { batch: id, waiters: line.waiters, request: line.request });
        }
        ids.push(id);
      } catch (error) {
        // Parts submitted before stay submitted and are collected; this part's and later parts' calls fail.
        for (const rest of parts.slice(k)) for (const line of rest) for (const waiter of byKey.get(line.custom_id)!.waiters) waiter.reject(error);
        if (ids.length > 0) this.poll();
        return;
      }
    }
    this.options.onEvent?.({ type: "wave-submitted", wave, label, batches: ids, lines: input.length });
    if (this.options.noWait) this.stop(new BatchesPendingError(pendingMessage(ids.length, wave)));
    else this.poll();
  }

  /** Looks at the open batches until every one is collected (one loop however often asked). */
  private poll(): void {
    if (this.pollingNow) return;
    this.pollingNow = true;
    this.polling = this.pollOpen();
  }

  private async pollOpen(): Promise<void> {
    try {
      await this.pollWhileOpen();
    } finally {
      this.pollingNow = false;
    }
    // A batch submitted while the loop was ending (after its last look, before this line) starts a new one.
    if (this.open.size > 0 && !this.stopped) this.poll();
  }

  private async pollWhileOpen(): Promise<void> {
    let firstLook = true;
    while (this.open.size > 0 && !this.stopped) {
      for (const [id, batch] of [...this.open]) {
        try {
          if (this.stopped || !(await this.look(id, batch))) return;
        } catch (error) {
          this.stop(error);
          return;
        }
      }
      if (this.open.size === 0 || this.stopped) return;
      if (this.options.noWait && firstLook) {
        this.stop(new BatchesPendingError(`${this.open.size} batch${this.open.size === 1 ? " is" : "es are"} still running; run the same command later to collect ${this.open.size === 1 ? "it" : "them"} and go on`));
        return;
      }
      firstLook = false;
      // Woken early by a stop or the run's end: the loop then ends.
      await sleepWithSignal(this.options.pollMs ?? 30_000, this.ended.signal).catch(() => {});
    }
  }

  /** One look at an open batch: collected when done; false when the batch failed and the run stops. */
  private async look(id: string, batch: { wave: number; keys: readonly string[] }): Promise<boolean> {
    const { api, ledger } = this.options;
    const info = await api.get(id, this.ended.signal);
    ledger.updateBatch(id, { status: info.status, counts: info.request_counts });
    this.options.onEvent?.({ type: "batch-status", id, wave: batch.wave, status: info.status, ...(info.request_counts ? { counts: info.request_counts } : {}) });
    if (info.status === "failed") {
      const reason = batchFailureReason(info) || "no reason given";
      ledger.updateBatch(id, { status: info.status, error: reason });
      ledger.finishBatch(id);
      this.open.delete(id);
      this.stop(new BatchFailedError(`batch ${id} (wave ${batch.wave}) failed at ${api.description}: ${reason}`));
      return false;
    }
    if (info.status === "completed" || info.status === "expired" || info.status === "cancelled") await this.collect(id, batch, info);
    return true;
  }

  /**
   * Ends the waves when the run is done: no look at a batch, no write to the store after this
   * resolves. Batches nobody waited for stay open in the store for the next run.
   */
  async close(): Promise<void> {
    this.stop(new AbortedError("the run has ended"));
    this.ended.abort();
    await Promise.allSettled([this.polling, this.submitting]);
  }

  /** Takes a finished batch's answers into the store, hands them to their waiters, and sends the rest again. */
  private async collect(id: string, batch: { wave: number; keys: readonly string[] }, info: BatchInfo): Promise<void> {
    const { api, ledger } = this.options;
    const signal = this.ended.signal;
    const output = info.output_file_id ? await api.download(info.output_file_id, signal) : [];
    const errors = info.error_file_id ? await api.download(info.error_file_id, signal) : [];
    const answered = new Map<string, Omit<Completion, "attempts">>();
    for (const line of output) {
      const completion = this.answerOf(line);
      const entry = this.waiting.get(line.custom_id);
      if (!completion || !entry || entry.batch !== id) continue;
      ledger.putReply(line.custom_id, entry.request?.responseSchema?.name ?? "text", { ...completion, attempts: 1 }, { batchId: id });
      answered.set(line.custom_id, completion);
    }
    ledger.finishBatch(id);
    this.open.delete(id);
    const failure = [...errors, ...output].find((line) => !answered.has(line.custom_id));
    let retried = 0;
    let live = 0;
    const again: Line[] = [];
    for (const key of batch.keys) {
      const entry = this.waiting.get(key);
      if (!entry || entry.batch !== id) continue;
      this.waiting.delete(key);
      const completion = answered.get(key);
      if (completion) {
        for (const waiter of entry.waiters) waiter.resolve({ ...completion, attempts: 1, batchId: id });
        if (entry.waiters.length === 0) {
          this.countedAtCollection.add(key);
          this.options.onUnasked?.({ ...completion, attempts: 1, batchId: id });
        }
        continue;
      }
      // Unanswered (a failed line, or a batch that expired or was cancelled before it): nobody waiting means a
      // later run asks again; else it goes in the next wave, or live when it already failed in one.
      if (entry.waiters.length === 0 || !entry.request) continue;
      const tries = (this.tries.get(key) ?? 0) + 1;
      this.tries.set(key, tries);
      if (tries <= (this.options.lineRetries ?? 1)) {
        again.push({ key, request: entry.request, waiters: entry.waiters });
        retried++;
      } else {
        live++;
        const request = entry.request;
        const answer = this.options.live.complete(request);
        for (const waiter of entry.waiters) answer.then(waiter.resolve, waiter.reject);
      }
    }
    this.options.onEvent?.({
      type: "batch-collected",
      id,
      wave: batch.wave,
      answered: answered.size,
      retried,
      live,
      ...(failure ? { failure: failureOf(failure) } : {}),
    });
    if (again.length > 0) {
      for (const line of again) this.forming.set(line.key, line);
      this.sendWave();
    }
  }

  /** The completion in an output line, or undefined for a line that failed or holds no usable reply. */
  private answerOf(line: BatchOutputLine): Omit<Completion, "attempts"> | undefined {
    if (!line.response || line.response.status_code !== 200) return undefined;
    try {
      return this.options.read(line.response.body);
    } catch {
      return undefined;
    }
  }

  /** Every waiting call ends with `reason`; later calls are refused with it. */
  private stop(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = reason instanceof Error ? reason : new Error(String(reason));
    clearTimeout(this.quietTimer);
    for (const line of this.forming.values()) for (const waiter of line.waiters) waiter.reject(this.stopped);
    this.forming.clear();
    for (const entry of this.waiting.values()) for (const waiter of entry.waiters.splice(0)) waiter.reject(this.stopped);
  }
}


/** Why a line failed, in a few words: its error, or the status and message of its response. */
function failureOf(line: BatchOutputLine): string {
  const body = line.response?.body as { error?: { message?: string } } | undefined;
  const text = line.error ? `${line.error.code ?? "error"}: ${line.error.message ?? ""}` : `status ${line.response?.status_code ?? "?"}${body?.error?.message ? `: ${body.error.message}` : ""}`;
  return text.replace(/\s+/g, " ").trim().slice(0, 300);
}

function pendingMessage(batches: number, wave: number): string {
  return `submitted wave ${wave} as ${batches} batch${batches === 1 ? "" : "es"} (recorded in the run store); run the same command later to collect ${batches === 1 ? "it" : "them"} and go on`;
}
