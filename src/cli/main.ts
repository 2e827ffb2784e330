#!/usr/bin/env node
import { Command } from "commander";
import { FoveateError } from "../errors.js";
import { synthCommand } from "./synth-command.js";
import { synthOptions, type SynthFlags } from "./synth-options.js";

const program = new Command("foveate")
  .description("Turn unlabeled text into instruction-tuning data with the Self-Foveate method.")
  .showHelpAfterError("(run with --help for usage)");

const synth = program
  .command("synth")
  .description(
    "Synthesize (instruction, response) pairs from a corpus: JSONL or JSON with a text field, CSV with a header, " +
      "a .txt/.md file, or a directory of them. Needs an OpenAI-compatible endpoint.",
  )
  .argument("<corpus>", "corpus file or directory")
  .action(async (corpus: string, flags: SynthFlags) => {
    process.exitCode = await synthCommand(corpus, flags, { error: (line) => process.stderr.write(`${line}\n`) });
  });
for (const option of synthOptions) synth.addOption(option);
synth.addHelpText(
  "after",
  `
Examples:
  OPENAI_API_KEY=sk-... foveate synth corpus.jsonl -o data.jsonl
  foveate synth docs/ --base-url http://localhost:8000/v1 --model Qwen2.5-7B-Instruct -o data.jsonl
  foveate synth corpus.csv --text-field body --method self-qa --mu 10 -o baseline.jsonl`,
);

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
