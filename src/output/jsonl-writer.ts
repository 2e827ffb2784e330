import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";

/** Writes one JSON object per line, to a file or a stream, waiting when the stream is full. */
export class JsonlWriter {
  private constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly owned: boolean,
  ) {}

  /** A writer to `path` (created or truncated), or to standard output when path is undefined. */
  static async open(path: string | undefined): Promise<JsonlWriter> {
    if (path === undefined) return new JsonlWriter(process.stdout, false);
    const stream: WriteStream = createWriteStream(path, { encoding: "utf8" });
    await once(stream, "open");
    return new JsonlWriter(stream, true);
  }

  async write(record: unknown): Promise<void> {
    if (!this.stream.write(`${JSON.stringify(record)}\n`)) await once(this.stream, "drain");
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    const stream = this.stream as WriteStream;
    await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
