import { createServer, type IncomingMessage, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AbortedError, EngineCallError } from "../../errors.js";
import { createOpenAIEngine, type OpenAIEngineOptions } from "./openai-engine.js";
import type { CompletionRequest } from "../port.js";

/** Where requests meant for api.openai.com go instead, so that a test can stand in for OpenAI. */
const openAiStandIn = vi.hoisted(() => ({ url: undefined as string | undefined }));

vi.mock("./api-request.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./api-request.js")>();
  return {
    ...actual,
    postApi: (url: URL, body: unknown, options: Parameters<typeof actual.postApi>[2]) =>
      actual.postApi(url.hostname === "api.openai.com" && openAiStandIn.url ? new URL(`${openAiStandIn.url}${url.pathname}`) : url, body, options),
  };
});

/** How the scripted server answers one request. */
type Reply = (res: ServerResponse, req: IncomingMessage) => void;

interface Recorded {
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  url: string | undefined;
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server on 127.0.0.1 that answers the n-th request with replies[n] (the last one repeats). */
async function scriptedServer(replies: Reply[]) {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const index = requests.length;
      requests.push({ body: JSON.parse(Buffer.concat(chunks).toString("utf8")), headers: req.headers, url: req.url });
      const reply = replies[Math.min(index, replies.length - 1)]!;
      reply(res, req);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, requests };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
}

function completionBody(content: string | null, usage?: unknown) {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "test-model",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    ...(usage === undefined ? {} : { usage }),
  };
}

const okUsage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };
const ok = (content = "hello") => json(200, completionBody(content, okUsage));
const errorBody = (message: string, type = "invalid_request_error") => ({ error: { message, type, param: null, code: null } });

const request: CompletionRequest = {
  messages: [
    { role: "system", content: "be brief" },
    { role: "user", content: "hi" },
  ],
  sampling: { temperature: 0.7, topP: 0.9, frequencyPenalty: 0.1, maxTokens: 64, seed: 42 },
};

const schemaRequest: CompletionRequest = {
  ...request,
  responseSchema: {
    name: "questions",
    schema: { type: "object", properties: { questions: { type: "array", items: { type: "string" } } }, required: ["questions"] },
  },
};

/** An engine whose retry waits are recorded, not slept. */
function engineFor(url: string, extra: Partial<OpenAIEngineOptions> = {}) {
  const waits: number[] = [];
  const warnings: string[] = [];
  const engine = createOpenAIEngine({
    baseURL: url,
    model: "test-model",
    apiKey: "sk-test",
    timeoutMs: 5_000,
    onWarning: (message) => warnings.push(message),
    ...extra,
    retry: {
      maxRetries: 3,
      random: () => 0,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...extra.retry,
    },
  });
  return { engine, waits, warnings };
}

async function failure(promise: Promise<unknown>): Promise<EngineCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineCallError);
  return error as EngineCallError;
}

describe("createOpenAIEngine", () => {
  it("sends the messages, sampling fields and json_schema response_format, and maps the reply", async () => {
    const server = await scriptedServer([
      json(200, completionBody('{"questions":["a"]}', { ...okUsage, prompt_tokens_details: { cached_tokens: 8 } })),
    ]);
    const { engine, waits, warnings } = engineFor(server.url);
    expect(engine.description).toBe(`model "test-model" at ${server.url}`);
    expect(engine.modelId).toBe("test-model");

    const completion = await engine.complete(schemaRequest);
    expect(completion).toEqual({
      text: '{"questions":["a"]}',
      usage: { promptTokens: 12, completionTokens: 5, cachedPromptTokens: 8 },
      finishReason: "stop",
      attempts: 1,
    });
    expect(waits).toEqual([]);
    expect(warnings).toEqual([]);

    const [sent] = server.requests;
    expect(sent!.url).toBe("/v1/chat/completions");
    expect(sent!.headers.authorization).toBe("Bearer sk-test");
    expect(sent!.body).toEqual({
      model: "test-model",
      messages: request.messages,
      temperature: 0.7,
      top_p: 0.9,
      frequency_penalty: 0.1,
      max_tokens: 64,
      seed: 42,
      response_format: {
        type: "json_schema",
        json_schema: { name: "questions", schema: schemaRequest.responseSchema!.schema, strict: false },
      },
    });
  });

  it("leaves out unset sampling fields and response_format when there is no schema", async () => {
    const server = await scriptedServer([ok()]);
    const { engine } = engineFor(server.url);
    await engine.complete({ messages: [{ role: "user", content: "hi" }], sampling: {} });
    expect(server.requests[0]!.body).toEqual({ model: "test-model", messages: [{ role: "user", content: "hi" }] });
  });

  it("sends a repetition penalty as repetition_penalty to other servers, which vLLM and SGLang read", async () => {
    const server = await scriptedServer([ok()]);
    const { engine } = engineFor(server.url);
    await engine.complete({ messages: [{ role: "user", content: "hi" }], sampling: { temperature: 0.5, repetitionPenalty: 1.02 } });
    expect(server.requests[0]!.body).toEqual({ model: "test-model", messages: [{ role: "user", content: "hi" }], temperature: 0.5, repetition_penalty: 1.02 });
  });

  it("does not send repetition_penalty to api.openai.com, which rejects unknown fields, and warns once", async () => {
    const server = await scriptedServer([ok()]);
    openAiStandIn.url = server.url.replace(/\/v1$/, "");
    try {
      const { engine, warnings } = engineFor("https://api.openai.com/v1");
      const request = { messages: [{ role: "user" as const, content: "hi" }], sampling: { temperature: 0.5, repetitionPenalty: 1.02 } };
      await engine.complete(request);
      await engine.complete(request);
      expect(server.requests).toHaveLength(2);
      for (const { body } of server.requests) expect(body).toEqual({ model: "test-model", messages: [{ role: "user", content: "hi" }], temperature: 0.5 });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/api\.openai\.com.*repetition penalty 1\.02/);
    } finally {
      openAiStandIn.url = undefined;
    }
  });

  it("never sends response_format when structuredOutput is none", async () => {
    const server = await scriptedServer([ok()]);
    const { engine } = engineFor(server.url, { structuredOutput: "none" });
    await engine.complete(schemaRequest);
    expect(server.requests[0]!.body).not.toHaveProperty("response_format");
  });

  it("works without an API key (local servers)", async () => {
    const server = await scriptedServer([ok()]);
    const { engine } = engineFor(server.url, { apiKey: undefined });
    await expect(engine.complete(request)).resolves.toMatchObject({ text: "hello" });
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("honours Retry-After on a 429, then succeeds", async () => {
    const server = await scriptedServer([json(429, errorBody("Rate limit reached", "requests"), { "retry-after": "1" }), ok()]);
    const { engine, waits } = engineFor(server.url);
    const completion = await engine.complete(request);
    expect(completion.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(1000);
  });

  it("retries a 500 with backoff", async () => {
    const server = await scriptedServer([json(500, errorBody("overloaded", "server_error")), ok()]);
    const { engine, waits } = engineFor(server.url, { retry: { random: () => 1, baseDelayMs: 100 } });
    await expect(engine.complete(request)).resolves.toMatchObject({ text: "hello", attempts: 2 });
    expect(waits).toEqual([100]);
  });

  it("gives up after maxRetries on a server that keeps failing", async () => {
    const server = await scriptedServer([json(503, errorBody("down", "server_error"))]);
    const { engine, waits } = engineFor(server.url, { retry: { maxRetries: 2 } });
    const error = await failure(engine.complete(request));
    expect(error.details).toMatchObject({ status: 503, retryable: true, url: server.url, model: "test-model" });
    expect(server.requests).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it("retries a connection destroyed mid-reply", async () => {
    const server = await scriptedServer([
      (res, req) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"id":"chatcmpl-1","choices":[');
        setTimeout(() => req.socket.destroy(), 10);
      },
      ok(),
    ]);
    const { engine } = engineFor(server.url);
    await expect(engine.complete(request)).resolves.toMatchObject({ text: "hello", attempts: 2 });
  });

  it("retries a connection destroyed before any reply", async () => {
    const server = await scriptedServer([(_res, req) => req.socket.destroy(), ok()]);
    const { engine } = engineFor(server.url);
    await expect(engine.complete(request)).resolves.toMatchObject({ attempts: 2 });
  });

  it("retries a truncated JSON body", async () => {
    const server = await scriptedServer([
      (res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"id":"chatcmpl-1","choices":[{"index":0,"mess');
      },
      ok(),
    ]);
    const { engine } = engineFor(server.url);
    await expect(engine.complete(request)).resolves.toMatchObject({ text: "hello", attempts: 2 });
  });

  it("retries an empty choices array, and fails on null content once retries run out", async () => {
    const server = await scriptedServer([json(200, { ...completionBody("x", okUsage), choices: [] }), ok()]);
    const { engine } = engineFor(server.url);
    await expect(engine.complete(request)).resolves.toMatchObject({ attempts: 2 });

    const nulls = await scriptedServer([json(200, completionBody(null, okUsage))]);
    const error = await failure(engineFor(nulls.url, { retry: { maxRetries: 1 } }).engine.complete(request));
    expect(error.message).toBe(`empty reply (no content) from ${nulls.url} (model "test-model")`);
    expect(error.details.retryable).toBe(true);
    expect(nulls.requests).toHaveLength(2);
  });

  it("fails at once on 401, naming the URL and model", async () => {
    const server = await scriptedServer([json(401, errorBody("Incorrect API key provided"))]);
    const { engine, waits } = engineFor(server.url);
    const error = await failure(engine.complete(request));
    expect(error.message).toBe(
      `401 Unauthorized from ${server.url} (model "test-model"): check the API key (OPENAI_API_KEY or --api-key)`,
    );
    expect(error.details).toMatchObject({ status: 401, retryable: false });
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("fails at once on 404 with a hint about the model or base URL", async () => {
    const server = await scriptedServer([json(404, { error: "model 'test-model' not found" })]);
    const { engine } = engineFor(server.url);
    const error = await failure(engine.complete(request));
    expect(error.message).toBe(
      `404 from ${server.url}: model "test-model" not found or wrong base URL (model 'test-model' not found)`,
    );
    expect(server.requests).toHaveLength(1);
  });

  it("does not retry a 400 for context length and shows the server's message", async () => {
    const message = "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens.";
    const server = await scriptedServer([json(400, errorBody(message))]);
    const { engine } = engineFor(server.url);
    const error = await failure(engine.complete(request));
    expect(error.message).toBe(`400 Bad Request from ${server.url} (model "test-model"): ${message}`);
    expect(error.details.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it("reads the message of a flat (older vLLM style) error body", async () => {
    const server = await scriptedServer([
      json(400, { object: "error", message: "maximum context length is 2048", type: "BadRequestError", code: 400 }),
    ]);
    const error = await failure(engineFor(server.url).engine.complete(request));
    expect(error.message).toContain("maximum context length is 2048");
  });

  it("falls back to no response_format when the server rejects it, once, with a warning", async () => {
    const server = await scriptedServer([json(400, errorBody("response_format type json_schema is not supported")), ok(), ok()]);
    const { engine, warnings } = engineFor(server.url);

    await expect(engine.complete(schemaRequest)).resolves.toMatchObject({ text: "hello", attempts: 2 });
    expect(server.requests[0]!.body).toHaveProperty("response_format");
    expect(server.requests[1]!.body).not.toHaveProperty("response_format");
    expect(server.requests[1]!.body).toMatchObject({ model: "test-model", temperature: 0.7, seed: 42 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("response_format");

    await engine.complete(schemaRequest);
    expect(server.requests).toHaveLength(3);
    expect(server.requests[2]!.body).not.toHaveProperty("response_format");
    expect(warnings).toHaveLength(1);
  });

  it("maps missing usage to zeros and warns once", async () => {
    const server = await scriptedServer([json(200, completionBody("hi"))]);
    const { engine, warnings } = engineFor(server.url);
    const first = await engine.complete(request);
    await engine.complete(request);
    expect(first.usage).toEqual({ promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 });
    expect(warnings).toEqual([`model "test-model" at ${server.url} reports no token usage; counting its tokens as 0`]);
  });

  it("aborts an in-flight request through the signal, without retrying", async () => {
    const controller = new AbortController();
    const server = await scriptedServer([() => controller.abort()]); // never answers; aborts once the request is in
    const { engine, waits } = engineFor(server.url);
    const pending = engine.complete({ ...request, signal: controller.signal });
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("does not send anything when the signal is already aborted", async () => {
    const server = await scriptedServer([ok()]);
    const { engine } = engineFor(server.url);
    await expect(engine.complete({ ...request, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(server.requests).toHaveLength(0);
  });

  it("times out a reply that stalls mid-body", async () => {
    const server = await scriptedServer([
      (res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"id":"chatcmpl-1",');
      },
    ]);
    const { engine } = engineFor(server.url, { timeoutMs: 200, retry: { maxRetries: 0 } });
    const error = await failure(engine.complete(request));
    expect(error.message).toBe(`no reply from ${server.url} (model "test-model") within 0.2 s: request timed out`);
    expect(error.details.retryable).toBe(true);
  });

  it("reports a refused connection", async () => {
    const server = await scriptedServer([ok()]);
    const closedUrl = server.url;
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
    const { engine } = engineFor(closedUrl, { retry: { maxRetries: 0 } });
    const error = await failure(engine.complete(request));
    expect(error.message).toBe(`cannot connect to ${closedUrl}: connection refused (is the server running?)`);
  });
});
