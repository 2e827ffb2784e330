import { ConfigError } from "../../errors.js";
import { NETWORK_CODES, networkCode } from "../network-code.js";
import type { RemoteTarget } from "./model-cache.js";

/** Connection failures, as for the HTTP engine, and certificate problems a file host can have. */
const DOWNLOAD_NETWORK_CODES: ReadonlySet<string> = new Set([
  ...NETWORK_CODES,
  "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** An HTTP error status from the file host as one line naming the URI and, where it helps, the fix. */
export function statusFailure(target: RemoteTarget, status: number, host: string, tokenSent: boolean): ConfigError {
  const what = `cannot download ${target.uri}`;
  const http = `HTTP ${status} from ${host}`;
  if (status === 404 || status === 410) return new ConfigError(`${what}: not found (${http})`);
  if (status === 401 || status === 403) {
    if (!target.huggingFace) return new ConfigError(`${what}: access denied (${http})`);
    return new ConfigError(
      tokenSent
        ? `${what}: access denied (${http}) with the Hugging Face token in use; a gated model needs its terms accepted on its page by that account, and the token needs read access`
        : `${what}: access denied (${http}); a gated or private Hugging Face model needs HF_TOKEN set to an access token`,
    );
  }
  if (status === 429) return new ConfigError(`${what}: rate limited (${http}); try again later`);
  if (status >= 500) return new ConfigError(`${what}: server error (${http}); try again later`);
  return new ConfigError(`${what}: ${http}`);
}

/** An error from fetch, node-llama-cpp or ipull as one line naming the URI. */
export function downloadFailure(target: RemoteTarget, error: unknown, tokenSent: boolean): ConfigError {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === "number") {
    const url = (error as { url?: unknown }).url;
    return withCause(statusFailure(target, status, hostOf(typeof url === "string" ? url : target.url), tokenSent), error);
  }
  const code = networkCode(error, DOWNLOAD_NETWORK_CODES);
  if (code !== undefined) {
    const reason = code === "ENOTFOUND" || code === "EAI_AGAIN" ? "host not found" : code;
    return new ConfigError(`cannot download ${target.uri}: cannot reach ${hostOf(target.url)} (${reason})`, { cause: error });
  }
  let message = error instanceof Error ? error.message : String(error);
  // fetch says only "fetch failed"; the reason is in its cause.
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof Error && cause.message) message += ` (${cause.message})`;
  return new ConfigError(`cannot download ${target.uri}: ${message.replace(/\s+/g, " ").trim()}`, { cause: error });
}

function withCause(error: ConfigError, cause: unknown): ConfigError {
  return new ConfigError(error.message, { cause });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
