import { repoRoot } from "../test/support/repo-root.js";

export { repoRoot };
export { SAMPLE_CORPUS as sampleCorpus } from "../test/support/fixtures.js";
