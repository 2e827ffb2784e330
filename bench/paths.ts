import { join } from "node:path";
import { repoRoot } from "../test/support/repo-root.js";

export { repoRoot };

export const sampleCorpus = join(repoRoot, "..", "shared", "corpus", "sample.jsonl");
