import { ConfigError } from "../errors.js";

/** One part of a repository id, as the Hub accepts it: letters, digits, "-", "_", "." with a letter, digit or "_" at each end. */
const PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/;

/**
 * `owner/name` when it is a repository id the Hub would accept, else a ConfigError naming what is
 * wrong. The owner is required: the Hub would otherwise put the dataset under the token's user,
 * which may not be where the user meant it to go.
 */
export function checkRepoName(repo: string): string {
  const bad = (why: string) => new ConfigError(`--repo ${JSON.stringify(repo)}: ${why}`);
  const parts = repo.split("/");
  if (parts.length !== 2) throw bad("expected owner/name, e.g. my-user/my-dataset");
  for (const part of parts) {
    if (!PART.test(part)) {
      throw bad(`"${part}" may hold only letters, digits, "-", "_" and ".", at most 96, and must start and end with a letter or digit`);
    }
    if (part.includes("--") || part.includes("..")) throw bad(`"${part}" may not hold "--" or ".."`);
  }
  if (parts[1]!.endsWith(".git")) throw bad('the name may not end with ".git"');
  return repo;
}
