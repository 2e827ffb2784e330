/**
 * Where remote models are kept. One directory per source, so two repos' "model.gguf" never collide:
 *   CACHE/hf/OWNER/REPO/BRANCH/[DIRS/]FILE.gguf       for hf: URIs
 *   CACHE/url/HOST[_PORT]/[DIRS/][query-HASH/]FILE     for http(s) URLs
 * A download in progress lives in FILE.ipull beside its final name: ipull writes the bytes at their
 * offsets and appends a JSON record of which 5 MiB chunks are complete after the file's bytes, so a
 * later call (in this process or another) asks only for the chunks not yet complete, with Range
 * requests. On success it is renamed to FILE.
 */
import { createHash } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "../../errors.js";
import { expandHome, homeDir } from "./home-dir.js";
import { huggingFaceEndpoint } from "./hub-endpoint.js";
import { parseHfUri } from "./model-spec.js";

const DEFAULT_BRANCH = "main";
/** ipull's name for a download in progress: the final name plus this. */
const PARTIAL_SUFFIX = ".ipull";
const SPLIT_PART = /-(\d{5})-of-(\d{5})\.gguf$/i;

/** FOVEATE_CACHE_DIR, else $XDG_CACHE_HOME/foveate/models, else ~/.cache/foveate/models. */
export function defaultModelCacheDir(env: NodeJS.ProcessEnv): string {
  const explicit = env.FOVEATE_CACHE_DIR?.trim();
  if (explicit) return path.resolve(expandHome(explicit, homeDir(env)));
  const xdg = env.XDG_CACHE_HOME?.trim();
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "foveate", "models");
  return path.join(homeDir(env), ".cache", "foveate", "models");
}

/** Where a remote model is fetched from and where it is kept. */
export interface RemoteTarget {
  uri: string;
  /** The URL the probe fetches (what node-llama-cpp will download). */
  url: string;
  dirPath: string;
  fileName: string;
  /** Whether a Hugging Face token belongs on requests to it. */
  huggingFace: boolean;
}

export function remoteTarget(uri: string, cacheDir: string, env: NodeJS.ProcessEnv): RemoteTarget {
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

/** A finished download: the file (and every split part) exists with no ipull partial file beside it. */
export async function isCompleteInCache(file: string): Promise<boolean> {
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

export async function isFile(file: string): Promise<boolean> {
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
