import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the foveate CLI from source in a child process, as a user would from a shell. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  // No key or endpoint leaks in from the developer's shell.
  const base = { ...process.env, OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined, FOVEATE_DEBUG: undefined };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", ...args],
      { cwd: root, env: { ...base, ...env } as NodeJS.ProcessEnv, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
