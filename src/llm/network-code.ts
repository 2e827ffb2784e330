/**
 * Node's codes for a failed connection, found wherever an error hides them. Shared by the HTTP
 * engines' classifier and the local engine's model download.
 */

export const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * The first network error code (one of `codes`) found along the `cause` chain and inside
 * AggregateErrors; undici's bare "terminated" counts as a dropped socket.
 */
export function networkCode(error: unknown, codes: ReadonlySet<string> = NETWORK_CODES, depth = 0): string | undefined {
  if (depth > 8 || typeof error !== "object" || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string" && codes.has(code)) return code;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = networkCode(inner, codes, depth + 1);
      if (found) return found;
    }
  }
  if (error instanceof TypeError && error.message === "terminated") return "UND_ERR_SOCKET";
  return networkCode(cause, codes, depth + 1);
}
