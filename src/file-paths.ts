import type { Stats } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** What is at `path`, or undefined when nothing is (or it cannot be seen). */
export function statOrUndefined(path: string): Promise<Stats | undefined> {
  return stat(path).catch(() => undefined);
}

/** Whether two stats are of one file (through links and other names). */
export function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** The real path of `path`, or of its folder joined with its name when it does not exist yet. */
export async function resolved(path: string): Promise<string> {
  const real = await realpath(path).catch(() => undefined);
  return real ?? join(await realpath(dirname(resolve(path))), basename(path));
}

/** Whether `path` lies inside `folder` (both resolved), not being the folder itself. */
export function inside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
