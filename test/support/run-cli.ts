import { execFile } from "node:child_process";
import { Writable } from "node:stream";
import { runFoveate } from "../../src/cli/program.js";
import { repoRoot } from "./repo-root.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** No key or endpoint leaks in from the developer's shell. */
function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const merged: Record<string, string | undefined> = { ...process.env, OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined, FOVEATE_DEBUG: undefined, ...env };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return merged as NodeJS.ProcessEnv;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

/**
 * Runs the foveate CLI in this process, with its own output streams and environment: what a user
 * would see from a shell, without the cost of starting Node. `interrupt` stands for Ctrl-C.
 */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}, interrupt?: AbortSignal): Promise<CliResult> {
  const stdout = collector();
  const stderr = collector();
  const code = await runFoveate(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: cleanEnv(env),
    ...(interrupt ? { interrupt: () => interrupt } : {}),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Runs the foveate CLI from source in a child process, for what needs a process: signals, kills, exit codes. */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", ...args],
      { cwd: repoRoot, env: cleanEnv(env), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
