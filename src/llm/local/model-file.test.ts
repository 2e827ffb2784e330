import { spawn } from "node:child_process";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AbortedError, ConfigError } from "../../errors.js";
import { startHub, type Hub, type Intercept } from "../../../test/support/fake-hub.js";
import { tempDir } from "../../../test/support/temp-dir.js";
import { checkGgufFile } from "./check-gguf-file.js";
import { resolveModelFile } from "./model-file.js";

/** ipull's unit of resumption. */
const CHUNK = 5 * 1024 * 1024;

/** Bytes starting with the GGUF magic, then a pattern that differs at every offset modulo 251. */
function fakeGguf(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = i % 251;
  bytes.write("GGUF", 0, "latin1");
  return bytes;
}



let tmp: string;
let hub: Hub;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  tmp = tempDir("foveate-model-file-");
  hub = await startHub();
  // HF_HOME in the temp dir: no token file of this machine's user is read.
  env = { HF_ENDPOINT: hub.base, HF_HOME: path.join(tmp, "hf-home"), HOME: tmp };
});

afterEach(async () => {
  await hub.close();
});

async function expectConfigError(promise: Promise<unknown>, pattern: RegExp): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toMatch(pattern);
  expect((error as Error).message).not.toContain("\n");
  return error as ConfigError;
}

/** The JSON progress record ipull appends after the file's bytes in NAME.ipull, if any. */
async function ipullProgress(partial: string, size: number): Promise<{ chunks: number[] } | undefined> {
  try {
    const bytes = await readFile(partial);
    if (bytes.length <= size) return undefined;
    return JSON.parse(bytes.subarray(size).toString("utf8")) as { chunks: number[] };
  } catch {
    return undefined;
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** First pass of an interrupted download: the range from 0 is served, every later range stalls. */
function serveFirstChunkOnly(): Intercept {
  return (req, res, body, entry) => {
    const start = Number(/^bytes=(\d+)-/.exec(req.headers.range ?? "")?.[1] ?? -1);
    if (req.method !== "GET" || body === undefined || start <= 0) return false;
    const end = body.length - 1;
    res.writeHead(206, { "accept-ranges": "bytes", "content-length": end - start + 1, "content-range": `bytes ${start}-${end}/${body.length}` });
    res.write(body.subarray(start, start + 1000));
    entry.sent = 1000;
    return true; // and never finish
  };
}

describe("checkGgufFile and local paths", () => {
  it("accepts a GGUF file and returns its absolute path", async () => {
    const file = path.join(tmp, "m.gguf");
    await writeFile(file, fakeGguf(1000));
    await expect(checkGgufFile(file)).resolves.toBeUndefined();
    const relative = path.relative(process.cwd(), file);
    await expect(resolveModelFile(relative, { cacheDir: tmp })).resolves.toBe(file);
    expect(hub.log).toEqual([]);
  });

  it("names a missing file, a directory, an empty file and a file of another kind", async () => {
    const missing = path.join(tmp, "nope.gguf");
    await expectConfigError(checkGgufFile(missing), new RegExp(`^model file not found: ${escape(missing)}$`));
    await expectConfigError(resolveModelFile(missing, { cacheDir: tmp }), /^model file not found: /);
    await expectConfigError(checkGgufFile(tmp), new RegExp(`^${escape(tmp)} is a directory, not a GGUF model file$`));
    const empty = path.join(tmp, "empty.gguf");
    await writeFile(empty, "");
    await expectConfigError(checkGgufFile(empty), /is not a GGUF model file \(it is empty\)/);
    const html = path.join(tmp, "page.gguf");
    await writeFile(html, "<!DOCTYPE html><html><body>gated</body></html>");
    await expectConfigError(
      checkGgufFile(html),
      new RegExp(`^${escape(html)} is not a GGUF model file \\(it starts with "<!DOCTYPE html><", not "GGUF"\\)$`),
    );
    const binary = path.join(tmp, "weights.bin");
    await writeFile(binary, Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0, 1, 2, 3, 4, 5]));
    await expectConfigError(checkGgufFile(binary), /not a GGUF model file \(it starts with 0x80028a0a00010203, not "GGUF"\)/);
  });
});

describe("resolveModelFile with a remote model", () => {
  it("downloads an hf: URI from HF_ENDPOINT into the cache, reporting start and progress", async () => {
    const body = fakeGguf(200_000);
    hub.files.set("/owner/repo/resolve/main/sub/model.gguf", body);
    const starts: unknown[] = [];
    const progress: Array<[number, number]> = [];
    const file = await resolveModelFile("hf:owner/repo/sub/model.gguf", {
      cacheDir: tmp,
      env,
      events: { onStart: (info) => starts.push(info), onProgress: (done, total) => progress.push([done, total]) },
    });
    expect(file).toBe(path.join(tmp, "hf", "owner", "repo", "main", "sub", "model.gguf"));
    expect((await readFile(file)).equals(body)).toBe(true);
    expect(starts).toEqual([{ uri: "hf:owner/repo/sub/model.gguf", file, totalBytes: body.length, alreadyBytes: 0 }]);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual([body.length, body.length]);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);
    // What node-llama-cpp + ipull ask for an hf: file URI: no API call, only the resolve URL; our
    // 4-byte probe, ipull's size-finding GET (body unread), then the ranged GET of the body.
    expect(hub.log.map((r) => [r.method, r.path, r.range])).toEqual([
      ["GET", "/owner/repo/resolve/main/sub/model.gguf", "bytes=0-3"],
      ["GET", "/owner/repo/resolve/main/sub/model.gguf", undefined],
      ["GET", "/owner/repo/resolve/main/sub/model.gguf", `bytes=0-${body.length - 1}`],
    ]);
    expect(await readdir(path.dirname(file))).toEqual(["model.gguf"]);

    // The second call finds it complete in the cache: no request, no onStart.
    hub.log.length = 0;
    starts.length = 0;
    const again = await resolveModelFile("hf:owner/repo/sub/model.gguf", { cacheDir: tmp, env, events: { onStart: (i) => starts.push(i) } });
    expect(again).toBe(file);
    expect(hub.log).toEqual([]);
    expect(starts).toEqual([]);
  });

  it("downloads an http(s) URL and keeps branches and hosts apart in the cache", async () => {
    const body = fakeGguf(50_000);
    hub.files.set("/files/x/m.gguf", body);
    hub.files.set("/o/r/resolve/dev/m.gguf", body);
    const viaUrl = await resolveModelFile(`${hub.base}/files/x/m.gguf?v=1`, { cacheDir: tmp, env });
    const port = new URL(hub.base).port;
    expect(path.relative(tmp, viaUrl)).toMatch(new RegExp(`^url/127\\.0\\.0\\.1_${port}/files/x/query-[0-9a-f]{12}/m\\.gguf$`));
    expect((await readFile(viaUrl)).equals(body)).toBe(true);
    // On the hub's host, /owner/repo is a repository, which node-llama-cpp would resolve by API.
    await expectConfigError(resolveModelFile(`${hub.base}/o/r`, { cacheDir: tmp, env }), /names a Hugging Face repository, not a file/);
    const viaBranch = await resolveModelFile("hf:o/r/m.gguf#dev", { cacheDir: tmp, env });
    expect(viaBranch).toBe(path.join(tmp, "hf", "o", "r", "dev", "m.gguf"));
    expect((await readFile(viaBranch)).equals(body)).toBe(true);
  });

  it("survives a connection dropped mid-body: ipull asks again with a Range", async () => {
    const body = fakeGguf(300_000);
    hub.files.set("/owner/repo/resolve/main/m.gguf", body);
    let cut = false;
    hub.intercept = (req, res, _body, entry) => {
      if (cut || req.method !== "GET" || req.headers.range === undefined || req.headers.range === "bytes=0-3") return false;
      cut = true;
      res.writeHead(206, { "accept-ranges": "bytes", "content-length": body.length, "content-range": `bytes 0-${body.length - 1}/${body.length}` });
      res.write(body.subarray(0, 100_000), () => res.destroy());
      entry.sent = 100_000;
      return true;
    };
    const file = await resolveModelFile("hf:owner/repo/m.gguf", { cacheDir: tmp, env });
    expect((await readFile(file)).equals(body)).toBe(true);
    // ipull resumes per 5 MiB chunk, so within one chunk the retry starts from the chunk's start.
    expect(hub.rangedGets().map((r) => r.range)).toEqual([`bytes=0-${body.length - 1}`, `bytes=0-${body.length - 1}`]);
  });

  it("resumes an aborted download on the next call, fetching only the chunks not yet complete", async () => {
    const body = fakeGguf(12 * 1024 * 1024); // three ipull chunks: 5 + 5 + 2 MiB
    hub.files.set("/owner/repo/resolve/main/big.gguf", body);
    const target = path.join(tmp, "hf", "owner", "repo", "main", "big.gguf");
    hub.intercept = serveFirstChunkOnly();
    const controller = new AbortController();
    const first = resolveModelFile("hf:owner/repo/big.gguf", { cacheDir: tmp, env, signal: controller.signal });
    await waitFor(async () => (await ipullProgress(target + ".ipull", body.length))?.chunks[0] === 2);
    controller.abort();
    await expect(first).rejects.toBeInstanceOf(AbortedError);
    expect(await stat(target + ".ipull")).toBeTruthy();

    hub.intercept = undefined;
    hub.log.length = 0;
    const starts: Array<{ totalBytes: number; alreadyBytes: number }> = [];
    const file = await resolveModelFile("hf:owner/repo/big.gguf", { cacheDir: tmp, env, events: { onStart: (i) => starts.push(i) } });
    expect(file).toBe(target);
    expect((await readFile(file)).equals(body)).toBe(true);
    expect(starts).toEqual([{ uri: "hf:owner/repo/big.gguf", file, totalBytes: body.length, alreadyBytes: CHUNK }]);
    const ranges = hub.rangedGets();
    expect(ranges.every((r) => !r.range!.startsWith("bytes=0-"))).toBe(true);
    expect(ranges.reduce((sum, r) => sum + r.sent, 0)).toBe(body.length - CHUNK);
  });

  it("resumes a download whose process was killed (SIGKILL)", async () => {
    const body = fakeGguf(12 * 1024 * 1024);
    hub.files.set("/owner/repo/resolve/main/big.gguf", body);
    const target = path.join(tmp, "hf", "owner", "repo", "main", "big.gguf");
    hub.intercept = serveFirstChunkOnly();
    const moduleUrl = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), "model-file.ts")).href;
    const script = path.join(tmp, "child.mts");
    await writeFile(
      script,
      `import { resolveModelFile } from ${JSON.stringify(moduleUrl)};\n` +
        `await resolveModelFile("hf:owner/repo/big.gguf", { cacheDir: ${JSON.stringify(tmp)}, env: ${JSON.stringify(env)} });\n`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: process.cwd(), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    try {
      await waitFor(async () => (await ipullProgress(target + ".ipull", body.length))?.chunks[0] === 2, 8_000);
    } catch (error) {
      child.kill("SIGKILL");
      throw new Error(`child did not get the first chunk: ${stderr}`, { cause: error });
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    hub.intercept = undefined;
    hub.log.length = 0;
    const file = await resolveModelFile("hf:owner/repo/big.gguf", { cacheDir: tmp, env });
    expect((await readFile(file)).equals(body)).toBe(true);
    const ranges = hub.rangedGets();
    expect(ranges.length).toBeGreaterThan(0);
    expect(ranges.every((r) => !r.range!.startsWith("bytes=0-"))).toBe(true);
    expect(ranges.reduce((sum, r) => sum + r.sent, 0)).toBe(body.length - CHUNK);
  });

  it("gives up with a resumable error when no data arrives for stallTimeoutMs", async () => {
    const body = fakeGguf(300_000);
    hub.files.set("/owner/repo/resolve/main/m.gguf", body);
    hub.intercept = (req, res, _body, entry) => {
      if (req.method !== "GET" || req.headers.range === undefined || req.headers.range === "bytes=0-3") return false;
      res.writeHead(206, { "accept-ranges": "bytes", "content-length": body.length, "content-range": `bytes 0-${body.length - 1}/${body.length}` });
      res.write(body.subarray(0, 1000));
      entry.sent = 1000;
      return true;
    };
    await expectConfigError(
      resolveModelFile("hf:owner/repo/m.gguf", { cacheDir: tmp, env, stallTimeoutMs: 300 }),
      /^cannot download hf:owner\/repo\/m\.gguf: no data arrived for 300 ms; run again to resume$/,
    );
  });

  it("says not found for a 404, naming the URI", async () => {
    await expectConfigError(
      resolveModelFile("hf:owner/repo/missing.gguf", { cacheDir: tmp, env }),
      /^cannot download hf:owner\/repo\/missing\.gguf: not found \(HTTP 404 from 127\.0\.0\.1:\d+\)$/,
    );
  });

  it("points at HF_TOKEN for a gated model, and sends the token when there is one", async () => {
    hub.files.set("/owner/gated/resolve/main/m.gguf", fakeGguf(1000));
    hub.intercept = (req, res) => {
      if (req.headers.authorization === "Bearer good") return false;
      res.writeHead(req.headers.authorization ? 403 : 401).end("Access to model owner/gated is restricted");
      return true;
    };
    await expectConfigError(
      resolveModelFile("hf:owner/gated/m.gguf", { cacheDir: tmp, env }),
      /^cannot download hf:owner\/gated\/m\.gguf: access denied \(HTTP 401 from [^)]+\); a gated or private Hugging Face model needs HF_TOKEN/,
    );
    await expectConfigError(
      resolveModelFile("hf:owner/gated/m.gguf", { cacheDir: tmp, env: { ...env, HF_TOKEN: "bad" } }),
      /access denied \(HTTP 403 from [^)]+\) with the Hugging Face token in use/,
    );
    // The token file huggingface-cli writes counts too, and node-llama-cpp gets the same token.
    await mkdir(env.HF_HOME!, { recursive: true });
    await writeFile(path.join(env.HF_HOME!, "token"), "good\n");
    const file = await resolveModelFile("hf:owner/gated/m.gguf", { cacheDir: tmp, env });
    expect(await checkGgufFile(file)).toBeUndefined();
    expect(hub.log.filter((r) => r.auth !== undefined).every((r) => r.auth === "Bearer good" || r.auth === "Bearer bad")).toBe(true);
  });

  it("says which host cannot be reached, quickly", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const started = Date.now();
    await expectConfigError(
      resolveModelFile("hf:owner/repo/m.gguf", { cacheDir: tmp, env: { ...env, HF_ENDPOINT: `http://127.0.0.1:${port}` } }),
      new RegExp(`^cannot download hf:owner/repo/m\\.gguf: cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)$`),
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("rejects a remote file that is not GGUF before downloading it, and leaves nothing behind", async () => {
    hub.files.set("/owner/repo/resolve/main/m.gguf", Buffer.from("<!DOCTYPE html><html>a login page</html>"));
    await expectConfigError(
      resolveModelFile("hf:owner/repo/m.gguf", { cacheDir: tmp, env }),
      /^cannot use hf:owner\/repo\/m\.gguf: it is not a GGUF model file \(it starts with "<!DO", not "GGUF"\)$/,
    );
    expect(hub.log).toHaveLength(1);
    await expect(readdir(path.join(tmp, "hf"))).rejects.toThrow();
  });

  it("fetches again a cached file that is not GGUF", async () => {
    const body = fakeGguf(10_000);
    hub.files.set("/owner/repo/resolve/main/m.gguf", body);
    const cached = path.join(tmp, "hf", "owner", "repo", "main", "m.gguf");
    await mkdir(path.dirname(cached), { recursive: true });
    await writeFile(cached, "garbage");
    await expect(resolveModelFile("hf:owner/repo/m.gguf", { cacheDir: tmp, env })).resolves.toBe(cached);
    expect((await readFile(cached)).equals(body)).toBe(true);
  });

  it("stops with AbortedError when the signal is already aborted", async () => {
    hub.files.set("/owner/repo/resolve/main/m.gguf", fakeGguf(1000));
    await expect(
      resolveModelFile("hf:owner/repo/m.gguf", { cacheDir: tmp, env, signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(hub.log).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
