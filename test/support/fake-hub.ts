import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Logged {
  method: string;
  path: string;
  range: string | undefined;
  auth: string | undefined;
  /** Body bytes written for this request. */
  sent: number;
}

export type Intercept = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer | undefined, entry: Logged) => boolean;

/** A stand-in for the Hugging Face hub (and any file host): GET and HEAD with single byte ranges. */
export async function startHub() {
  const files = new Map<string, Buffer>();
  const log: Logged[] = [];
  let intercept: Intercept | undefined;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const entry: Logged = { method: req.method ?? "", path: url.pathname, range: req.headers.range, auth: req.headers.authorization, sent: 0 };
    log.push(entry);
    const body = files.get(decodeURIComponent(url.pathname));
    if (intercept?.(req, res, body, entry)) return;
    if (body === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Entry not found");
      return;
    }
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    let start = 0;
    let end = body.length - 1;
    if (match) {
      start = Number(match[1]);
      end = match[2] ? Math.min(Number(match[2]), body.length - 1) : body.length - 1;
      res.writeHead(206, {
        "accept-ranges": "bytes",
        "content-length": end - start + 1,
        "content-range": `bytes ${start}-${end}/${body.length}`,
      });
    } else {
      res.writeHead(200, { "accept-ranges": "bytes", "content-length": body.length });
    }
    if (req.method === "HEAD") return void res.end();
    entry.sent = end - start + 1;
    res.end(body.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    files,
    log,
    set intercept(fn: Intercept | undefined) {
      intercept = fn;
    },
    /** Ranged GETs of the body (not the 4-byte probe). */
    rangedGets: () => log.filter((r) => r.method === "GET" && r.range !== undefined && r.range !== "bytes=0-3"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Hub = Awaited<ReturnType<typeof startHub>>;
