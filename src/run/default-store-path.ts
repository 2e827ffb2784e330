import { createHash } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";

/**
 * The run store of a run that writes no output file, beside which it could live:
 * `foveate-<corpus name>-<hash>.foveate.db`, the hash taken over the corpus's real path and the
 * settings that shape the prompts. An unrelated run (another corpus, other settings) so gets a
 * store of its own, and the same command run again finds its store and resumes. It is kept in the
 * working folder, or beside the corpus folder when the working folder is that folder or inside it
 * (a store there would be read back as a document).
 */
export function defaultStorePath(corpus: string, settings: unknown, cwd = process.cwd()): string {
  const real = realOrResolved(resolve(cwd, corpus));
  const isFolder = statSync(real, { throwIfNoEntry: false })?.isDirectory() === true;
  const here = realOrResolved(cwd);
  const folder = isFolder && within(here, real) ? dirname(real) : relative(process.cwd(), cwd);
  return join(folder, storeName(real, settings));
}

/** The store's file name for a corpus (its real path) and settings: pure. */
export function storeName(corpusRealPath: string, settings: unknown): string {
  const hash = createHash("sha256").update(JSON.stringify({ corpus: corpusRealPath, settings })).digest("hex").slice(0, 10);
  const file = basename(corpusRealPath);
  const stem = (file.slice(0, file.length - extname(file).length) || file)
    .replace(/[^\p{L}\p{N}_-]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `foveate-${stem || "corpus"}-${hash}.foveate.db`;
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** `path` is `folder` or lies inside it. */
function within(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
