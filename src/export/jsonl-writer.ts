import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { lstat, realpath, rename, rm, stat } from "node:fs/promises";

/**
 * Writes one JSON object per line. To a regular file (or one not there yet) it writes
 * `<path>.partial` as records come and renames it to `<path>` on commit, so the file at `path` is
 * always whole; through a symbolic link it does the same to the link's target, leaving the link
 * in place. To anything else that has a path (a device such as /dev/null, a FIFO) it writes
 * through, since a rename would replace it with a regular file; to a stream (standard output) as
 * it is.
 */
export class JsonlWriter {
  /**
   * The stream's first error. A failed write (a full disk) is reported on the stream later, as
   * an event; kept here, it fails the next write or the commit instead of the process.
   */
  private failure: Error | undefined;

  private constructor(
    private readonly stream: NodeJS.WritableStream,
    /** Whether the stream is a file this writer opened, and so ends. */
    private readonly owned: boolean,
    /** The file renamed into place on commit; undefined when writing through. */
    private readonly path: string | undefined,
  ) {
    stream.on("error", (error: Error) => {
      this.failure ??= error;
    });
  }

  static async open(target: string | NodeJS.WritableStream): Promise<JsonlWriter> {
    if (typeof target !== "string") return new JsonlWriter(target, false, undefined);
    const destination = await destinationOf(target);
    if (destination.through) return new JsonlWriter(await opened(createWriteStream(destination.path, { encoding: "utf8" })), true, undefined);
    const stream = await opened(createWriteStream(`${destination.path}.partial`, { encoding: "utf8" }));
    return new JsonlWriter(stream, true, destination.path);
  }

  async write(record: unknown): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(`${JSON.stringify(record)}\n`)) await this.drained();
    if (this.failure) throw this.failure;
  }

  /** Resolves when the stream takes more, rejects when it fails or closes first. */
  private drained(): Promise<void> {
    const stream = this.stream;
    return new Promise((resolve, reject) => {
      const settle = (error?: Error) => {
        stream.off("drain", onDrain);
        stream.off("close", onClose);
        stream.off("error", onClose);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => settle();
      const onClose = () => settle(this.failure ?? new Error("the output closed before every record was written"));
      stream.once("drain", onDrain);
      stream.once("close", onClose);
      stream.once("error", onClose);
    });
  }

  /** Finish the file and put it in place. */
  async commit(): Promise<void> {
    if (!this.owned) return;
    await this.end();
    if (this.path !== undefined) await rename(`${this.path}.partial`, this.path);
  }

  /** Drop what was written (the run store still has it); what went through to a device stays sent. */
  async abandon(): Promise<void> {
    if (!this.owned) return;
    await this.end().catch(() => {});
    if (this.path !== undefined) await rm(`${this.path}.partial`, { force: true });
  }

  private end(): Promise<void> {
    const stream = this.stream as WriteStream;
    if (this.failure) return Promise.reject(this.failure);
    if (stream.writableFinished) return Promise.resolve();
    return new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ?? this.failure ? reject(error ?? this.failure) : resolve())));
  }
}

async function opened(stream: WriteStream): Promise<WriteStream> {
  await once(stream, "open");
  return stream;
}

/**
 * Where the records go: the path renamed into place (a regular file, a new one, or the target of
 * a symbolic link), or a path written through (a device, a FIFO, a socket, a dangling link).
 */
async function destinationOf(path: string): Promise<{ path: string; through: boolean }> {
  const link = await lstat(path).catch(() => undefined);
  if (link === undefined) return { path, through: false };
  if (link.isSymbolicLink()) {
    // A dangling link is written through: opening it creates its target and keeps the link.
    const target = await realpath(path).catch(() => undefined);
    if (target === undefined) return { path, through: true };
    return { path: target, through: !(await stat(target)).isFile() };
  }
  return { path, through: !link.isFile() };
}
