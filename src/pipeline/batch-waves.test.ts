import { describe, expect, it } from "vitest";
import { EngineCallError } from "../errors.js";
import type { BatchApi, BatchInfo, BatchInputLine, BatchOutputLine } from "../llm/batch/batch-api.js";
import type { Completion, CompletionRequest, LanguageModel } from "../llm/port.js";
import { BatchesPendingError, BatchFailedError, BatchWaves, type BatchLedger, type PendingBatch, type RecordedBatch } from "./batch-waves.js";

/** A batch service in memory: each batch ends as `outcome` says when the test finishes it. */
class MemoryBatches implements BatchApi {
  readonly description = "memory";
  readonly files = new Map<string, BatchInputLine[] | BatchOutputLine[]>();
  readonly batches = new Map<string, BatchInfo & { lines: BatchInputLine[] }>();
  /** Lines answered with an error, by custom_id. */
  failLines = new Set<string>();
  private next = 0;

  async upload(_name: string, lines: readonly BatchInputLine[]): Promise<string> {
    if (this.failUploadAfter-- <= 0) throw new Error("upload refused");
    const id = `file-${this.next++}`;
    this.files.set(id, [...lines]);
    return id;
  }
  /** The next create makes its batch and then fails, as a create whose reply was lost. */
  loseCreateReply = false;
  /** The next upload after this many fails. */
  failUploadAfter = Infinity;
  async create(inputFileId: string): Promise<BatchInfo> {
    if (!this.files.has(inputFileId)) {
      throw new EngineCallError(`input file ${inputFileId} not found`, { url: "memory", model: "", status: 404, retryable: false });
    }
    const id = `batch-${this.next++}`;
    const info = { id, status: "in_progress" as const, input_file_id: inputFileId, lines: this.files.get(inputFileId) as BatchInputLine[] };
    this.batches.set(id, info);
    if (this.loseCreateReply) {
      this.loseCreateReply = false;
      throw new Error("connection dropped");
    }
    return info;
  }
  async find(inputFileId: string): Promise<BatchInfo | undefined> {
    return [...this.batches.values()].find((b) => b.input_file_id === inputFileId);
  }
  async get(id: string): Promise<BatchInfo> {
    return this.batches.get(id)!;
  }
  async download(fileId: string): Promise<BatchOutputLine[]> {
    return this.files.get(fileId) as BatchOutputLine[];
  }
  async cancel(id: string): Promise<BatchInfo> {
    return this.batches.get(id)!;
  }
  /** Ends a batch: answers its lines in reverse order (any order is allowed), some of them when expired. */
  finish(id: string, status: "completed" | "expired" | "failed" = "completed", answered = Infinity): void {
    const batch = this.batches.get(id)!;
    if (status === "failed") {
      Object.assign(batch, { status, errors: { data: [{ line: 1, message: "model is required" }] } });
      return;
    }
    const output: BatchOutputLine[] = [];
    const errors: BatchOutputLine[] = [];
    batch.lines.slice(0, answered).forEach((line) => {
      if (this.failLines.has(line.custom_id)) errors.push({ custom_id: line.custom_id, error: { code: "server_error", message: "try again" } });
      else output.push({ custom_id: line.custom_id, response: { status_code: 200, body: { text: `answer to ${JSON.stringify((line.body.messages as Array<{ content: string }>)[0]!.content)}` } } });
    });
    const outputId = `out-${id}`;
    const errorId = `err-${id}`;
    this.files.set(outputId, output.reverse());
    this.files.set(errorId, errors);
    Object.assign(batch, { status, output_file_id: outputId, error_file_id: errorId });
  }
}

class MemoryLedger implements BatchLedger {
  readonly recorded: RecordedBatch[] = [];
  readonly pending = new Map<string, PendingBatch>();
  lastWave(): number {
    return Math.max(-1, ...this.recorded.map((b) => b.wave), ...[...this.pending.values()].map((p) => p.wave));
  }
  setPendingBatch(pending: PendingBatch): void {
    this.pending.set(pending.inputFileId, pending);
  }
  clearPendingBatch(inputFileId: string): void {
    this.pending.delete(inputFileId);
  }
  pendingBatches(): PendingBatch[] {
    return [...this.pending.values()];
  }
  getReply(key: string) {
    const c = this.replies.get(key);
    return c && { text: c.text, finishReason: c.finishReason, ...c.usage };
  }
  readonly finished = new Set<string>();
  readonly replies = new Map<string, Completion>();
  recordBatch(batch: RecordedBatch): void {
    if (!this.recorded.some((b) => b.id === batch.id)) this.recorded.push(batch);
    this.pending.delete(batch.inputFileId);
  }
  updateBatch(): void {}
  finishBatch(id: string): void {
    this.finished.add(id);
  }
  openBatches() {
    return this.recorded.filter((b) => !this.finished.has(b.id));
  }
  putReply(key: string, _step: string, completion: Completion): void {
    this.replies.set(key, completion);
  }
}

const ask = (text: string, round = 0): CompletionRequest => ({ messages: [{ role: "user", content: text }], sampling: {}, ...(round > 0 ? { round } : {}) });

function liveModel(): LanguageModel & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    description: "live",
    modelId: "m",
    complete: async (request) => {
      calls.push(request.messages[0]!.content);
      return { text: `live ${request.messages[0]!.content}`, usage: { promptTokens: 1, completionTokens: 1, cachedPromptTokens: 0 }, finishReason: "stop", attempts: 1 };
    },
  };
}

function waves(api: MemoryBatches, ledger: MemoryLedger, live = liveModel(), more: Partial<ConstructorParameters<typeof BatchWaves>[0]> = {}) {
  return new BatchWaves({
    api,
    ledger,
    live,
    keyOf: (request) => `key:${request.messages[0]!.content}`,
    body: (request) => ({ model: "m", messages: request.messages }),
    read: (body) => ({ text: (body as { text: string }).text, usage: { promptTokens: 2, completionTokens: 3, cachedPromptTokens: 0 }, finishReason: "stop" }),
    pollMs: 1,
    quietMs: 5,
    ...more,
  });
}

/** Resolves once the service holds `n` batches. */
async function batchesSubmitted(api: MemoryBatches, n: number): Promise<string[]> {
  while (api.batches.size < n) await new Promise((resolve) => setTimeout(resolve, 1));
  return [...api.batches.keys()];
}

describe("BatchWaves", () => {
  it("sends the calls asked together as one wave, recorded before it is waited on, and hands each its answer by key", async () => {
    const api = new MemoryBatches();
    const ledger = new MemoryLedger();
    const model = waves(api, ledger);
    const answers = Promise.all(["a", "b", "c"].map((t) => model.complete(ask(t))));
    const [id] = await batchesSubmitted(api, 1);
    expect(ledger.recorded).toEqual([expect.objectContaining({ id, wave: 0, keys: ["key:a", "key:b", "key:c"] })]);
    api.finish(id!);
    expect((await answers).map((c) => c.text)).toEqual(['answer to "a"', 'answer to "b"', 'answer to "c"']);
    expect([...ledger.replies.keys()].sort()).toEqual(["key:a", "key:b", "key:c"]);
    expect(ledger.finished.has(id!)).toBe(true);
  });

  it("sends later re-synthesis rounds live unless told to batch them", async () => {
    const api = new MemoryBatches();
    const live = liveModel();
    const model = waves(api, new MemoryLedger(), live);
    expect((await model.complete(ask("r", 2))).text).toBe("live r");
    expect(api.batches.size).toBe(0);
    const batching = waves(api, new MemoryLedger(), live, { batchRounds: true });
    const pending = batching.complete(ask("r", 2));
    const [id] = await batchesSubmitted(api, 1);
    api.finish(id!);
    expect((await pending).text).toBe('answer to "r"');
  });

  it("collects, after a restart, the batches an earlier run submitted, without submitting them again", async () => {
    const api = new MemoryBatches();
    const ledger = new MemoryLedger();
    const first = waves(api, ledger, liveModel(), { noWait: true });
    const stopped = Promise.allSettled([first.complete(ask("a")), first.complete(ask("b"))]);
    const [id] = await batchesSubmitted(api, 1);
    for (const result of await stopped) expect(result).toMatchObject({ status: "rejected", reason: expect.any(BatchesPendingError) });

    api.finish(id!);
    const second = waves(api, ledger);
    expect(second.hasOpenBatches).toBe(true);
    second.resume();
    expect((await Promise.all([second.complete(ask("a")), second.complete(ask("b"))])).map((c) => c.text)).toEqual(['answer to "a"', 'answer to "b"']);
    expect(api.batches.size).toBe(1);
  });

  it("with --no-wait, stops at once while an earlier run's batches are still running", async () => {
    const api = new MemoryBatches();
    const ledger = new MemoryLedger();
    const first = waves(api, ledger, liveModel(), { noWait: true });
    const stopped = first.complete(ask("a")).catch((e: unknown) => e);
    await batchesSubmitted(api, 1);
    await stopped;
    const again = waves(api, ledger, liveModel(), { noWait: true });
    again.resume();
    await expect(again.complete(ask("a"))).rejects.toThrow(/1 batch is still running; run the same command later/);
  });

  it("sends a failed line again in the next wave, then live; an expired batch's unanswered lines likewise", async () => {
    const api = new MemoryBatches();
    api.failLines.add("key:b");
    const live = liveModel();
    const model = waves(api, new MemoryLedger(), live);
    const answers = Promise.all([model.complete(ask("a")), model.complete(ask("b")), model.complete(ask("c"))]);
    const [first] = await batchesSubmitted(api, 1);
    api.finish(first!, "expired", 2);
    const [, second] = await batchesSubmitted(api, 2);
    // Wave 1 holds the failed line and the one the expired batch never reached.
    expect(api.batches.get(second!)!.lines.map((l) => l.custom_id)).toEqual(["key:b", "key:c"]);
    api.finish(second!);
    expect((await answers).map((c) => c.text)).toEqual(['answer to "a"', "live b", 'answer to "c"']);
    expect(live.calls).toEqual(["b"]);
  });

  it("stops the run with the provider's reason when a batch fails as a whole", async () => {
    const api = new MemoryBatches();
    const model = waves(api, new MemoryLedger());
    const pending = model.complete(ask("a"));
    const [id] = await batchesSubmitted(api, 1);
    api.finish(id!, "failed");
    await expect(pending).rejects.toThrow(BatchFailedError);
    await expect(pending).rejects.toThrow(/batch batch-\d+ \(wave 0\) failed at memory: line 1: model is required/);
  });

  it("a run stopped while creating a batch (its reply lost) finds that batch from the same file, and submits nothing again", async () => {
    const api = new MemoryBatches();
    const ledger = new MemoryLedger();
    api.loseCreateReply = true;
    const first = waves(api, ledger);
    const lost = Promise.allSettled([first.complete(ask("a")), first.complete(ask("b"))]);
    for (const result of await lost) expect(result.status).toBe("rejected");
    expect(api.batches.size).toBe(1);
    expect(ledger.pendingBatches()).toMatchObject([{ wave: 0, keys: ["key:a", "key:b"] }]);

    const [id] = [...api.batches.keys()];
    api.finish(id!);
    const second = waves(api, ledger);
    second.resume();
    expect((await Promise.all([second.complete(ask("a")), second.complete(ask("b"))])).map((c) => c.text)).toEqual(['answer to "a"', 'answer to "b"']);
    expect(api.batches.size).toBe(1);
    expect(ledger.pendingBatches()).toEqual([]);
    expect(ledger.recorded.map((b) => b.id)).toEqual([id]);
  });

  it("when the batch an earlier run was creating is refused for good (its file gone), its lines go in the next wave", async () => {
    const api = new MemoryBatches();
    const ledger = new MemoryLedger();
    api.loseCreateReply = true;
    const first = waves(api, ledger);
    await Promise.allSettled([first.complete(ask("a"))]);
    // The provider lost the batch and its file.
    api.batches.clear();
    api.files.clear();
    const events: string[] = [];
    const second = waves(api, ledger, liveModel(), { onEvent: (e) => events.push(e.type) });
    second.resume();
    const answer = second.complete(ask("a"));
    const [id] = await batchesSubmitted(api, 1);
    api.finish(id!);
    expect((await answer).text).toBe('answer to "a"');
    expect(events).toContain("pending-dropped");
    expect(ledger.pendingBatches()).toEqual([]);
  });

  it("counts an answer collected before any call asked once: when collected, and its call then costs nothing more", async () => {
    const api = new MemoryBatches();
    const ledger = new MemoryLedger();
    const first = waves(api, ledger, liveModel(), { noWait: true });
    await Promise.allSettled([first.complete(ask("a"))]);
    const [id] = await batchesSubmitted(api, 1);
    api.finish(id!);
    const counted: Completion[] = [];
    const second = waves(api, ledger, liveModel(), { onUnasked: (c) => counted.push(c) });
    second.resume();
    while (!ledger.finished.has(id!)) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(counted).toEqual([expect.objectContaining({ text: 'answer to "a"', usage: { promptTokens: 2, completionTokens: 3, cachedPromptTokens: 0 }, batchId: id })]);
    const later = await second.complete(ask("a"));
    expect(later).toMatchObject({ text: 'answer to "a"', usage: { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 } });
    expect(api.batches.size).toBe(1);
  });

  it("hands a call the reply collected before it asked, instead of sending it again", async () => {
    const api = new MemoryBatches();
    const ledger = new MemoryLedger();
    ledger.replies.set("key:a", { text: "kept", usage: { promptTokens: 1, completionTokens: 1, cachedPromptTokens: 0 }, finishReason: "stop", attempts: 1 });
    const model = waves(api, ledger);
    expect(await model.complete(ask("a"))).toMatchObject({ text: "kept", batchId: expect.any(String) });
    expect(api.batches.size).toBe(0);
  });

  it("numbers waves on from every batch the store recorded, and leaves alone open batches of another service", async () => {
    const api = new MemoryBatches();
    const ledger = new MemoryLedger();
    ledger.recordBatch({ id: "old", wave: 4, label: "x", service: "memory", inputFileId: "f", keys: [], submittedAt: 0 });
    ledger.finishBatch("old");
    ledger.recordBatch({ id: "elsewhere", wave: 5, label: "x", service: "another", inputFileId: "g", keys: ["key:a"], submittedAt: 0 });
    const events: string[] = [];
    const model = waves(api, ledger, liveModel(), { onEvent: (e) => events.push(e.type === "other-service" ? `${e.batches} at ${e.service}` : e.type) });
    expect(events).toEqual(["1 at another"]);
    const pending = model.complete(ask("a"));
    const [id] = await batchesSubmitted(api, 1);
    expect(ledger.recorded.at(-1)).toMatchObject({ id, wave: 6 });
    api.finish(id!);
    expect((await pending).text).toBe('answer to "a"');
  });

  it("when a later part of a wave cannot be submitted, the parts submitted are still collected", async () => {
    const api = new MemoryBatches();
    const ledger = new MemoryLedger();
    api.failUploadAfter = 1;
    const model = waves(api, ledger, liveModel(), { maxLines: 1 });
    const results = Promise.allSettled([model.complete(ask("a")), model.complete(ask("b"))]);
    const [id] = await batchesSubmitted(api, 1);
    api.finish(id!);
    const [a, b] = await results;
    expect(a).toMatchObject({ status: "fulfilled", value: { text: 'answer to "a"' } });
    expect(b).toMatchObject({ status: "rejected", reason: new Error("upload refused") });
  });
});
