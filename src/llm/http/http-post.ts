import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";

export interface HttpReply {
  status: number;
  headers: Headers;
  /** The whole body, decoded. */
  text: string;
}

/**
 * Why a request ended without a whole reply: the deadline passed, the caller aborted, or the
 * connection failed (the socket's own error as `cause`, or `code` ECONNRESET when it closed
 * mid-reply).
 */
export class HttpTransportError extends Error {
  readonly code: string | undefined;

  constructor(
    message: string,
    readonly kind: "timeout" | "aborted" | "connection",
    options: { cause?: unknown; code?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/**
 * POST a JSON body and read the whole reply, over keep-alive node:http(s) connections. The
 * deadline covers the reply body too, and a connection closed mid-reply is an error, never a
 * short body.
 */
export function postJson(
  url: URL,
  body: string,
  options: { headers: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
): Promise<HttpReply> {
  return sendHttp(url, { ...options, method: "POST", body, contentType: "application/json" });
}

/** What a request of any method sends, and its limits. */
export interface HttpRequest {
  method: "GET" | "POST";
  body?: string | Uint8Array;
  contentType?: string;
  headers: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A request of any method, with or without a body, read as postJson reads its reply. */
export function sendHttp(url: URL, options: HttpRequest): Promise<HttpReply> {
  const body = options.body;
  const bodyHeaders: Record<string, string> =
    body === undefined
      ? {}
      : {
          "content-type": options.contentType ?? "application/octet-stream",
          "content-length": String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength),
        };
  return new Promise((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http;
    const agent = url.protocol === "https:" ? agents["https:"] : agents["http:"];
    let settled = false;
    const finish = (error: Error | undefined, reply?: HttpReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (error) {
        request.destroy();
        reject(error);
      } else resolve(reply!);
    };
    const onAbort = () => finish(new HttpTransportError("request aborted", "aborted"));
    const timer = setTimeout(() => finish(new HttpTransportError(`no complete reply within ${options.timeoutMs} ms`, "timeout")), options.timeoutMs);

    const request = client.request(
      url,
      {
        method: options.method,
        agent,
        headers: { ...bodyHeaders, ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        const stream = decoded(response);
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("error", (error) => finish(error));
        stream.on("end", () => {
          const headers = new Headers();
          const raw = response.rawHeaders;
          for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
          finish(undefined, { status: response.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString("utf8") });
        });
        response.on("close", () => {
          if (!response.complete) finish(new HttpTransportError("connection closed before the reply was complete", "connection", { code: "ECONNRESET" }));
        });
      },
    );
    request.on("error", (error) => finish(new HttpTransportError(error.message, "connection", { cause: error })));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (body === undefined) request.end();
    else request.end(body);
  });
}

function decoded(response: http.IncomingMessage): Readable {
  switch (response.headers["content-encoding"]) {
    case "gzip":
      return response.pipe(createGunzip());
    case "deflate":
      return response.pipe(createInflate());
    case "br":
      return response.pipe(createBrotliDecompress());
    default:
      return response;
  }
}
