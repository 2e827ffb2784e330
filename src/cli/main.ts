#!/usr/bin/env node
import { Command, Option } from "commander";
import { FoveateError } from "../errors.js";
import { EXPORT_FORMATS } from "../output/export-formats.js";
import { evalCommand } from "./eval-command.js";
import { exportCommand, statusCommand } from "./store-commands.js";
import { synthCommand } from "./synth-command.js";
import { synthOptions, type SynthFlags } from "./synth-options.js";

const program = new Command("foveate")
  .description("Turn unlabeled text into instruction-tuning data with the Self-Foveate method.")
  .showHelpAfterError("(run with --help for usage)");

const synth = program
  .command("synth")
  .description(
    "Synthesize (instruction, response) pairs from a corpus: JSONL or JSON with a text field, CSV with a header, " +
      "a .txt/.md file, or a directory of them. Talks to an OpenAI-compatible endpoint, or runs a GGUF model in this " +
      "process (--engine local; the default when no API key or base URL is set).",
  )
  .argument("<corpus>", "corpus file or directory")
  .action(async (corpus: string, flags: SynthFlags) => {
    process.exitCode = await synthCommand(corpus, flags, errorLine);
  });
for (const option of synthOptions) synth.addOption(option);
synth.addHelpText(
  "after",
  `
Examples:
  OPENAI_API_KEY=sk-... foveate synth corpus.jsonl -o data.jsonl
  foveate synth docs/ --base-url http://localhost:8000/v1 --model Qwen2.5-7B-Instruct -o data.jsonl
  foveate synth corpus.csv --text-field body --method self-qa --mu 10 -o baseline.jsonl
  foveate synth corpus.jsonl --dry-run --model gpt-4o-mini
  foveate synth corpus.jsonl --model ~/models/Qwen2.5-7B-Instruct-Q4_K_M.gguf -o data.jsonl      (offline)
  foveate synth corpus.jsonl -o data.jsonl      (no key set: downloads the default local model once)

A run is resumable: every reply is committed to the run store (OUTPUT.foveate.db) before it is
used, so running the same command again after a crash, Ctrl-C or --max-cost stop finishes the
run without paying for any reply twice.`,
);

const errorLine = { error: (line: string) => process.stderr.write(`${line}\n`) };

program
  .command("export")
  .description("Write the dataset held in a run store, also while its run is going.")
  .argument("<store>", "run store file (OUTPUT.foveate.db)")
  .option("-o, --output <file>", "where to write it; standard output if omitted")
  .addOption(new Option("--format <format>", "record format").choices([...EXPORT_FORMATS]).default("jsonl"))
  .action(async (store: string, flags: { output?: string; format: string }) => {
    process.exitCode = await exportCommand(store, flags, errorLine);
  });

program
  .command("status")
  .description("Show where a run stands: documents done, unfinished and failed per level, items, calls, tokens, cost.")
  .argument("<store>", "run store file (OUTPUT.foveate.db)")
  .action((store: string) => {
    process.exitCode = statusCommand(store, { error: (line: string) => process.stdout.write(`${line}\n`) });
  });

program.addCommand(evalCommand());

// A reader that goes away (foveate export STORE | head) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof FoveateError) {
    process.stderr.write(`foveate: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    const detail = process.env.FOVEATE_DEBUG ? (error as Error)?.stack : (error as Error)?.message;
    process.stderr.write(`foveate: unexpected error: ${detail ?? String(error)}\n(set FOVEATE_DEBUG=1 for details)\n`);
    process.exitCode = 70;
  }
}
