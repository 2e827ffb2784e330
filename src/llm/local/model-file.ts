/**
 * Turns the `--model` value of the local GGUF engine into a file on disk: a local path is checked
 * and returned; an `hf:owner/repo/path/file.gguf` URI or an http(s) URL is downloaded once into a
 * cache directory (with node-llama-cpp's downloader, which uses ipull) and found there next time.
 *
 * Cache layout (one directory per source, so two repos' "model.gguf" never collide):
 *   CACHE/hf/OWNER/REPO/BRANCH/[DIRS/]FILE.gguf       for hf: URIs
 *   CACHE/url/HOST[_PORT]/[DIRS/][query-HASH/]FILE     for http(s) URLs
 * A download in progress lives in FILE.ipull beside its final name: ipull writes the bytes at their
 * offsets and appends a JSON record of which 5 MiB chunks are complete after the file's bytes, so a
 * later call (in this process or another) asks only for the chunks not yet complete, with Range
 * requests. On success it is renamed to FILE.
 *
 * Behaviour of the libraries that shapes this module (node-llama-cpp 3.21, ipull 3.9):
 *  - For `hf:owner/repo/file.gguf[#branch]` node-llama-cpp makes no API call: it builds
 *    `{HF_ENDPOINT}/owner/repo/resolve/{branch}/file.gguf?download=true` and hands it to ipull.
 *  - ipull first GETs the whole URL (no Range, body never read) to learn its size and whether it
 *    accepts ranges, then GETs the byte ranges. `skipExisting` compares that size with the file on
 *    disk, so it still costs a request; this module returns a complete cached file before getting
 *    that far, without any network.
 *  - ipull retries a connection failure 150 times with back-off up to 5 s (about 12 minutes) and
 *    offers no way to change that through node-llama-cpp. So a short probe (a GET of bytes 0-3)
 *    goes first: it turns an unreachable host or an HTTP error into a clear error at once, and
 *    checks the GGUF magic before gigabytes flow. During the download a watchdog gives up when no
 *    byte has arrived for `stallTimeoutMs`.
 *  - A Hugging Face token goes to node-llama-cpp explicitly; it would otherwise read
 *    process.env.HF_TOKEN or the token file itself, and sends it only after an unauthenticated try.
 */
import { createHash } from "node:crypto";
import { open, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AbortedError, ConfigError } from "../../errors.js";
import { NETWORK_CODES, networkCode } from "../http/classify-error.js";

export type ModelSource =
  /** A GGUF file on this machine (a leading "~/" already expanded). */
  | { kind: "file"; path: string }
  /** "hf:owner/repo/path/file.gguf" with an optional "#branch", or an http(s) URL. */
  | { kind: "remote"; uri: string };

export interface DownloadEvents {
  /**
   * Called once before bytes flow, only when a download (or resumption) is needed: what, where and
   * how large (bytes, 0 if unknown) and how much is already there.
   */
  onStart?(info: { uri: string; file: string; totalBytes: number; alreadyBytes: number }): void;
  onProgress?(downloadedBytes: number, totalBytes: number): void;
}

export interface ResolveModelFileOptions {
  /** Where downloads go; see defaultModelCacheDir. */
  cacheDir: string;
  /** Stops a download (kept for resumption) with AbortedError. */
  signal?: AbortSignal;
  events?: DownloadEvents;
  /** HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_TOKEN_PATH, XDG_CACHE_HOME are read here. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Give up (keeping what arrived) when no byte arrives for this long. Default 60 000 ms. */
  stallTimeoutMs?: number;
}

const GGUF_MAGIC = "GGUF";
const DEFAULT_HF_ENDPOINT = "https://huggingface.co/";
const DEFAULT_BRANCH = "main";
const PROBE_TIMEOUT_MS = 30_000;
const DEFAULT_STALL_TIMEOUT_MS = 60_000;
/** ipull's name for a download in progress: the final name plus this. */
const PARTIAL_SUFFIX = ".ipull";
const SPLIT_PART = /-(\d{5})-of-(\d{5})\.gguf$/i;
/** Connection failures, as for the HTTP engine, and certificate problems a file host can have. */
const DOWNLOAD_NETWORK_CODES: ReadonlySet<string> = new Set([
  ...NETWORK_CODES,
  "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

// ---------------------------------------------------------------------------------------------
// Parsing and naming (pure)

/** Reads a `--model` value: an hf: URI, an http(s) URL, or else a local path. */
export function parseModelSource(spec: string): ModelSource {
  const value = spec.trim();
  if (value === "") throw new ConfigError("the model is empty: give a GGUF file path, an hf:owner/repo/file.gguf URI or an http(s) URL");
  if (/^hf:/i.test(value)) return { kind: "remote", uri: formatHfUri(parseHfUri(value)) };
  if (/^https?:\/\//i.test(value)) {
    if (!URL.canParse(value)) throw new ConfigError(`the model URL is not a valid URL: ${value}`);
    return { kind: "remote", uri: value };
  }
  return { kind: "file", path: expandHome(value, os.homedir()) };
}

/** FOVEATE_CACHE_DIR, else $XDG_CACHE_HOME/foveate/models, else ~/.cache/foveate/models. */
export function defaultModelCacheDir(env: NodeJS.ProcessEnv): string {
  const explicit = env.FOVEATE_CACHE_DIR?.trim();
  if (explicit) return path.resolve(expandHome(explicit, homeDir(env)));
  const xdg = env.XDG_CACHE_HOME?.trim();
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "foveate", "models");
  return path.join(homeDir(env), ".cache", "foveate", "models");
}

interface HfUri {
  owner: string;
  repo: string;
  /** The file's path in the repo, one item per directory level. */
  file: string[];
  branch: string | undefined;
}

function parseHfUri(spec: string): HfUri {
  const bad = (why: string) =>
    new ConfigError(`${spec}: ${why}; a Hugging Face model is given as hf:owner/repo/path/file.gguf, optionally followed by #branch`);
  let rest = spec.replace(/^hf:(\/\/)?/i, "");
  let branch: string | undefined;
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    branch = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
    if (branch === "") throw bad("the branch after # is empty");
  }
  const parts = rest.split("/");
  const [owner, repo, ...file] = parts;
  if (owner === undefined || repo === undefined || file.length === 0) {
    throw bad(rest.includes(":") ? "a quantization tag (owner/repo:Q4_K_M) is not supported, name the .gguf file" : "the file is missing");
  }
  if (parts.some((part) => part === "" || part === "." || part === "..")) throw bad("it has an empty, . or .. path segment");
  if (!/\.gguf$/i.test(file.at(-1) ?? "")) throw bad("the file does not end in .gguf");
  return { owner, repo, file, branch };
}

function formatHfUri(uri: HfUri): string {
  return `hf:${uri.owner}/${uri.repo}/${uri.file.join("/")}${uri.branch === undefined ? "" : `#${uri.branch}`}`;
}

/** Where a remote model is fetched from and where it is kept. */
interface RemoteTarget {
  uri: string;
  /** The URL the probe fetches (what node-llama-cpp will download). */
  url: string;
  dirPath: string;
  fileName: string;
  /** Whether a Hugging Face token belongs on requests to it. */
  huggingFace: boolean;
}

function remoteTarget(uri: string, cacheDir: string, env: NodeJS.ProcessEnv): RemoteTarget {
  if (uri.startsWith("hf:")) {
    const hf = parseHfUri(uri);
    const branch = hf.branch ?? DEFAULT_BRANCH;
    const url =
      huggingFaceEndpoint(env, true) +
      [hf.owner, hf.repo, "resolve", branch, ...hf.file].map(encodeURIComponent).join("/") +
      "?download=true";
    const dirs = hf.file.slice(0, -1);
    return {
      uri,
      url,
      dirPath: path.join(cacheDir, "hf", ...[hf.owner, hf.repo, branch, ...dirs].map(safeSegment)),
      fileName: safeSegment(hf.file.at(-1) ?? ""),
      huggingFace: true,
    };
  }
  const url = new URL(uri);
  const segments = url.pathname.split("/").filter((s) => s !== "").map(decodeSegment);
  // A binary-split file (model.gguf.part1of3) is spliced into one file named without the suffix.
  const last = (segments.pop() ?? "model.gguf").replace(/(\.gguf)\.part\d+of\d+$/i, "$1");
  const dirs = segments.map(safeSegment);
  if (url.search !== "") dirs.push(`query-${createHash("sha256").update(url.search).digest("hex").slice(0, 12)}`);
  const endpoint = huggingFaceEndpoint(env, false);
  const hfHosts = new Set(["huggingface.co", "hf.co", ...(endpoint ? [new URL(endpoint).hostname] : [])]);
  // node-llama-cpp reads such a URL as a repository and picks a file through the hub's API.
  if (hfHosts.has(url.hostname) && url.pathname.replace(/\/$/, "").split("/").length === 3) {
    throw new ConfigError(`${uri} names a Hugging Face repository, not a file; give hf:owner/repo/path/file.gguf`);
  }
  return {
    uri,
    url: huggingFaceBlobToResolve(url, hfHosts),
    dirPath: path.join(cacheDir, "url", safeSegment(url.host.replace(":", "_")), ...dirs),
    fileName: safeSegment(last),
    huggingFace: hfHosts.has(url.hostname),
  };
}

/** Hugging Face "blob" page URLs name the HTML page; node-llama-cpp downloads the "resolve" URL. */
function huggingFaceBlobToResolve(url: URL, hfHosts: Set<string>): string {
  const parts = url.pathname.split("/");
  if (!hfHosts.has(url.hostname) || parts[3] !== "blob") return url.href;
  const fixed = new URL(url.href);
  parts[3] = "resolve";
  fixed.pathname = parts.join("/");
  fixed.searchParams.set("download", "true");
  return fixed.href;
}

/** HF_ENDPOINT (then MODEL_ENDPOINT, as llama.cpp reads) with a trailing slash, else huggingface.co. */
function huggingFaceEndpoint(env: NodeJS.ProcessEnv, required: true): string;
function huggingFaceEndpoint(env: NodeJS.ProcessEnv, required: false): string | undefined;
function huggingFaceEndpoint(env: NodeJS.ProcessEnv, required: boolean): string | undefined {
  const name = env.HF_ENDPOINT?.trim() ? "HF_ENDPOINT" : env.MODEL_ENDPOINT?.trim() ? "MODEL_ENDPOINT" : undefined;
  if (name === undefined) return DEFAULT_HF_ENDPOINT;
  const raw = (env[name] ?? "").trim();
  if (!/^https?:\/\//i.test(raw) || !URL.canParse(raw)) {
    if (required) throw new ConfigError(`${name} is not an http(s) URL: ${raw}`);
    return undefined;
  }
  return raw.endsWith("/") ? raw : `${raw}/`;
}

/** One path segment made safe as a file or directory name on every OS, reversibly. */
function safeSegment(segment: string): string {
  const encoded = encodeURIComponent(segment).replace(
    /[!'()*~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return encoded === "" ? "_" : /^\.+$/.test(encoded) ? encoded.replace(/\./g, "%2E") : encoded;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME?.trim() || os.homedir();
}

function expandHome(value: string, home: string): string {
  return value.startsWith("~/") || (path.sep === "\\" && value.startsWith("~\\")) ? path.join(home, value.slice(2)) : value;
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * ConfigError unless PATH is a readable file starting with the GGUF magic: "model file not found:
 * PATH", "PATH is a directory, not a GGUF model file", or "PATH is not a GGUF model file (...)".
 */
export async function checkGgufFile(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") throw new ConfigError(`model file not found: ${file}`, { cause: error });
    if (code === "EISDIR") throw new ConfigError(`${file} is a directory, not a GGUF model file`, { cause: error });
    throw new ConfigError(`cannot read model file ${file} (${code ?? String(error)})`, { cause: error });
  }
  try {
    if ((await handle.stat()).isDirectory()) throw new ConfigError(`${file} is a directory, not a GGUF model file`);
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const problem = magicProblem(head.subarray(0, bytesRead));
    if (problem !== undefined) throw new ConfigError(`${file} is not a GGUF model file (${problem})`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = errorCode(error);
    if (code === "EISDIR") throw new ConfigError(`${file} is a directory, not a GGUF model file`, { cause: error });
    throw new ConfigError(`cannot read model file ${file} (${code ?? String(error)})`, { cause: error });
  } finally {
    await handle.close();
  }
}

/** Undefined when `head` starts with the GGUF magic, else what it starts with instead. */
function magicProblem(head: Buffer): string | undefined {
  if (head.length >= 4 && head.subarray(0, 4).toString("latin1") === GGUF_MAGIC) return undefined;
  if (head.length === 0) return "it is empty";
  const printable = [...head].every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d);
  const shown = printable ? JSON.stringify(head.toString("latin1")) : `0x${head.subarray(0, 8).toString("hex")}`;
  return `it starts with ${shown}, not "${GGUF_MAGIC}"`;
}

/** A finished download: the file (and every split part) exists with no ipull partial file beside it. */
async function isCompleteInCache(file: string): Promise<boolean> {
  const split = SPLIT_PART.exec(file);
  const parts = split
    ? Array.from({ length: Number(split[2]) }, (_, i) =>
        file.slice(0, split.index) + `-${String(i + 1).padStart(5, "0")}-of-${split[2]}.gguf`)
    : [file];
  if (parts.length === 0) return false;
  for (const part of parts) {
    if (!(await isFile(part)) || (await exists(part + PARTIAL_SUFFIX))) return false;
  }
  return true;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** HF_TOKEN, else the token file huggingface-cli writes (HF_TOKEN_PATH, $HF_HOME/token). */
async function huggingFaceToken(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const fromEnv = env.HF_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const hfHome = env.HF_HOME?.trim() || path.join(env.XDG_CACHE_HOME?.trim() || path.join(homeDir(env), ".cache"), "huggingface");
  try {
    const token = (await readFile(env.HF_TOKEN_PATH?.trim() || path.join(hfHome, "token"), "utf8")).trim();
    return token === "" ? undefined : token;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Resolving

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
  await probe(target, token, signal);
  return await download(target, token, options);
}

async function download(target: RemoteTarget, token: string | undefined, options: ResolveModelFileOptions): Promise<string> {
  const { signal, events } = options;
  const { createModelDownloader } = await import("node-llama-cpp");
  const stallMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  let stalled = false;
  let watchdog: NodeJS.Timeout | undefined;
  let cancel: (() => Promise<void>) | undefined;
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      stalled = true;
      void cancel?.();
    }, stallMs);
  };

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
        arm();
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
    arm();
    result = await downloader.download(signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw new AbortedError(`download of ${target.uri} was stopped; the next run resumes it`, { cause: error });
    if (error instanceof ConfigError) throw error;
    throw downloadFailure(target, error, token !== undefined);
  } finally {
    clearTimeout(watchdog);
  }
  // ipull returns normally when cancelled, so check why it returned.
  if (signal?.aborted) throw new AbortedError(`download of ${target.uri} was stopped; the next run resumes it`);
  if (stalled) {
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

/**
 * GETs the first 4 bytes, following redirects: fails fast, with a clear message, where ipull would
 * retry for minutes or report a bare status, and rejects a file that is not GGUF before it flows.
 */
async function probe(target: RemoteTarget, token: string | undefined, signal: AbortSignal | undefined): Promise<void> {
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

function statusFailure(target: RemoteTarget, status: number, host: string, tokenSent: boolean): ConfigError {
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
function downloadFailure(target: RemoteTarget, error: unknown, tokenSent: boolean): ConfigError {
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

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
