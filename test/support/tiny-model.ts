import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildTinyLlamaGguf, type TinyLlamaOptions } from "./gguf-writer.js";
import { repoRoot as root } from "./repo-root.js";
import { SAMPLE_CORPUS } from "./fixtures.js";

/**
 * The words of the pipeline's prompts and of the sample corpus: with them in its vocabulary the
 * tiny model reads a prompt in about a quarter of the tokens bytes alone would take.
 */
export function pipelineWords(): string[] {
  const text = [path.join(root, "src/method/prompts.ts"), SAMPLE_CORPUS]
    .map((file) => readFileSync(file, "utf8"))
    .join("\n");
  return [...new Set(text.match(/[A-Za-z]{2,}/g) ?? [])].sort();
}

/**
 * Writes the tiny random-weight llama model into `dir` (by default a new temporary folder that the
 * caller removes) and returns its path. Its context is long enough for the pipeline's prompts.
 */
export function writeTinyModel(
  dir = mkdtempSync(path.join(os.tmpdir(), "foveate-model-")),
  options: TinyLlamaOptions = {},
  name = "tiny.gguf",
): string {
  const file = path.join(dir, name);
  writeFileSync(file, buildTinyLlamaGguf({ contextLength: 8192, words: pipelineWords(), ...options }));
  return file;
}
