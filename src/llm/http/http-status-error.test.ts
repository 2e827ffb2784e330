import { describe, expect, it } from "vitest";
import { HttpStatusError } from "./http-status-error.js";

const reply = (status: number, text: string, headers: Record<string, string> = {}) => ({ status, headers: new Headers(headers), text });

describe("HttpStatusError.fromReply", () => {
  it("reads OpenAI's {error: {...}} body, its code and the headers", () => {
    const error = HttpStatusError.fromReply(
      reply(429, JSON.stringify({ error: { message: "quota", type: "insufficient_quota", code: "insufficient_quota" } }), { "retry-after": "3" }),
    );
    expect(error.status).toBe(429);
    expect(error.serverError).toEqual({ message: "quota", type: "insufficient_quota", code: "insufficient_quota" });
    expect(error.code).toBe("insufficient_quota");
    expect(error.headers.get("retry-after")).toBe("3");
  });

  it("reads a flat (older vLLM style) body and a plain string error", () => {
    const flat = HttpStatusError.fromReply(reply(400, JSON.stringify({ object: "error", message: "too long", type: "BadRequestError", code: 400 })));
    expect(flat.serverError).toMatchObject({ message: "too long" });
    expect(flat.code).toBe(400);
    expect(HttpStatusError.fromReply(reply(404, JSON.stringify({ error: "model 'x' not found" }))).serverError).toBe("model 'x' not found");
  });

  it("keeps a body that is not JSON out of the server's error, in the message only", () => {
    const page = HttpStatusError.fromReply(reply(502, "<html><body>Bad Gateway</body></html>\n"));
    expect(page.serverError).toBeUndefined();
    expect(page.code).toBeUndefined();
    expect(page.message).toBe("HTTP 502: <html><body>Bad Gateway</body></html>");
    expect(HttpStatusError.fromReply(reply(500, "")).message).toBe("HTTP 500");
  });
});
