import os from "node:os";
import path from "node:path";

/** HOME when set, else the OS's idea of the user's home. */
export function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME?.trim() || os.homedir();
}

/** `value` with a leading "~/" (or "~\" on Windows) replaced by `home`. */
export function expandHome(value: string, home: string): string {
  return value.startsWith("~/") || (path.sep === "\\" && value.startsWith("~\\")) ? path.join(home, value.slice(2)) : value;
}
