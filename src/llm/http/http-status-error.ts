import type { HttpReply } from "./http-post.js";

/** A reply with a status outside 2xx, holding the server's error as it was sent. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    /**
     * The body's `error` member (an object with `message`, `type`, `code`, or a plain string), or
     * the whole body where it has none; undefined when the body is not JSON.
     */
    readonly serverError: unknown,
    message = `HTTP ${status}`,
  ) {
    super(message);
  }

  /** The server's error code, e.g. OpenAI's "insufficient_quota". */
  get code(): unknown {
    const error = this.serverError;
    return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  }

  /**
   * Reads a non-2xx reply. Some servers (older vLLM) send a flat `{message, type, code}` body
   * instead of `{error: {...}}`; a body that is not JSON (an HTML page from a proxy) is kept only
   * in the message.
   */
  static fromReply(reply: HttpReply): HttpStatusError {
    let body: unknown;
    try {
      body = JSON.parse(reply.text);
    } catch {
      const text = reply.text.trim().slice(0, 500);
      return new HttpStatusError(reply.status, reply.headers, undefined, text ? `HTTP ${reply.status}: ${text}` : undefined);
    }
    const nested = typeof body === "object" && body !== null && !Array.isArray(body) && "error" in body;
    return new HttpStatusError(reply.status, reply.headers, nested ? (body as { error: unknown }).error : body);
  }
}
