/**
 * Turns the `--model` value of the local GGUF engine into a file on disk: a local path is checked
 * and returned; an `hf:owner/repo/path/file.gguf` URI or an http(s) URL is downloaded once into a
 * cache directory (see model-cache.ts for its layout) with node-llama-cpp's downloader, which uses
 * ipull, and found there next time.
 *
 * Behaviour of the libraries that shapes these modules (node-llama-cpp 3.21, ipull 3.9):
 *  - For `hf:owner/repo/file.gguf[#branch]` node-llama-cpp makes no API call: it builds
 *    `{HF_ENDPOINT}/owner/repo/resolve/{branch}/file.gguf?download=true` and hands it to ipull.
 *  - ipull first GETs the whole URL (no Range, body never read) to learn its size and whether it
 *    accepts ranges, then GETs the byte ranges. `skipExisting` compares that size with the file on
 *    disk, so it still costs a request; this module returns a complete cached file before getting
 *    that far, without any network.
 *  - ipull retries a connection failure 150 times with back-off up to 5 s (about 12 minutes) and
 *    offers no way to change that through node-llama-cpp. So a short probe (a GET of bytes 0-3,
 *    probe-model.ts) goes first: it turns an unreachable host or an HTTP error into a clear error
 *    at once, and checks the GGUF magic before gigabytes flow. During the download a watchdog gives
 *    up when no byte has arrived for `stallTimeoutMs`.
 *  - A Hugging Face token goes to node-llama-cpp explicitly; it would otherwise read
 *    process.env.HF_TOKEN or the token file itself, and sends it only after an unauthenticated try.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { AbortedError, ConfigError } from "../../errors.js";
import { checkGgufFile } from "./check-gguf-file.js";
import { downloadModel, type DownloadOptions } from "./download-model.js";
import { huggingFaceToken } from "./hub-token.js";
import { isCompleteInCache, remoteTarget } from "./model-cache.js";
import { parseModelSource } from "./model-spec.js";
import { probeModel } from "./probe-model.js";

export interface ResolveModelFileOptions extends DownloadOptions {
  /** Where downloads go; see defaultModelCacheDir. */
  cacheDir: string;
  /** HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_TOKEN_PATH, XDG_CACHE_HOME are read here. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The path of the GGUF file `spec` names: a local file is checked and returned as an absolute
 * path; a remote one is returned from `cacheDir` when complete there (no network), else downloaded
 * (resuming what an earlier, interrupted call left) and checked. Errors are ConfigError with one
 * line naming the URI, or AbortedError when `signal` stops it.
 */
export async function resolveModelFile(spec: string, options: ResolveModelFileOptions): Promise<string> {
  const source = parseModelSource(spec);
  if (source.kind === "file") {
    const file = path.resolve(source.path);
    await checkGgufFile(file);
    return file;
  }
  const { signal } = options;
  const env = options.env ?? process.env;
  const target = remoteTarget(source.uri, path.resolve(options.cacheDir), env);
  const cached = path.join(target.dirPath, target.fileName);
  if (await isCompleteInCache(cached)) {
    try {
      await checkGgufFile(cached);
      return cached;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      await rm(cached, { force: true }); // not a model: fetch it again
    }
  }
  if (signal?.aborted) throw new AbortedError(`download of ${target.uri} was stopped`);

  const token = target.huggingFace ? await huggingFaceToken(env) : undefined;
  await probeModel(target, token, signal);
  return await downloadModel(target, token, options);
}
