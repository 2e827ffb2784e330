/**
 * Turns whatever a request to an OpenAI-compatible server fails with (a status error, a transport
 * error, a body that is not JSON) into our error family: an EngineCallError with a one-line message
 * naming the server and model, whether a retry could help, and how long the server asked us to
 * wait; or AbortedError when the caller stopped the call.
 */
import { STATUS_CODES } from "node:http";
import { AbortedError, EngineCallError } from "../../errors.js";
import { networkCode } from "../network-code.js";
import { HttpTransportError } from "./http-post.js";
import { HttpStatusError } from "./http-status-error.js";

export interface CallContext {
  /** The base URL the engine talks to, as shown in messages. */
  url: string;
  /** The model asked, as shown in messages; "" for a request that is for none. */
  model: string;
  /** The per-request time limit in milliseconds, shown in the timeout message. */
  timeoutMs?: number;
  /** Current time in epoch milliseconds, for Retry-After given as an HTTP date. Default Date.now. */
  now?: () => number;
}

const RETRYABLE_STATUSES = new Set([408, 409, 429]);
const MAX_SERVER_MESSAGE = 300;

export function classifyError(error: unknown, ctx: CallContext): EngineCallError | AbortedError {
  if (error instanceof EngineCallError || error instanceof AbortedError) return error;
  if ((error instanceof HttpTransportError && error.kind === "aborted") || (error instanceof Error && error.name === "AbortError")) {
    return new AbortedError(`request to ${ctx.url} (model "${ctx.model}") was aborted`, { cause: error });
  }
  // No model is named for requests that are not for one (a batch's files and status).
  const where = ctx.model === "" ? ctx.url : `${ctx.url} (model "${ctx.model}")`;
  const fail = (message: string, retryable: boolean, status?: number, retryAfterSeconds?: number) =>
    new EngineCallError(
      message,
      { url: ctx.url, model: ctx.model, status, retryable, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) },
      { cause: error },
    );

  if (error instanceof HttpTransportError && error.kind === "timeout") {
    const limit = ctx.timeoutMs === undefined ? "" : ` within ${formatSeconds(ctx.timeoutMs / 1000)}`;
    return fail(`no reply from ${where}${limit}: request timed out`, true);
  }
  if (error instanceof HttpStatusError) return fromStatus(error, error.status, ctx, where, fail);
  // Failed connections, and failures while reading the body (undici throws a bare TypeError
  // "terminated" when the socket closes mid-reply).
  const code = networkCode(error);
  if ((error instanceof HttpTransportError && error.kind === "connection") || code !== undefined) {
    const failure = fail(describeConnectionFailure(code, ctx, where, error), true);
    if (code === "ECONNREFUSED" || code === "ENOTFOUND") failure.details.unreachable = true;
    return failure;
  }
  if (error instanceof SyntaxError) {
    return fail(`malformed reply from ${where}: the body is not valid JSON (truncated?)`, true);
  }
  const detail = error instanceof Error ? error.message : String(error);
  return fail(`request to ${where} failed: ${oneLine(detail)}`, false);
}

/** Whether a call failed because no reply came within the time limit. */
export function isTimeout(error: EngineCallError): boolean {
  const cause = error.cause;
  if (cause instanceof HttpTransportError) return cause.kind === "timeout";
  const code = networkCode(cause);
  return code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
}

/**
 * An HTML page came back with a success status: the base URL names a web page (often the server's
 * root, or a UI), not the API. Retrying cannot help.
 */
export function htmlReply(ctx: CallContext): EngineCallError {
  const hint = /\/v1$/.test(ctx.url) ? "check the base URL: it should be the API's root, ending in /v1" : `the base URL should end in /v1 (try ${ctx.url}/v1)`;
  return new EngineCallError(`an HTML page came back from ${ctx.url} (model "${ctx.model}") instead of JSON: ${hint}`, {
    url: ctx.url,
    model: ctx.model,
    status: 200,
    retryable: false,
    // The API is not at that address: every call would fail the same way, so the run stops at once.
    unreachable: true,
  });
}

type Fail = (message: string, retryable: boolean, status?: number, retryAfterSeconds?: number) => EngineCallError;

function fromStatus(error: HttpStatusError, status: number, ctx: CallContext, where: string, fail: Fail): EngineCallError {
  const said = serverMessage(error.serverError);
  const colonSaid = said ? `: ${said}` : "";
  const label = `${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ""}`;
  const retryAfter = retryAfterSeconds(error.headers, status, ctx.now ?? Date.now);

  if (status === 401) return fail(`${label} from ${where}: check the API key (OPENAI_API_KEY or --api-key)`, false, status);
  if (status === 403) {
    return fail(`${label} from ${where}${colonSaid || ": the API key has no access to this model"}`, false, status);
  }
  if (status === 404) {
    return fail(`404 from ${ctx.url}: model "${ctx.model}" not found or wrong base URL${said ? ` (${said})` : ""}`, false, status);
  }
  if (status === 429) {
    // OpenAI answers 429 when the account is out of credit; waiting does not fix that.
    const quota = error.code === "insufficient_quota";
    return fail(`${label} from ${where}${colonSaid}`, !quota, status, quota ? undefined : retryAfter);
  }
  if (status >= 500) return fail(`${label} (server error) from ${where}${colonSaid}`, true, status, retryAfter);
  const retryable = RETRYABLE_STATUSES.has(status);
  return fail(`${label} from ${where}${colonSaid}`, retryable, status, retryable ? retryAfter : undefined);
}

/** The server's own error text, on one line and cut to a readable length. */
function serverMessage(body: unknown): string {
  if (body === undefined || body === null) return "";
  let text: string;
  if (typeof body === "string") text = body;
  else if (typeof body === "object" && typeof (body as { message?: unknown }).message === "string") {
    text = (body as { message: string }).message;
  } else text = JSON.stringify(body);
  text = oneLine(text);
  return text.length > MAX_SERVER_MESSAGE ? `${text.slice(0, MAX_SERVER_MESSAGE - 3)}...` : text;
}

/**
 * Seconds the server asked us to wait: `retry-after-ms`, then `Retry-After` (seconds or HTTP date),
 * then on a 429 OpenAI's `x-ratelimit-reset-*` durations. Undefined when none is present or valid.
 */
export function retryAfterSeconds(headers: Headers | undefined, status: number, now: () => number = Date.now): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get("retry-after-ms") ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms / 1000;

  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, (date - now()) / 1000);
  }

  if (status !== 429) return undefined;
  const resets: number[] = [];
  const exhausted: number[] = [];
  for (const kind of ["requests", "tokens"]) {
    const reset = parseDuration(headers.get(`x-ratelimit-reset-${kind}`));
    if (reset === undefined) continue;
    resets.push(reset);
    if (headers.get(`x-ratelimit-remaining-${kind}`)?.trim() === "0") exhausted.push(reset);
  }
  // Prefer the limit that actually ran out; otherwise wait for the later of the two.
  const pick = exhausted.length > 0 ? exhausted : resets;
  return pick.length > 0 ? Math.max(...pick) : undefined;
}

/** Parses Go-style durations as OpenAI sends them ("20ms", "1s", "6m0s", "1h2m3.5s") into seconds. */
export function parseDuration(text: string | null | undefined): number | undefined {
  const value = text?.trim();
  if (!value || !/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(value)) return undefined;
  const unitSeconds: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const [, amount, , unit] of value.matchAll(/(\d+(\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(amount) * unitSeconds[unit!]!;
  }
  return total;
}

function describeConnectionFailure(code: string | undefined, ctx: CallContext, where: string, error: unknown): string {
  switch (code) {
    case "ECONNREFUSED":
      return `cannot connect to ${ctx.url}: connection refused (is the server running?)`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot connect to ${ctx.url}: host not found`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `cannot connect to ${ctx.url}: host unreachable`;
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return `cannot connect to ${ctx.url}: connection timed out`;
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
      return `no reply from ${where}: request timed out`;
    case "ECONNRESET":
    case "ECONNABORTED":
    case "EPIPE":
    case "UND_ERR_SOCKET":
    case "UND_ERR_CLOSED":
      return `connection to ${where} dropped before the reply was complete`;
    default:
      return `cannot connect to ${ctx.url}: ${oneLine(innermostMessage(error))}`;
  }
}

function innermostMessage(error: unknown): string {
  let current = error;
  for (let i = 0; i < 8 && current instanceof Error && current.cause instanceof Error; i++) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function formatSeconds(seconds: number): string {
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
