import { rm } from "node:fs/promises";
import { AbortedError, ConfigError } from "../../errors.js";
import { checkGgufFile } from "./check-gguf-file.js";
import { downloadFailure } from "./download-failure.js";
import { DEFAULT_HF_ENDPOINT, huggingFaceEndpoint } from "./hub-endpoint.js";
import { isFile, type RemoteTarget } from "./model-cache.js";
import { stallWatchdog } from "./stall-watchdog.js";

export interface DownloadEvents {
  /**
   * Called once before bytes flow, only when a download (or resumption) is needed: what, where and
   * how large (bytes, 0 if unknown) and how much is already there.
   */
  onStart?(info: { uri: string; file: string; totalBytes: number; alreadyBytes: number }): void;
  onProgress?(downloadedBytes: number, totalBytes: number): void;
}

export interface DownloadOptions {
  /** Stops the download (kept for resumption) with AbortedError. */
  signal?: AbortSignal;
  events?: DownloadEvents;
  /** HF_ENDPOINT and MODEL_ENDPOINT are read here. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Give up (keeping what arrived) when no byte arrives for this long. Default 60 000 ms. */
  stallTimeoutMs?: number;
}

const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/**
 * Downloads `target` into its cache directory with node-llama-cpp's downloader (loaded only now),
 * resuming what an earlier call left, and checks that the result is a GGUF file.
 */
export async function downloadModel(target: RemoteTarget, token: string | undefined, options: DownloadOptions): Promise<string> {
  const { signal, events } = options;
  const { createModelDownloader } = await import("node-llama-cpp");
  const stallMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  let cancel: (() => Promise<void>) | undefined;
  const watchdog = stallWatchdog(stallMs, () => void cancel?.());

  let result: string;
  try {
    const downloader = await createModelDownloader({
      modelUri: target.uri,
      dirPath: target.dirPath,
      fileName: target.fileName,
      skipExisting: true,
      deleteTempFileOnCancel: false,
      showCliProgress: false,
      onProgress: ({ downloadedSize, totalSize }) => {
        watchdog.arm();
        events?.onProgress?.(downloadedSize, totalSize);
      },
      endpoints: { huggingFace: huggingFaceEndpoint(options.env ?? process.env, false) ?? DEFAULT_HF_ENDPOINT },
      ...(token === undefined ? {} : { tokens: { huggingFace: token } }),
    });
    cancel = () => downloader.cancel({ deleteTempFile: false });
    const totalBytes = downloader.totalSize;
    const alreadyBytes = downloader.downloadedSize;
    const complete = totalBytes > 0 && alreadyBytes >= totalBytes && (await isFile(downloader.entrypointFilePath));
    if (!complete) events?.onStart?.({ uri: target.uri, file: downloader.entrypointFilePath, totalBytes, alreadyBytes });
    watchdog.arm();
    result = await downloader.download(signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw new AbortedError(`download of ${target.uri} was stopped; the next run resumes it`, { cause: error });
    if (error instanceof ConfigError) throw error;
    throw downloadFailure(target, error, token !== undefined);
  } finally {
    watchdog.stop();
  }
  // ipull returns normally when cancelled, so check why it returned.
  if (signal?.aborted) throw new AbortedError(`download of ${target.uri} was stopped; the next run resumes it`);
  if (watchdog.stalled) {
    throw new ConfigError(
      `cannot download ${target.uri}: no data arrived for ${stallMs >= 1000 ? `${Math.round(stallMs / 1000)} s` : `${stallMs} ms`}; run again to resume`,
    );
  }
  try {
    await checkGgufFile(result);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await rm(result, { force: true });
    throw new ConfigError(`cannot use ${target.uri}: the downloaded ${error.message}`, { cause: error });
  }
  return result;
}
