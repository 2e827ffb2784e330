import { AbortedError, ConfigError, EngineCallError } from "../../errors.js";
import type { PublishedLimits } from "../../rate-limit-state.js";
import { classifyError, htmlReply, type CallContext } from "./classify-error.js";
import { sendHttp, type HttpReply, type HttpRequest } from "./http-post.js";
import { HttpStatusError } from "./http-status-error.js";
import { readPublishedLimits } from "./rate-limit-headers.js";

/** The headers of every request: JSON, our name, and the key when there is one (local servers need none). */
export function apiHeaders(apiKey: string | undefined): Record<string, string> {
  return { accept: "application/json", "user-agent": "foveate", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) };
}

/**
 * The URL of an endpoint under a base URL given by the user, refused in one line when the base is
 * not an http(s) URL (a typo there is the user's to fix, not an unexpected error).
 */
export function endpointUrl(baseURL: string, path: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(`${baseURL}/${path}`);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ConfigError(`base URL "${baseURL}" is not an http(s) URL; give one like http://localhost:8000/v1`);
  }
  return url;
}

/** A 200 reply whose body is not what the endpoint should send: worth another try. */
export function malformedReply(what: string, ctx: CallContext): EngineCallError {
  return new EngineCallError(`${what} from ${ctx.url} (model "${ctx.model}")`, { url: ctx.url, model: ctx.model, status: 200, retryable: true });
}

/**
 * One POST to an OpenAI-compatible endpoint, shared by the chat and embedding engines: resolves
 * with the reply's parsed JSON and the rate limits it published, or rejects with AbortedError, or with a classified EngineCallError
 * (so that the retry loop knows what to retry).
 *
 * This is the openai SDK's job done by hand, on purpose: the SDK's deadline stops at the reply's
 * headers (a body that stalls would hang), its status errors drop a flat `{message}` body (older
 * vLLM), and it costs more CPU per call than the whole pipeline.
 */
export async function postApi(
  url: URL,
  body: unknown,
  options: { headers: Record<string, string>; timeoutMs: number; signal?: AbortSignal; ctx: CallContext; description: string },
): Promise<{ body: unknown; limits: PublishedLimits | undefined }> {
  const reply = await requestApi(url, { ...options, method: "POST", body: JSON.stringify(body), contentType: "application/json" });
  return { body: parseApiJson(reply.text, options.ctx), limits: reply.limits };
}

/**
 * One request of any method to an OpenAI-compatible endpoint, its 2xx reply's text resolved as it
 * came (a file's content need not be JSON); failures are what postApi rejects with.
 */
export async function requestApi(
  url: URL,
  options: HttpRequest & { ctx: CallContext; description: string },
): Promise<{ text: string; limits: PublishedLimits | undefined }> {
  const { signal, ctx } = options;
  if (signal?.aborted) throw new AbortedError(`request to ${options.description} was aborted`);
  let reply: HttpReply;
  try {
    reply = await sendHttp(url, {
      method: options.method,
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
      headers: options.headers,
      timeoutMs: options.timeoutMs,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw new AbortedError(`request to ${options.description} was aborted`, { cause: error });
    throw classifyError(error, ctx);
  }
  const limits = readPublishedLimits(reply.headers);
  if (reply.status < 200 || reply.status >= 300) {
    const error = classifyError(HttpStatusError.fromReply(reply), ctx);
    if (limits && error instanceof EngineCallError) error.details.limits = limits;
    throw error;
  }
  if (isHtml(reply)) throw htmlReply(ctx);
  return { text: reply.text, limits };
}

/** A reply's JSON, or the classified (retryable) error of a body that is not JSON. */
export function parseApiJson(text: string, ctx: CallContext): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw classifyError(error, ctx);
  }
}

/** A web page where JSON was expected: what a base URL without `/v1` (a site's front page, a UI) serves. */
function isHtml(reply: HttpReply): boolean {
  return /text\/html/i.test(reply.headers.get("content-type") ?? "") || /^\s*<(!doctype html|html|head|body)\b/i.test(reply.text);
}
