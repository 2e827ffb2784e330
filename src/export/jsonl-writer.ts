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
  private constructor(
    private readonly stream: NodeJS.WritableStream,
    /** Whether the stream is a file this writer opened, and so ends. */
    private readonly owned: boolean,
    /** The file renamed into place on commit; undefined when writing through. */
    private readonly path: string | undefined,
  ) {}

  static async open(target: string | NodeJS.WritableStream): Promise<JsonlWriter> {
    if (typeof target !== "string") return new JsonlWriter(target, false, undefined);
    const destination = await destinationOf(target);
    if (destination.through) return new JsonlWriter(await opened(createWriteStream(destination.path, { encoding: "utf8" })), true, undefined);
    const stream = await opened(createWriteStream(`${destination.path}.partial`, { encoding: "utf8" }));
    return new JsonlWriter(stream, true, destination.path);
  }

  async write(record: unknown): Promise<void> {
    if (!this.stream.write(`${JSON.stringify(record)}\n`)) await once(this.stream, "drain");
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
    if (stream.writableFinished) return Promise.resolve();
    return new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
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
