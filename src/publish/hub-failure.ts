import { ConfigError } from "../errors.js";
import { networkCode } from "../llm/network-code.js";

/** Where a push was going, for the error's one line. */
export interface PushTarget {
  /** The Hub's base URL, with a trailing slash. */
  hub: string;
  /** owner/name */
  repo: string;
}

const RERUN = "run the same command again: it uploads only what is missing";

/** The server's own words from a HubApiError (its JSON "error"), without the URL trailer the library adds. */
function serverWords(error: { data?: unknown }): string | undefined {
  const data = error.data as { error?: unknown; message?: unknown } | undefined;
  const words = typeof data?.error === "string" ? data.error : typeof data?.message === "string" ? data.message : undefined;
  const line = words?.replace(/\s+/g, " ").trim();
  return line ? (line.length > 200 ? `${line.slice(0, 199)}…` : line) : undefined;
}

/**
 * An error met while pushing, as one line that says what to do: a refused token, a repository
 * the token cannot write, a dropped connection. Undefined for an error that is not the Hub's or
 * the network's (a bug, left to surface as one).
 */
export function hubFailure(error: unknown, target: PushTarget): ConfigError | undefined {
  const dataset = `${target.hub}datasets/${target.repo}`;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === "number") {
    const said = serverWords(error as { data?: unknown });
    const http = `HTTP ${status}${said ? `: ${said}` : ""}`;
    if (status === 401) {
      return new ConfigError(`the Hub at ${target.hub} refused the token (${http}); make a token with write access at ${target.hub}settings/tokens and set HF_TOKEN, or run huggingface-cli login`, { cause: error });
    }
    if (status === 403) {
      return new ConfigError(`cannot write to ${dataset} (${http}); the token needs write access to ${target.repo.split("/")[0]}`, { cause: error });
    }
    if (status === 429 || status >= 500) return new ConfigError(`the Hub at ${target.hub} could not take the push of ${dataset} (${http}); try again later and ${RERUN}`, { cause: error });
    return new ConfigError(`the Hub at ${target.hub} refused the push of ${dataset} (${http})`, { cause: error });
  }
  const code = networkCode(error);
  // fetch says only "fetch failed"; when no code says why, its cause's message does ("bad port", ...).
  const failedFetch = error instanceof TypeError && error.message === "fetch failed";
  if (code !== undefined || failedFetch) {
    const cause = (error as { cause?: unknown }).cause;
    const reason =
      code === "ENOTFOUND" || code === "EAI_AGAIN" ? "host not found" : (code ?? (cause instanceof Error && cause.message ? cause.message.replace(/\s+/g, " ").trim() : "fetch failed"));
    return new ConfigError(`cannot reach the Hugging Face Hub at ${target.hub} (${reason}) while pushing ${dataset}; ${RERUN}`, { cause: error });
  }
  return undefined;
}
