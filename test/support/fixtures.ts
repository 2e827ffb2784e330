import { join } from "node:path";
import { repoRoot } from "./repo-root.js";

/**
 * Files the tests and benchmarks read, kept in the repository so that a clone tests itself.
 * Copied from the project's shared reference folder, where new reference data arrives.
 */
const fixture = (name: string) => join(repoRoot, "test", "fixtures", name);

/** Twelve documents, one of them Chinese. */
export const SAMPLE_CORPUS = fixture("sample.jsonl");
/** SciPy's Box-Cox lambdas and transforms for a set of vectors. */
export const BOX_COX_PARITY = fixture("box-cox.json");
/** NLTK's Treebank tokens and sentence BLEU scores. */
export const SELF_BLEU_PARITY = fixture("self-bleu.json");
