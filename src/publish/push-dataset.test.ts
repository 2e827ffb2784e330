import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { startUploadHub, type UploadHub } from "../../test/support/fake-hub-upload.js";
import { tempDir } from "../../test/support/temp-dir.js";
import { pushDataset, type PushProgress } from "./push-dataset.js";

const TOKEN = "hf_alice_write";
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const digests = (files: Record<string, Buffer>) => Object.fromEntries(Object.entries(files).map(([p, bytes]) => [p, sha256(bytes)]));

/** A folder as export --format hf writes it: a card and two Parquet shards. */
function datasetDir(): { dir: string; files: Record<string, Buffer> } {
  const dir = tempDir("foveate-push-");
  mkdirSync(path.join(dir, "data"));
  const files: Record<string, Buffer> = {
    "README.md": Buffer.from("---\nconfigs:\n- config_name: default\n---\n# A dataset\n"),
    "data/train-00000-of-00002.parquet": randomBytes(300_000),
    "data/train-00001-of-00002.parquet": randomBytes(200_000),
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), bytes);
  writeFileSync(path.join(dir, ".DS_Store"), "not part of the dataset");
  return { dir, files };
}

describe("pushDataset", () => {
  let hub: UploadHub;
  beforeEach(async () => {
    hub = await startUploadHub();
    hub.addUser(TOKEN, "alice", ["acme"]);
  });
  afterEach(() => hub.close());

  const push = (dir: string, repo: string, more: { private?: boolean; token?: string; onProgress?: (e: PushProgress) => void } = {}) =>
    pushDataset(dir, { repo, token: TOKEN, hubUrl: hub.base, ...more });

  /** The repository's files (its .gitattributes aside) by the SHA-256 of their bytes: a deep compare of large Buffers is slow. */
  function stored(repo: string): Record<string, string> {
    const files = hub.repos.get(repo)!.files;
    return Object.fromEntries([...files].filter(([p]) => p !== ".gitattributes").map(([p, f]) => [p, sha256(f.content)]));
  }

  it("creates the repository and uploads every file in one commit, Parquet by plain LFS", async () => {
    const { dir, files } = datasetDir();
    const events: PushProgress[] = [];
    const result = await push(dir, "alice/self-foveate", { onProgress: (e) => events.push(e) });

    expect(result.created).toBe(true);
    expect(result.url).toBe(`${hub.base}/datasets/alice/self-foveate`);
    expect(result.uploaded.map((f) => f.path)).toEqual(Object.keys(files));
    expect(result.unchanged).toEqual([]);
    expect(stored("alice/self-foveate")).toEqual(digests(files));
    const repo = hub.repos.get("alice/self-foveate")!;
    expect(repo.private).toBe(false);
    expect(repo.commits).toEqual(["initial commit", "Upload 3 files with foveate push"]);
    expect(repo.files.get("data/train-00000-of-00002.parquet")!.lfs).toBe(sha256(files["data/train-00000-of-00002.parquet"]!));
    expect(repo.files.get("README.md")!.lfs).toBeUndefined();
    expect(hub.transfersOffered.length).toBeGreaterThan(0);
    for (const offered of hub.transfersOffered) expect(offered).not.toContain("xet");
    expect(result.bytesSent).toBeGreaterThan(500_000);
    expect(result.commitUrl).toMatch(/\/datasets\/alice\/self-foveate\/commit\/[0-9a-f]{40}$/);

    expect(events[0]).toEqual({ kind: "start", files: result.uploaded, bytes: 500_000 + files["README.md"]!.length });
    expect(events.some((e) => e.kind === "file" && e.state === "uploading" && e.fraction === 1 && e.path.endsWith(".parquet"))).toBe(true);
    expect(events.at(-1)).toEqual({ kind: "committing" });
  });

  it("sends again only what changed, and nothing when nothing did", async () => {
    const { dir, files } = datasetDir();
    await push(dir, "acme/data");
    const putsBefore = hub.lfsPuts().length;

    const again = await push(dir, "acme/data");
    expect(again.created).toBe(false);
    expect(again.uploaded).toEqual([]);
    expect(again.unchanged.map((f) => f.path)).toEqual(Object.keys(files));
    expect(hub.repos.get("acme/data")!.commits).toHaveLength(2);

    const card = Buffer.from("# A better card\n");
    writeFileSync(path.join(dir, "README.md"), card);
    const changed = await push(dir, "acme/data");
    expect(changed.uploaded.map((f) => f.path)).toEqual(["README.md"]);
    expect(changed.unchanged.map((f) => f.path)).toEqual(["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]);
    expect(stored("acme/data")).toEqual(digests({ ...files, "README.md": card }));
    expect(hub.lfsPuts().length).toBe(putsBefore);
    expect(changed.bytesSent).toBeLessThan(10_000);
  });

  it("after a connection dropped during the commit, a rerun sends no file content again", async () => {
    const { dir, files } = datasetDir();
    hub.failOnce((method, p) => method === "POST" && p.endsWith("/commit/main"));
    const error = await push(dir, "alice/data").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `cannot reach the Hugging Face Hub at ${hub.base}/ (UND_ERR_SOCKET) while pushing ${hub.base}/datasets/alice/data; run the same command again: it uploads only what is missing`,
    );
    expect(stored("alice/data")).toEqual({});
    const puts = hub.lfsPuts().length;
    expect(puts).toBe(2);

    const rerun = await push(dir, "alice/data");
    expect(rerun.created).toBe(false);
    expect(rerun.uploaded).toHaveLength(3);
    expect(hub.lfsPuts().length).toBe(puts);
    expect(stored("alice/data")).toEqual(digests(files));
  });

  it("after a connection dropped during an LFS upload, a rerun sends only the objects the Hub lacks", async () => {
    const { dir, files } = datasetDir();
    const second = sha256(files["data/train-00001-of-00002.parquet"]!);
    hub.failOnce((method, p) => method === "PUT" && p === `/lfs-upload/${second}`);
    const error = await push(dir, "alice/data").catch((e: unknown) => e);
    expect((error as Error).message).toContain("run the same command again: it uploads only what is missing");
    expect(stored("alice/data")).toEqual({});
    expect(hub.lfs.has(second)).toBe(false);
    const heldBefore = new Set(hub.lfs.keys());
    const putsBefore = hub.lfsPuts().length;

    await push(dir, "alice/data");
    const rerunPuts = hub.lfsPuts().slice(putsBefore).map((r) => r.path.slice("/lfs-upload/".length));
    expect(rerunPuts).toContain(second);
    for (const oid of rerunPuts) expect(heldBefore.has(oid)).toBe(false);
    expect(stored("alice/data")).toEqual(digests(files));
  });

  it("makes a new repository private with private: true, and refuses to push into a public one", async () => {
    const { dir } = datasetDir();
    await push(dir, "alice/secret", { private: true });
    expect(hub.repos.get("alice/secret")!.private).toBe(true);

    await push(dir, "alice/open");
    writeFileSync(path.join(dir, "README.md"), "changed");
    const error = await push(dir, "alice/open", { private: true }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `${hub.base}/datasets/alice/open exists and is public; --private only makes a new repository private: make this one private in its settings, or push without --private`,
    );
    expect(hub.repos.get("alice/open")!.commits).toHaveLength(2);
  });

  it("says the Hub refused the token (401)", async () => {
    const { dir } = datasetDir();
    const error = await push(dir, "alice/data", { token: "hf_revoked" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `the Hub at ${hub.base}/ refused the token (HTTP 401: Invalid credentials in Authorization header); make a token with write access at ${hub.base}/settings/tokens and set HF_TOKEN, or run huggingface-cli login`,
    );
    expect(hub.repos.size).toBe(0);
  });

  it("refuses a repository under another namespace before writing anything", async () => {
    const { dir } = datasetDir();
    const error = await push(dir, "someone-else/data").catch((e: unknown) => e);
    expect((error as Error).message).toBe(`cannot write to ${hub.base}/datasets/someone-else/data: the token is alice's, who can write under alice, acme and not under someone-else`);
    expect(hub.log.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("refuses a read-only token before writing anything", async () => {
    hub.addUser("hf_alice_read", "alice", [], "read");
    const { dir } = datasetDir();
    const error = await push(dir, "alice/data", { token: "hf_alice_read" }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`cannot write to ${hub.base}/datasets/alice/data: the token is read-only; make one with write access at ${hub.base}/settings/tokens`);
    expect(hub.repos.size).toBe(0);
  });

  it("says which repository the Hub will not let it write (403), on creating or on committing", async () => {
    const { dir, files } = datasetDir();
    hub.makeReadOnly("acme/new");
    const onCreate = await push(dir, "acme/new").catch((e: unknown) => e);
    expect((onCreate as Error).message).toBe(
      `cannot write to ${hub.base}/datasets/acme/new (HTTP 403: You don't have the rights to create a dataset under the namespace "acme"); the token needs write access to acme`,
    );

    await push(dir, "acme/data");
    hub.makeReadOnly("acme/data");
    writeFileSync(path.join(dir, "README.md"), "changed");
    const onCommit = await push(dir, "acme/data").catch((e: unknown) => e);
    expect(onCommit).toBeInstanceOf(ConfigError);
    expect((onCommit as Error).message).toBe(`cannot write to ${hub.base}/datasets/acme/data (HTTP 403: You don't have write access to acme/data); the token needs write access to acme`);
    expect(stored("acme/data")).toEqual(digests(files));
    expect(readFileSync(path.join(dir, "README.md"), "utf8")).toBe("changed");
  });
});
