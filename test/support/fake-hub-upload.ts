import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A file of a fake repository: its bytes and, for an LFS file, its SHA-256. */
export interface FakeRepoFile {
  content: Buffer;
  lfs?: string;
}

export interface FakeRepo {
  private: boolean;
  files: Map<string, FakeRepoFile>;
  commits: string[];
}

export interface UploadLogged {
  method: string;
  path: string;
  /** Request body bytes received. */
  bytes: number;
  auth: string | undefined;
}

interface User {
  name: string;
  orgs: string[];
  role: "read" | "write";
}

/** Files the fake stores with LFS, as the Hub's default .gitattributes does for datasets. */
const LFS_PATTERN = /\.(parquet|arrow|bin)$/;

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const gitOid = (bytes: Buffer) => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");

/**
 * A stand-in for the Hugging Face Hub's write side, for a dataset repository: the calls
 * @huggingface/hub makes for whoAmI, datasetInfo, createRepo, listFiles and commit (preupload, the
 * LFS batch API with "basic" transfers, the LFS PUT, the NDJSON commit). Repositories, committed
 * files and LFS objects live in memory, so a test can compare bytes; `failOnce` drops a connection
 * or answers an error status once, for the next request that matches.
 */
export async function startUploadHub() {
  const users = new Map<string, User>();
  const repos = new Map<string, FakeRepo>();
  const lfs = new Map<string, Buffer>();
  const readOnly = new Set<string>();
  const log: UploadLogged[] = [];
  /** The transfers each LFS batch call offered (a client that offers "xet" would use it if answered). */
  const transfersOffered: string[][] = [];
  let faults: Array<{ match: (method: string, path: string) => boolean; status?: number }> = [];

  const canWrite = (user: User, owner: string, name: string) =>
    user.role === "write" && (user.name === owner || user.orgs.includes(owner)) && !readOnly.has(`${owner}/${name}`);
  const canRead = (user: User | undefined, owner: string, repo: FakeRepo) => !repo.private || (user !== undefined && (user.name === owner || user.orgs.includes(owner)));

  function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, base: string): void {
    const url = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "";
    const p = decodeURIComponent(url.pathname);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const user = token === undefined ? undefined : users.get(token);
    if (token !== undefined && user === undefined && !p.startsWith("/lfs-upload/")) {
      return json(res, 401, { error: "Invalid credentials in Authorization header" });
    }

    if (method === "GET" && p === "/api/whoami-v2") {
      if (!user) return json(res, 401, { error: "Invalid credentials in Authorization header" });
      return json(res, 200, {
        type: "user",
        name: user.name,
        orgs: user.orgs.map((name) => ({ type: "org", name })),
        auth: { type: "access_token", accessToken: { displayName: "test", role: user.role, createdAt: "2026-01-01T00:00:00Z" } },
      });
    }

    if (method === "POST" && p === "/api/repos/create") {
      const request = JSON.parse(body.toString()) as { name: string; organization?: string; type?: string; visibility?: string };
      const owner = request.organization ?? user?.name ?? "";
      const id = `${owner}/${request.name}`;
      if (!user || !canWrite(user, owner, request.name)) return json(res, 403, { error: `You don't have the rights to create a dataset under the namespace "${owner}"` });
      if (request.type !== "dataset") return json(res, 400, { error: "the fake hub holds datasets only" });
      if (repos.has(id)) return json(res, 409, { error: "You already created this dataset repo" });
      const gitattributes = Buffer.from("*.parquet filter=lfs diff=lfs merge=lfs -text\n*.arrow filter=lfs diff=lfs merge=lfs -text\n");
      repos.set(id, { private: request.visibility === "private", files: new Map([[".gitattributes", { content: gitattributes }]]), commits: ["initial commit"] });
      return json(res, 200, { url: `${base}/datasets/${id}`, name: id, id: `fake-${repos.size}` });
    }

    const lfsPut = /^\/lfs-upload\/([0-9a-f]{64})$/.exec(p);
    if (method === "PUT" && lfsPut) {
      if (sha256(body) !== lfsPut[1]) return json(res, 400, { error: "content does not match its oid" });
      lfs.set(lfsPut[1]!, body);
      return void res.writeHead(200).end();
    }

    const api = /^\/api\/datasets\/([^/]+)\/([^/]+)\/(revision|tree|preupload|commit)\/([^/]+)(?:\/(.*))?$/.exec(p);
    const batch = /^\/datasets\/([^/]+)\/([^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(p);
    const match = api ?? batch;
    if (!match) return json(res, 404, { error: `the fake hub has no ${method} ${p}` });
    const [owner, name] = [match[1]!, match[2]!];
    const repo = repos.get(`${owner}/${name}`);
    if (!repo || !canRead(user, owner, repo)) return json(res, 404, { error: "Repository not found" });
    const action = api ? api[3]! : "batch";
    if (action !== "revision" && action !== "tree" && !canWrite(user!, owner, name)) {
      return json(res, 403, { error: `You don't have write access to ${owner}/${name}` });
    }

    if (action === "revision") {
      return json(res, 200, { _id: `fake-${owner}-${name}`, id: `${owner}/${name}`, private: repo.private, downloads: 0, likes: 0, gated: false, lastModified: "2026-01-01T00:00:00Z" });
    }
    if (action === "tree") {
      const entries: unknown[] = [];
      const dirs = new Set<string>();
      for (const [path, file] of [...repo.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const parts = path.split("/");
        for (let i = 1; i < parts.length; i++) {
          const dir = parts.slice(0, i).join("/");
          if (!dirs.has(dir)) entries.push({ type: "directory", path: dir, size: 0, oid: "0".repeat(40) });
          dirs.add(dir);
        }
        const pointer = file.lfs ? Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${file.lfs}\nsize ${file.content.length}\n`) : undefined;
        entries.push({
          type: "file",
          path,
          size: file.content.length,
          oid: gitOid(pointer ?? file.content),
          ...(file.lfs && pointer ? { lfs: { oid: file.lfs, size: file.content.length, pointerSize: pointer.length } } : {}),
        });
      }
      return json(res, 200, entries);
    }
    if (action === "preupload") {
      const { files } = JSON.parse(body.toString()) as { files: Array<{ path: string }> };
      return json(res, 200, { files: files.map((f) => ({ path: f.path, uploadMode: LFS_PATTERN.test(f.path) ? "lfs" : "regular" })) });
    }
    if (action === "batch") {
      const request = JSON.parse(body.toString()) as { transfers: string[]; objects: Array<{ oid: string; size: number }> };
      transfersOffered.push(request.transfers);
      return json(res, 200, {
        transfer: "basic",
        objects: request.objects.map((o) => (lfs.has(o.oid) ? { oid: o.oid, size: o.size } : { oid: o.oid, size: o.size, actions: { upload: { href: `${base}/lfs-upload/${o.oid}` } } })),
      });
    }
    // commit
    const lines = body.toString().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { key: string; value: Record<string, unknown> });
    const next = new Map(repo.files);
    let summary = "";
    for (const { key, value } of lines) {
      if (key === "header") summary = String(value.summary);
      else if (key === "file") next.set(String(value.path), { content: Buffer.from(String(value.content), "base64") });
      else if (key === "lfsFile") {
        const content = lfs.get(String(value.oid));
        if (!content || content.length !== value.size) return json(res, 422, { error: `LFS object ${String(value.oid)} of ${String(value.path)} was not uploaded` });
        next.set(String(value.path), { content, lfs: String(value.oid) });
      } else if (key === "deletedFile") next.delete(String(value.path));
      else return json(res, 400, { error: `unknown commit line ${key}` });
    }
    repo.files = next;
    repo.commits.push(summary);
    const oid = createHash("sha1").update(`${owner}/${name}#${repo.commits.length}`).digest("hex");
    return json(res, 200, { success: true, commitOid: oid, commitUrl: `${base}/datasets/${owner}/${name}/commit/${oid}` });
  }

  let base = "";
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? "";
      const p = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      log.push({ method, path: p, bytes: body.length, auth: req.headers.authorization });
      const fault = faults.find((f) => f.match(method, p));
      if (fault) {
        faults = faults.filter((f) => f !== fault);
        if (fault.status === undefined) return void req.socket.destroy();
        return json(res, fault.status, { error: `fake hub fault ${fault.status}` });
      }
      handle(req, res, body, base);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    repos,
    lfs,
    log,
    transfersOffered,
    /** A token the fake accepts, for a user with their organisations. */
    addUser(token: string, name: string, orgs: string[] = [], role: "read" | "write" = "write") {
      users.set(token, { name, orgs, role });
    },
    /** A repository in a namespace the user may create in, that refuses writes (a member with read access). */
    makeReadOnly(repo: string) {
      readOnly.add(repo);
    },
    /** The next request matching drops its connection (no status), or answers `status`. */
    failOnce(match: (method: string, path: string) => boolean, status?: number) {
      faults.push({ match, ...(status === undefined ? {} : { status }) });
    },
    /** LFS PUTs received, by path of the upload (one per object sent). */
    lfsPuts: () => log.filter((r) => r.method === "PUT" && r.path.startsWith("/lfs-upload/")),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type UploadHub = Awaited<ReturnType<typeof startUploadHub>>;
