import { openAsBlob } from "node:fs";
import { commitIter, createRepo, datasetInfo, listFiles, whoAmI, type CommitOperation, type CommitOutput, type RepoDesignation } from "@huggingface/hub";
import { ConfigError } from "../errors.js";
import { fileDigests, listDatasetFiles, type DatasetFile } from "./dataset-files.js";
import { hubFailure } from "./hub-failure.js";
import { planUpload, type LocalFile, type RemoteFile } from "./plan-upload.js";
import { checkRepoName } from "./repo-name.js";

export interface PushOptions {
  /** owner/name of the dataset repository. */
  repo: string;
  /** Create the repository private (a repository already there keeps its visibility; a public one is refused). */
  private?: boolean;
  /** A Hub access token with write access (hubCredentials reads it from the environment). */
  token: string;
  /** The Hub's base URL; https://huggingface.co/ when omitted. */
  hubUrl?: string;
  onProgress?: (event: PushProgress) => void;
  signal?: AbortSignal;
}

/** What a push is doing, for a progress display. */
export type PushProgress =
  /** The files about to be sent, once it is known which the repository lacks. */
  | { kind: "start"; files: ReadonlyArray<{ path: string; size: number }>; bytes: number }
  /** How far a file is: hashed (for LFS) then uploaded, as a fraction from 0 to 1. */
  | { kind: "file"; path: string; state: "hashing" | "uploading"; fraction: number }
  | { kind: "committing" };

export interface PushedFile {
  path: string;
  size: number;
}

export interface PushResult {
  repo: string;
  /** The dataset's page on the Hub. */
  url: string;
  /** Whether this push created the repository. */
  created: boolean;
  /** Files this push committed: missing from the repository, or there with other content. */
  uploaded: PushedFile[];
  /** Files already in the repository with the same content, not sent again. */
  unchanged: PushedFile[];
  /** The commit's URL, when there was one. */
  commitUrl?: string;
  /** Request bodies the Hub accepted, in bytes: file contents it did not already hold, and the calls' JSON. */
  bytesSent: number;
}

const DEFAULT_HUB = "https://huggingface.co/";

/**
 * Uploads the regular files of `dir` (dot-files left out) to the dataset repository
 * `options.repo`, creating it when missing, in one commit of only the files the repository lacks
 * or holds with other content. A push cut off midway leaves nothing committed, and running it
 * again sends only what is still missing: files already committed are compared by their digests,
 * and LFS files stored before the cut are recognised by the Hub and not sent again.
 */
export async function pushDataset(dir: string, options: PushOptions): Promise<PushResult> {
  const repo = checkRepoName(options.repo);
  const files = await listDatasetFiles(dir);
  const hub = withSlash(options.hubUrl ?? DEFAULT_HUB);
  const url = `${hub}datasets/${repo}`;
  let bytesSent = 0;
  const common = {
    accessToken: options.token,
    hubUrl: hub.slice(0, -1),
    fetch: (async (input, init) => {
      const response = await fetch(input, init);
      if (response.ok) bytesSent += bodySize(init?.body);
      return response;
    }) as typeof fetch,
  };
  const designation: RepoDesignation = { type: "dataset", name: repo };
  try {
    await checkNamespace(repo, url, hub, common);
    const created = await ensureRepo(repo, url, options.private === true, designation, common);
    const remote: RemoteFile[] = [];
    if (!created) {
      for await (const entry of listFiles({ repo: designation, recursive: true, ...common })) if (entry.type === "file") remote.push(entry);
    }
    const plan = planUpload(await withDigests(files, remote), remote);
    const result: PushResult = { repo, url, created, uploaded: plan.upload.map(pushed), unchanged: plan.unchanged.map(pushed), bytesSent: 0 };
    if (plan.upload.length > 0) {
      const operations = await Promise.all(
        plan.upload.map(async (file): Promise<CommitOperation> => ({ operation: "addOrUpdate", path: file.path, content: await openAsBlob(file.absolute) })),
      );
      options.onProgress?.({ kind: "start", files: result.uploaded, bytes: result.uploaded.reduce((sum, f) => sum + f.size, 0) });
      const commit = await commitAll(operations, designation, plan.upload.length, common, options);
      if (commit) result.commitUrl = commit.commit.url;
    }
    result.bytesSent = bytesSent;
    return result;
  } catch (error) {
    throw hubFailure(error, { hub, repo }) ?? error;
  }
}

type Common = { accessToken: string; hubUrl: string; fetch: typeof fetch };

/**
 * Refuses, before anything is written, a repository outside the namespaces the token's user can
 * write (their own and their organisations'), and a read-only token; a 401 here means the Hub
 * refuses the token itself.
 */
async function checkNamespace(repo: string, url: string, hub: string, common: Common): Promise<void> {
  const me = await whoAmI(common);
  if (me.auth.accessToken?.role === "read") {
    throw new ConfigError(`cannot write to ${url}: the token is read-only; make one with write access at ${hub}settings/tokens`);
  }
  if (me.type !== "user") return;
  const owner = repo.split("/")[0]!;
  const namespaces = [me.name, ...(me.orgs ?? []).map((org) => org.name)];
  if (!namespaces.includes(owner)) {
    throw new ConfigError(`cannot write to ${url}: the token is ${me.name}'s, who can write under ${namespaces.join(", ")} and not under ${owner}`);
  }
}

/** Creates the repository when the Hub has none by that name; true when it did. */
async function ensureRepo(repo: string, url: string, wantPrivate: boolean, designation: RepoDesignation, common: Common): Promise<boolean> {
  let isPrivate: boolean;
  try {
    isPrivate = (await datasetInfo({ name: repo, ...common })).private;
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode !== 404) throw error;
    await createRepo({ repo: designation, ...(wantPrivate ? { visibility: "private" as const } : {}), ...common });
    return true;
  }
  if (wantPrivate && !isPrivate) {
    // Pushing would publish what the user asked to keep private.
    throw new ConfigError(`${url} exists and is public; --private only makes a new repository private: make this one private in its settings, or push without --private`);
  }
  return false;
}

/** Digests of the files the repository has a file at the same path for: the others are uploaded without comparing. */
async function withDigests(files: DatasetFile[], remote: RemoteFile[]): Promise<LocalFile[]> {
  const there = new Set(remote.map((file) => file.path));
  const local: LocalFile[] = [];
  for (const file of files) local.push(there.has(file.path) ? { ...file, ...(await fileDigests(file.absolute)) } : file);
  return local;
}

async function commitAll(operations: CommitOperation[], repo: RepoDesignation, count: number, common: Common, options: PushOptions): Promise<CommitOutput | undefined> {
  const iterator = commitIter({
    repo,
    operations,
    title: `Upload ${count} ${count === 1 ? "file" : "files"} with foveate push`,
    // Plain LFS: Xet needs its own storage service, which neither every Hub mirror nor a test's fake has.
    useXet: false,
    ...common,
    ...(options.signal ? { abortSignal: options.signal } : {}),
  });
  for (;;) {
    const next = await iterator.next();
    if (next.done) return next.value;
    const event = next.value;
    if (event.event === "phase" && event.phase === "committing") options.onProgress?.({ kind: "committing" });
    if (event.event === "fileProgress" && event.state !== "error") {
      options.onProgress?.({ kind: "file", path: event.path, state: event.state, fraction: event.progress });
    }
  }
}

function pushed(file: LocalFile): PushedFile {
  return { path: file.path, size: file.size };
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

function bodySize(body: unknown): number {
  if (body === undefined || body === null) return 0;
  if (typeof body === "string") return Buffer.byteLength(body);
  if (body instanceof Blob) return body.size;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength;
  return 0;
}
