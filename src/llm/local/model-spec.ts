import os from "node:os";
import { ConfigError } from "../../errors.js";
import { expandHome } from "./home-dir.js";

export type ModelSource =
  /** A GGUF file on this machine (a leading "~/" already expanded). */
  | { kind: "file"; path: string }
  /** "hf:owner/repo/path/file.gguf" with an optional "#branch", or an http(s) URL. */
  | { kind: "remote"; uri: string };

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

export interface HfUri {
  owner: string;
  repo: string;
  /** The file's path in the repo, one item per directory level. */
  file: string[];
  branch: string | undefined;
}

export function parseHfUri(spec: string): HfUri {
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
