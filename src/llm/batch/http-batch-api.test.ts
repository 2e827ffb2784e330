import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { SAMPLE_CORPUS } from "../../../test/support/fixtures.js";
import { startSimServer, type SimHooks, type SimOptions, type SimServer } from "../../../test/support/sim-server.js";
import { ConfigError, EngineCallError } from "../../errors.js";
import { answerPrompt, microElementsPrompt } from "../../method/prompts.js";
import { chatCompletionBody, completionOfReply } from "../http/chat-body.js";
import { createOpenAIEngine } from "../http/openai-engine.js";
import type { CompletionRequest } from "../port.js";
import type { BatchApi, BatchInfo, BatchInputLine, BatchStatus } from "./batch-api.js";
import { batchFailureReason, batchInputLine } from "./batch-lines.js";
import { createHttpBatchApi } from "./http-batch-api.js";

const DOCUMENTS = readFileSync(SAMPLE_CORPUS, "utf8")
  .trim()
  .split("\n")
  .map((line) => (JSON.parse(line) as { content: string }).content)
  .slice(0, 6);

/** Requests of two steps over several documents: what a wave holds. */
const REQUESTS: CompletionRequest[] = DOCUMENTS.flatMap((d) => [
  { messages: microElementsPrompt(d, 3, []), sampling: { temperature: 0.7, maxTokens: 512, seed: 1 } },
  { messages: answerPrompt(d, "What is this text about?"), sampling: { temperature: 0, maxTokens: 512 } },
]);

const bodyOf = (request: CompletionRequest) => chatCompletionBody("sim-model", request, { withSchema: false, sendsRepetitionPenalty: true }) as unknown as Record<string, unknown>;
const LINES: BatchInputLine[] = REQUESTS.map((r, i) => batchInputLine(`req-${i}`, bodyOf(r), "/v1/chat/completions"));

const servers: SimServer[] = [];
async function sim(options: Partial<SimOptions> = {}, hooks: SimHooks = {}): Promise<SimServer> {
  const s = await startSimServer({ batchTurnaroundMs: 40, ...options }, hooks);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const apiFor = (s: SimServer) => createHttpBatchApi({ baseURL: s.baseURL, retry: { maxRetries: 2, baseDelayMs: 1 } });

const ENDED: ReadonlySet<BatchStatus> = new Set(["completed", "failed", "expired", "cancelled"]);

/** Polls a batch until it ends; resolves with what it ended as and every status seen on the way. */
async function untilEnded(api: BatchApi, id: string): Promise<{ info: BatchInfo; seen: BatchStatus[] }> {
  const seen: BatchStatus[] = [];
  for (;;) {
    const info = await api.get(id);
    if (seen.at(-1) !== info.status) seen.push(info.status);
    if (ENDED.has(info.status)) return { info, seen };
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function submit(api: BatchApi, lines: readonly BatchInputLine[] = LINES): Promise<BatchInfo> {
  const fileId = await api.upload("wave-1.jsonl", lines);
  return api.create(fileId, "/v1/chat/completions");
}

async function rejection(promise: Promise<unknown>): Promise<EngineCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineCallError);
  return error as EngineCallError;
}

describe("createHttpBatchApi against the simulator", () => {
  it("uploads, creates, sees every state as the batch ages, and downloads every answer in shuffled order", async () => {
    let now = 1_000_000;
    const s = await sim({ batchTurnaroundMs: 1000 }, { now: () => now });
    const api = apiFor(s);
    const created = await submit(api);
    expect(created).toMatchObject({ status: "validating", input_file_id: expect.stringMatching(/^file-/), request_counts: { total: LINES.length, completed: 0 } });
    const seen: Array<[BatchStatus, number | undefined]> = [];
    for (const at of [99, 100, 450, 799, 800, 999]) {
      now = 1_000_000 + at;
      const info = await api.get(created.id);
      seen.push([info.status, info.request_counts?.completed]);
    }
    expect(seen).toEqual([
      ["validating", 0],
      ["in_progress", 0],
      ["in_progress", LINES.length / 2],
      ["in_progress", LINES.length - 1],
      ["finalizing", LINES.length],
      ["finalizing", LINES.length],
    ]);
    now = 1_001_000;
    const info = await api.get(created.id);
    expect(info.status).toBe("completed");
    expect(info.request_counts).toEqual({ total: LINES.length, completed: LINES.length, failed: 0 });
    expect(info.error_file_id).toBeNull();

    const output = await api.download(info.output_file_id!);
    expect(output.map((l) => l.custom_id).sort()).toEqual(LINES.map((l) => l.custom_id).sort());
    expect(output.map((l) => l.custom_id)).not.toEqual(LINES.map((l) => l.custom_id));
    expect(s.stats.batch).toMatchObject({ filesUploaded: 1, batchesCreated: 1, linesPerBatch: [LINES.length], linesAnswered: LINES.length });
    expect(s.stats.batch.polls).toBe(7);
    expect(s.stats.batch.byStep).toEqual({ micro_elements: DOCUMENTS.length, answer: DOCUMENTS.length });
    expect(s.stats.chatRequests).toBe(0);

    // Each answer, matched by custom_id, is what a live call with the same request gets.
    const live = await sim();
    const engine = createOpenAIEngine({ baseURL: live.baseURL, model: "sim-model" });
    const ctx = { url: s.baseURL, model: "sim-model" };
    const byId = new Map(output.map((l) => [l.custom_id, l]));
    for (const [i, request] of REQUESTS.entries()) {
      const line = byId.get(`req-${i}`)!;
      expect(line.response?.status_code).toBe(200);
      const batched = completionOfReply(line.response!.body, ctx);
      const { text, usage } = await engine.complete(request);
      expect(batched.text).toBe(text);
      expect(batched.usage.promptTokens).toBe(usage.promptTokens);
    }
  });

  it("puts failed lines in the error file with a code and message, and 500s in the output file", async () => {
    const s = await sim({ errorLines: ["req-1", "req-4"], status500Lines: ["req-2"] });
    const api = apiFor(s);
    const { info } = await untilEnded(api, (await submit(api)).id);
    expect(info.status).toBe("completed");
    expect(info.request_counts).toEqual({ total: LINES.length, completed: LINES.length - 3, failed: 3 });
    const errors = await api.download(info.error_file_id!);
    expect(errors.map((l) => l.custom_id).sort()).toEqual(["req-1", "req-4"]);
    for (const e of errors) expect(e.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    const output = await api.download(info.output_file_id!);
    expect(output.find((l) => l.custom_id === "req-2")?.response?.status_code).toBe(500);
    expect(output).toHaveLength(LINES.length - 2);
  });

  it("ends an expired batch with the lines done so far in the output file and the rest in the error file", async () => {
    const s = await sim({ expireBatches: [2] });
    const api = apiFor(s);
    expect((await untilEnded(api, (await submit(api)).id)).info.status).toBe("completed");
    const { info } = await untilEnded(api, (await submit(api)).id);
    expect(info.status).toBe("expired");
    const done = await api.download(info.output_file_id!);
    const rest = await api.download(info.error_file_id!);
    expect(done).toHaveLength(LINES.length / 2);
    expect(rest.every((l) => l.error?.code === "batch_expired")).toBe(true);
    expect([...done, ...rest].map((l) => l.custom_id).sort()).toEqual(LINES.map((l) => l.custom_id).sort());
  });

  it("cancels a batch: cancelling, then cancelled with the lines it had done (none, still validating)", async () => {
    const s = await sim({ batchTurnaroundMs: 60_000 });
    const api = apiFor(s);
    const created = await submit(api);
    const cancelling = await api.cancel(created.id);
    expect(cancelling.status).toBe("cancelling");
    const { info } = await untilEnded(api, created.id);
    expect(info.status).toBe("cancelled");
    expect(info.output_file_id).toBeNull();
    const rest = await api.download(info.error_file_id!);
    expect(rest).toHaveLength(LINES.length);
    expect(rest.every((l) => l.error?.code === "batch_cancelled")).toBe(true);
    const again = await rejection(api.cancel(created.id));
    expect(again.message).toMatch(/Cannot cancel a batch with status 'cancelled'/);
  });

  it("reports a batch made to end cancelled elsewhere", async () => {
    const s = await sim({ cancelBatches: [1] });
    const api = apiFor(s);
    const { info, seen } = await untilEnded(api, (await submit(api)).id);
    expect(seen.at(-1)).toBe("cancelled");
    expect(info.request_counts).toMatchObject({ total: LINES.length, completed: LINES.length / 2 });
  });

  it("tells why a failed batch failed, without output", async () => {
    const s = await sim({ failBatches: [1] });
    const api = apiFor(s);
    const { info } = await untilEnded(api, (await submit(api)).id);
    expect(info.status).toBe("failed");
    expect(info.output_file_id).toBeNull();
    expect(batchFailureReason(info)).toMatch(/Enqueued token limit reached/);
    expect(s.stats.batch.linesAnswered).toBe(0);
  });

  it("fails a batch whose lines OpenAI would refuse, naming each bad line", async () => {
    const s = await sim();
    const api = apiFor(s);
    const bad = [LINES[0]!, { ...LINES[1]!, custom_id: "req-0" }, { ...LINES[2]!, url: "/v1/embeddings" }, { ...LINES[3]!, body: { messages: [] } }] as BatchInputLine[];
    const { info } = await untilEnded(api, (await submit(api, bad)).id);
    expect(info.status).toBe("failed");
    expect(info.output_file_id).toBeNull();
    expect(info.errors?.data?.map((e) => [e.line, e.code])).toEqual([
      [2, "duplicate_custom_id"],
      [3, "mismatched_endpoint"],
      [4, "missing_required_parameter"],
    ]);
    expect(batchFailureReason(info)).toMatch(/^line 2: The custom_id 'req-0' .*; line 3: .*; line 4: Missing required parameter: 'body.model'\.$/);
    expect(s.stats.batch.linesAnswered).toBe(0);
  });

  it("refuses a create for another endpoint than the lines' or another window, at once", async () => {
    const s = await sim();
    const api = apiFor(s);
    const fileId = await api.upload("wave.jsonl", LINES);
    const error = await rejection(api.create(fileId, "/v1/completions" as BatchInputLine["url"]));
    expect(error.message).toMatch(/^400 Bad Request from http:\/\/127\.0\.0\.1:\d+\/v1: Invalid endpoint "\/v1\/completions"/);
    expect(s.stats.batch.batchesCreated).toBe(0);
  });

  it("batches embeddings as /v1/embeddings answers them", async () => {
    const s = await sim();
    const api = apiFor(s);
    const lines = ["one text", "another"].map((t, i) => batchInputLine(`e-${i}`, { model: "sim-embedding", input: [t] }, "/v1/embeddings"));
    const fileId = await api.upload("embed.jsonl", lines);
    const { info } = await untilEnded(api, (await api.create(fileId, "/v1/embeddings")).id);
    const output = await api.download(info.output_file_id!);
    const first = output.find((l) => l.custom_id === "e-0")!.response!.body as { data: Array<{ embedding: number[] }> };
    expect(first.data[0]!.embedding).toHaveLength(s.options.embeddingDim);
    expect(s.stats.embeddingInputs).toBe(2);
    expect(s.stats.embeddingRequests).toBe(0);
  });

  it("finds the batch a create made when its reply was lost, instead of making a second", async () => {
    const s = await sim({ dropBatchCreates: 1 });
    const api = apiFor(s);
    const created = await submit(api);
    expect(s.stats.batch.batchesCreated).toBe(1);
    expect((await untilEnded(api, created.id)).info.status).toBe("completed");
  });

  it("says in one line that a server without a Batch API has none, and suggests --batch-files", async () => {
    const s = await sim({ batchApi: false });
    const error = await rejection(apiFor(s).upload("wave.jsonl", LINES));
    expect(error.message).toBe(`${s.baseURL} has no Batch API (404 on ${s.baseURL}/files or /batches): use a provider that has one, or --batch-files DIR to write the batches for vllm run-batch`);
    expect(error.details.retryable).toBe(false);
  });

  it("names an unknown batch or file", async () => {
    const api = apiFor(await sim());
    expect((await rejection(api.get("batch_nope"))).message).toMatch(/^batch batch_nope not found at http:\/\/127\.0\.0\.1:\d+\/v1 \(No batch found/);
    expect((await rejection(api.download("file-nope"))).message).toMatch(/^file file-nope not found at/);
    expect((await rejection(api.create("file-nope", "/v1/chat/completions"))).message).toMatch(/^input file file-nope not found at/);
  });

  it("refuses a malformed output line naming the file and the line", async () => {
    const s = await sim();
    const api = apiFor(s);
    // An input file is a file like any other: its lines have no response, so reading it as output fails at line 1.
    const fileId = await api.upload("wave.jsonl", LINES);
    const error = await rejection(api.download(fileId));
    expect(error.message).toBe(`line 1 of file ${fileId} has neither a response nor an error from ${s.baseURL}`);
  });

  it("refuses a base URL that is not http(s) when made", () => {
    expect(() => createHttpBatchApi({ baseURL: "localhost:8000/v1" })).toThrow(ConfigError);
  });

  it("sends the key, and says when it is wrong", async () => {
    const s = await sim({ apiKey: "sk-right" });
    const ok = createHttpBatchApi({ baseURL: s.baseURL, apiKey: "sk-right", retry: { maxRetries: 0 } });
    expect(await ok.upload("w.jsonl", LINES)).toMatch(/^file-/);
    const wrong = createHttpBatchApi({ baseURL: s.baseURL, apiKey: "sk-wrong", retry: { maxRetries: 0 } });
    expect((await rejection(wrong.upload("w.jsonl", LINES))).message).toMatch(/^401 Unauthorized from http:\/\/127\.0\.0\.1:\d+\/v1: check the API key/);
  });
});
