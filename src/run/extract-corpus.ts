/**
 * `foveate extract`: the corpus as synth would read it, written out as JSON Lines, so that a user
 * can see (and fix) what was extracted from their documents before paying for a run.
 */
import { realpath, stat } from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";
import { ConfigError, InputError } from "../errors.js";
import { JsonlWriter } from "../export/jsonl-writer.js";
import type { DocumentStructure } from "../corpus/extracted-document.js";
import { readCorpus } from "../corpus/read-corpus.js";
import type { SourceDocument } from "../corpus/source-document.js";

export interface ExtractOptions {
  /** A file (written whole or not at all) or a stream. */
  output: string | NodeJS.WritableStream;
  /** Field or column of the text in JSONL, JSON and CSV corpora. Default "content". */
  textField?: string;
  /** "fail" (default): the first bad file or record stops the extraction. "skip": told through onSkip. */
  onBadInput?: "skip" | "fail";
  onSkip?: (error: InputError) => void;
}

/** One line of the extracted corpus; synth reads `source` back as the document's structure. */
export interface ExtractedLine {
  content: string;
  source_id: string;
  source?: DocumentStructure;
}

/** The line for one document: its text, its id and, when read with one, its structure. */
export function extractedLine(document: SourceDocument): ExtractedLine {
  return { content: document.text, source_id: document.sourceId, ...(document.structure ? { source: document.structure } : {}) };
}

/** Writes one line per document of the corpus at `path`; returns how many were written and skipped. */
export async function extractCorpus(path: string, options: ExtractOptions): Promise<{ documents: number; skipped: number }> {
  if (typeof options.output === "string") await checkOutput(path, options.output);
  let skipped = 0;
  const documents = readCorpus(path, {
    textField: options.textField ?? "content",
    onBadInput: options.onBadInput ?? "fail",
    onSkip: (error) => {
      skipped++;
      options.onSkip?.(error);
    },
  });
  const writer = await JsonlWriter.open(options.output);
  let written = 0;
  try {
    for await (const document of documents) {
      await writer.write(extractedLine(document));
      written++;
    }
    if (written === 0) {
      throw new InputError(path, undefined, skipped > 0 ? `no documents to extract: all ${skipped} were skipped as bad input` : "no documents to extract");
    }
    await writer.commit();
  } catch (error) {
    await writer.abandon();
    throw error;
  }
  return { documents: written, skipped };
}

/** The output may not be the corpus file, nor lie in the corpus folder: the next read would take it for a document. */
async function checkOutput(corpus: string, output: string): Promise<void> {
  const corpusPath = await realpath(corpus).catch(() => undefined);
  if (corpusPath === undefined) return; // the reader names a corpus it cannot read
  const outputPath = await realpath(output).catch(async () => join(await realpath(dirname(output)).catch(() => dirname(output)), basename(output)));
  const label = `-o ${JSON.stringify(output)}`;
  if (outputPath === corpusPath) throw new ConfigError(`${label} is the corpus: writing it would destroy what is being read; name another file`);
  if ((await stat(corpusPath)).isDirectory() && outputPath.startsWith(corpusPath + sep)) {
    throw new ConfigError(`${label} lies inside the corpus folder ${JSON.stringify(corpus)}, which is read for documents; write it elsewhere`);
  }
}
