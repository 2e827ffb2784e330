import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { repoRoot } from "./paths.js";

/** The simulated server in a process of its own, so that its CPU is not counted as ours. */
export interface SimProcess {
  baseURL: string;
  /** Stops the simulator and returns the statistics it printed. */
  stop(): Promise<Record<string, unknown>>;
}

export async function startSimProcess(flags: string[]): Promise<SimProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "test/support/sim-main.ts", ...flags], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new Error("the simulator exited before printing its URL");
  return {
    baseURL: first.value.trim(),
    stop: async () => {
      child.kill("SIGTERM");
      const last = await iterator.next();
      return last.done ? {} : (JSON.parse(last.value) as Record<string, unknown>);
    },
  };
}
