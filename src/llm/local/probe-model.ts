import { AbortedError, ConfigError } from "../../errors.js";
import { magicProblem } from "./check-gguf-file.js";
import { downloadFailure, statusFailure } from "./download-failure.js";
import type { RemoteTarget } from "./model-cache.js";

const PROBE_TIMEOUT_MS = 30_000;

/**
 * GETs the first 4 bytes, following redirects: fails fast, with a clear message, where ipull would
 * retry for minutes or report a bare status, and rejects a file that is not GGUF before it flows.
 */
export async function probeModel(target: RemoteTarget, token: string | undefined, signal: AbortSignal | undefined): Promise<void> {
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  const host = new URL(target.url).host;
  let response: Response;
  try {
    response = await fetch(target.url, {
      headers: {
        range: "bytes=0-3",
        "accept-encoding": "identity",
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      redirect: "follow",
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (signal?.aborted) throw new AbortedError(`download of ${target.uri} was stopped`, { cause: error });
    if (timeout.aborted) {
      throw new ConfigError(`cannot download ${target.uri}: no answer from ${host} within ${PROBE_TIMEOUT_MS / 1000} s`, { cause: error });
    }
    throw downloadFailure(target, error, token !== undefined);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw statusFailure(target, response.status, new URL(response.url || target.url).host, token !== undefined);
  }
  const head = await readHead(response, 4).catch(() => Buffer.alloc(0));
  const problem = magicProblem(head);
  if (problem !== undefined) throw new ConfigError(`cannot use ${target.uri}: it is not a GGUF model file (${problem})`);
}

async function readHead(response: Response, bytes: number): Promise<Buffer> {
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < bytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}
