import type { DatasetFile, FileDigests } from "./dataset-files.js";

/** A file in the repository as the Hub lists it (listFiles, pathsInfo): git's blob id, and for LFS or Xet files the SHA-256. */
export interface RemoteFile {
  path: string;
  size: number;
  oid?: string;
  lfs?: { oid: string; size: number };
}

/** A local file, with its digests when the repository has a file at its path (else there is nothing to compare). */
export type LocalFile = DatasetFile & Partial<FileDigests>;

export interface UploadPlan {
  /** Missing from the repository, or there with other content. */
  upload: LocalFile[];
  /** There with the same content. */
  unchanged: LocalFile[];
}

/**
 * Which local files the repository lacks. A file stored with LFS (or Xet) is compared by its
 * SHA-256, any other by git's blob id, so a file is skipped only when its bytes are there. Remote
 * files absent here are left alone: push adds and updates, it never deletes.
 */
export function planUpload(local: readonly LocalFile[], remote: readonly RemoteFile[]): UploadPlan {
  const byPath = new Map(remote.map((file) => [file.path, file]));
  const plan: UploadPlan = { upload: [], unchanged: [] };
  for (const file of local) {
    const there = byPath.get(file.path);
    const same =
      there !== undefined && (there.lfs ? file.sha256 !== undefined && there.lfs.oid === file.sha256 && there.lfs.size === file.size : file.gitOid !== undefined && there.oid === file.gitOid);
    (same ? plan.unchanged : plan.upload).push(file);
  }
  return plan;
}
