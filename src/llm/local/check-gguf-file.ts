import { open } from "node:fs/promises";
import { ConfigError } from "../../errors.js";

const GGUF_MAGIC = "GGUF";

/**
 * ConfigError unless PATH is a readable file starting with the GGUF magic: "model file not found:
 * PATH", "PATH is a directory, not a GGUF model file", or "PATH is not a GGUF model file (...)".
 */
export async function checkGgufFile(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") throw new ConfigError(`model file not found: ${file}`, { cause: error });
    if (code === "EISDIR") throw new ConfigError(`${file} is a directory, not a GGUF model file`, { cause: error });
    throw new ConfigError(`cannot read model file ${file} (${code ?? String(error)})`, { cause: error });
  }
  try {
    if ((await handle.stat()).isDirectory()) throw new ConfigError(`${file} is a directory, not a GGUF model file`);
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const problem = magicProblem(head.subarray(0, bytesRead));
    if (problem !== undefined) throw new ConfigError(`${file} is not a GGUF model file (${problem})`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = errorCode(error);
    if (code === "EISDIR") throw new ConfigError(`${file} is a directory, not a GGUF model file`, { cause: error });
    throw new ConfigError(`cannot read model file ${file} (${code ?? String(error)})`, { cause: error });
  } finally {
    await handle.close();
  }
}

/** Undefined when `head` starts with the GGUF magic, else what it starts with instead. */
export function magicProblem(head: Buffer): string | undefined {
  if (head.length >= 4 && head.subarray(0, 4).toString("latin1") === GGUF_MAGIC) return undefined;
  if (head.length === 0) return "it is empty";
  const printable = [...head].every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d);
  const shown = printable ? JSON.stringify(head.toString("latin1")) : `0x${head.subarray(0, 8).toString("hex")}`;
  return `it starts with ${shown}, not "${GGUF_MAGIC}"`;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
