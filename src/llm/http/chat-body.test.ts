import { describe, expect, it } from "vitest";
import { EngineCallError } from "../../errors.js";
import type { CompletionRequest } from "../port.js";
import { acceptsRepetitionPenalty, chatCompletionBody, completionOfReply } from "./chat-body.js";

const ctx = { url: "http://127.0.0.1:9/v1", model: "m" };

const request: CompletionRequest = {
  messages: [
    { role: "system", content: "be brief" },
    { role: "user", content: "hello" },
  ],
  sampling: { temperature: 0.7, topP: 0.9, frequencyPenalty: 0.1, repetitionPenalty: 1.05, maxTokens: 256, seed: 7 },
  responseSchema: { name: "reply", schema: { type: "object" } },
};

describe("chatCompletionBody", () => {
  it("writes every sampling field, the schema and the penalty when asked to", () => {
    expect(chatCompletionBody("m", request, { withSchema: true, sendsRepetitionPenalty: true })).toEqual({
      model: "m",
      messages: request.messages,
      temperature: 0.7,
      top_p: 0.9,
      frequency_penalty: 0.1,
      repetition_penalty: 1.05,
      max_tokens: 256,
      seed: 7,
      response_format: { type: "json_schema", json_schema: { name: "reply", schema: { type: "object" }, strict: false } },
    });
  });

  it("leaves out the schema and the penalty when told not to send them", () => {
    const body = chatCompletionBody("m", request, { withSchema: false, sendsRepetitionPenalty: false });
    expect(body).not.toHaveProperty("response_format");
    expect(body).not.toHaveProperty("repetition_penalty");
    expect(body.max_tokens).toBe(256);
  });

  it("serializes the same for the same request, so a batch line carries the live body", () => {
    const a = JSON.stringify(chatCompletionBody("m", request, { withSchema: true, sendsRepetitionPenalty: true }));
    const b = JSON.stringify(chatCompletionBody("m", structuredClone(request), { withSchema: true, sendsRepetitionPenalty: true }));
    expect(a).toBe(b);
  });

  it("copies only role and content of each message", () => {
    const extra = { ...request, messages: [{ role: "user" as const, content: "x", name: "n" } as never] };
    expect(chatCompletionBody("m", extra, { withSchema: false, sendsRepetitionPenalty: true }).messages).toEqual([{ role: "user", content: "x" }]);
  });
});

describe("acceptsRepetitionPenalty", () => {
  it("is false only for OpenAI's own API", () => {
    expect(acceptsRepetitionPenalty(new URL("https://api.openai.com/v1/chat/completions"))).toBe(false);
    expect(acceptsRepetitionPenalty(new URL("http://localhost:8000/v1/chat/completions"))).toBe(true);
  });
});

describe("completionOfReply", () => {
  const reply = (over: Record<string, unknown> = {}) => ({
    choices: [{ index: 0, message: { role: "assistant", content: "hi", refusal: null }, finish_reason: "stop" }],
    usage: { prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } },
    ...over,
  });

  it("reads the text, the finish reason and the usage", () => {
    expect(completionOfReply(reply(), ctx)).toEqual({
      text: "hi",
      finishReason: "stop",
      usage: { promptTokens: 10, completionTokens: 2, cachedPromptTokens: 4 },
    });
  });

  it("counts a reply without usage as 0 tokens and says so", () => {
    let told = 0;
    const c = completionOfReply(reply({ usage: undefined }), ctx, () => told++);
    expect(c.usage).toEqual({ promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 });
    expect(told).toBe(1);
  });

  it.each([
    ["a bare string", "text", /not a JSON chat completion/],
    ["no choices", { choices: [] }, /no choices/],
    ["no content", { choices: [{ message: { content: null } }] }, /no content/],
    ["a refusal", { choices: [{ message: { content: null, refusal: "I cannot" } }] }, /refusal \(I cannot\)/],
  ])("refuses %s with a retryable error naming the server", (_name, body, message) => {
    let error: unknown;
    try {
      completionOfReply(body, ctx);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineCallError);
    expect((error as EngineCallError).message).toMatch(message);
    expect((error as EngineCallError).message).toContain(ctx.url);
    expect((error as EngineCallError).details.retryable).toBe(true);
  });
});
