import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { repoRoot } from "./paths.js";

/**
 * Runs a benchmark module again in a process of its own (so that its memory and time are its own)
 * with `args`, and gives back the JSON object it printed last. `moduleUrl` is the module's
 * import.meta.url; run from source, the child loads it through tsx.
 */
export async function measureInOwnProcess<T>(moduleUrl: string, args: readonly string[]): Promise<T> {
  const self = fileURLToPath(moduleUrl);
  const node = self.endsWith(".ts") ? ["--import", "tsx", self] : [self];
  const { stdout } = await promisify(execFile)(process.execPath, [...node, ...args], { cwd: repoRoot, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").pop()!) as T;
}
