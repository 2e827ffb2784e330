import { APIConnectionTimeoutError, APIError } from "openai";
import { AbortedError, EngineCallError } from "../../errors.js";
import { classifyError, type CallContext } from "./classify-error.js";
import { HttpTransportError, postJson, type HttpReply } from "./http-post.js";

/** The headers of every request: JSON, our name, and the key when there is one (local servers need none). */
export function apiHeaders(apiKey: string | undefined): Record<string, string> {
  return { accept: "application/json", "user-agent": "foveate", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) };
}

/** A 200 reply whose body is not what the endpoint should send: worth another try. */
export function malformedReply(what: string, ctx: CallContext): EngineCallError {
  return new EngineCallError(`${what} from ${ctx.url} (model "${ctx.model}")`, { url: ctx.url, model: ctx.model, status: 200, retryable: true });
}

/**
 * One POST to an OpenAI-compatible endpoint, shared by the chat and embedding engines: resolves
 * with the reply's parsed JSON, or rejects with AbortedError, or with an EngineCallError
 * classified as the SDK's own errors would be (so that the retry loop knows what to retry).
 */
export async function postApi(
  url: URL,
  body: unknown,
  options: { headers: Record<string, string>; timeoutMs: number; signal?: AbortSignal; ctx: CallContext; description: string },
): Promise<unknown> {
  const { signal, ctx } = options;
  if (signal?.aborted) throw new AbortedError(`request to ${options.description} was aborted`);
  let reply: HttpReply;
  try {
    reply = await postJson(url, JSON.stringify(body), { headers: options.headers, timeoutMs: options.timeoutMs, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted) throw new AbortedError(`request to ${options.description} was aborted`, { cause: error });
    const timedOut = error instanceof HttpTransportError && error.code === "ETIMEDOUT";
    throw classifyError(timedOut ? new APIConnectionTimeoutError() : error, ctx);
  }
  if (reply.status < 200 || reply.status >= 300) throw classifyError(statusError(reply), ctx);
  try {
    return JSON.parse(reply.text) as unknown;
  } catch (error) {
    throw classifyError(error, ctx);
  }
}

/**
 * The error the SDK would raise for a non-2xx reply, so that one classifier reads them all. Some
 * servers (older vLLM) send a flat `{message, type, code}` body instead of `{error: {...}}`.
 */
function statusError(reply: HttpReply): APIError {
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch {
    return APIError.generate(reply.status, undefined, reply.text.trim().slice(0, 500) || undefined, reply.headers);
  }
  const nested = typeof body === "object" && body !== null && !Array.isArray(body) && "error" in body ? body : { error: body };
  return APIError.generate(reply.status, nested, undefined, reply.headers);
}
