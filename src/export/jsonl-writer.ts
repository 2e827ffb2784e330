import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";

/**
 * Writes one JSON object per line. To a file, it writes `<path>.partial` as records come and
 * renames it to `<path>` on commit, so the file at `path` is always whole; to a stream (standard
 * output) as it is.
 */
export class JsonlWriter {
  private constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly path: string | undefined,
  ) {}

  static async open(target: string | NodeJS.WritableStream): Promise<JsonlWriter> {
    if (typeof target !== "string") return new JsonlWriter(target, undefined);
    const path = target;
    const stream: WriteStream = createWriteStream(`${path}.partial`, { encoding: "utf8" });
    await once(stream, "open");
    return new JsonlWriter(stream, path);
  }

  async write(record: unknown): Promise<void> {
    if (!this.stream.write(`${JSON.stringify(record)}\n`)) await once(this.stream, "drain");
  }

  /** Finish the file and put it in place. */
  async commit(): Promise<void> {
    if (this.path === undefined) return;
    await this.end();
    await rename(`${this.path}.partial`, this.path);
  }

  /** Drop what was written (the run store still has it). */
  async abandon(): Promise<void> {
    if (this.path === undefined) return;
    await this.end().catch(() => {});
    await rm(`${this.path}.partial`, { force: true });
  }

  private end(): Promise<void> {
    const stream = this.stream as WriteStream;
    if (stream.writableFinished) return Promise.resolve();
    return new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
