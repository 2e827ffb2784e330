import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../errors.js";

/** A file of the folder to push, by its path in the repository ("/"-separated, relative to the folder). */
export interface DatasetFile {
  path: string;
  absolute: string;
  size: number;
}

/** What the Hub records of a file's content: git's blob id (regular files) and the SHA-256 (LFS and Xet files). */
export interface FileDigests {
  gitOid: string;
  sha256: string;
}

/**
 * The regular files under `dir`, in path order, leaving out dot-files and dot-folders (.git,
 * .DS_Store, .cache, ...), which are no part of a dataset. A link or other special file is refused
 * rather than followed: what it points to would be published under another name. InputError when
 * the folder is missing, is not a folder, or has nothing to upload.
 */
export async function listDatasetFiles(dir: string): Promise<DatasetFile[]> {
  const info = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new InputError(dir, undefined, "no such folder");
    throw error;
  });
  if (!info.isDirectory()) throw new InputError(dir, undefined, "not a folder (push uploads a folder, e.g. what export --format hf -o DIR wrote)");
  const files: DatasetFile[] = [];
  await walk(dir, "", files);
  if (files.length === 0) throw new InputError(dir, undefined, "the folder holds no files to upload (dot-files are left out)");
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function walk(root: string, relative: string, into: DatasetFile[]): Promise<void> {
  const here = path.join(root, relative);
  for (const entry of await readdir(here, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const rel = relative === "" ? entry.name : `${relative}/${entry.name}`;
    const absolute = path.join(root, rel);
    if (entry.isDirectory()) await walk(root, rel, into);
    else if (entry.isFile()) into.push({ path: rel, absolute, size: (await lstat(absolute)).size });
    else throw new InputError(absolute, undefined, `not a regular file (${entry.isSymbolicLink() ? "a link" : "a special file"}); push uploads regular files only`);
  }
}

/** Both digests of a file, read once. */
export async function fileDigests(file: string): Promise<FileDigests> {
  const size = (await lstat(file)).size;
  const git = createHash("sha1").update(`blob ${size}\0`);
  const sha = createHash("sha256");
  for await (const chunk of createReadStream(file)) {
    git.update(chunk as Buffer);
    sha.update(chunk as Buffer);
  }
  return { gitOid: git.digest("hex"), sha256: sha.digest("hex") };
}
