import { ConfigError, InputError } from "../errors.js";
import { readCorpus } from "../corpus/read-corpus.js";
import { createOpenAIEngine, DEFAULT_BASE_URL } from "../llm/openai-engine.js";
import { formatSummary } from "../output/summary.js";
import { JsonlWriter } from "../output/jsonl-writer.js";
import { synthesize } from "../pipeline/synthesize.js";
import type { SynthFlags } from "./synth-options.js";

/** Where the user-facing lines go; replaced in tests. */
export interface Console {
  error(line: string): void;
}

function resolveEndpoint(flags: SynthFlags, env: NodeJS.ProcessEnv) {
  const baseURL = flags.baseUrl ?? env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL;
  const apiKey = flags.apiKey ?? env.OPENAI_API_KEY;
  if (!apiKey && baseURL === DEFAULT_BASE_URL) {
    throw new ConfigError(
      `no API key for ${DEFAULT_BASE_URL}: set OPENAI_API_KEY (or --api-key), or point --base-url at a local server`,
    );
  }
  return { baseURL, ...(apiKey ? { apiKey } : {}) };
}

/** `foveate synth CORPUS`: read, synthesize, stream records out, print the summary. */
export async function synthCommand(corpus: string, flags: SynthFlags, out: Console, env = process.env): Promise<number> {
  const { baseURL, apiKey } = resolveEndpoint(flags, env);
  if (flags.important && flags.important.length !== 2) throw new ConfigError("--important expects two counts: CORE MAJOR");
  const say = (line: string) => {
    if (!flags.quiet) out.error(line);
  };
  const model = createOpenAIEngine({
    baseURL,
    ...(apiKey ? { apiKey } : {}),
    model: flags.model,
    timeoutMs: flags.timeout * 1000,
    retry: { maxRetries: flags.maxRetries },
    onWarning: (message) => say(`warning: ${message}`),
  });
  let skipped = 0;
  const documents = readCorpus(corpus, {
    textField: flags.textField,
    onBadInput: flags.onBadInput,
    ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
    onSkip: (error: InputError) => {
      skipped++;
      say(`skipped ${error.message}`);
    },
  });

  const stop = new AbortController();
  const onSigint = () => {
    say("stopping: interrupted");
    stop.abort();
  };
  process.once("SIGINT", onSigint);
  const run = synthesize(documents, {
    model,
    method: flags.method,
    mu: flags.mu,
    levels: flags.levels,
    ...(flags.important ? { important: { core: flags.important[0]!, major: flags.important[1]! } } : {}),
    maxRounds: flags.maxRounds,
    shots: flags.shots,
    ...(flags.temperature !== undefined ? { temperature: flags.temperature } : {}),
    ...(flags.frequencyPenalty !== undefined ? { frequencyPenalty: flags.frequencyPenalty } : {}),
    ...(flags.maxTokens !== undefined ? { sampling: maxTokensEverywhere(flags.maxTokens) } : {}),
    concurrency: flags.concurrency,
    seed: flags.seed,
    signal: stop.signal,
    onDocument: (event) => {
      if (event.type === "failed" && !stop.signal.aborted) say(`document ${event.document.sourceId} failed: ${event.error.message}`);
    },
  });

  const writer = await JsonlWriter.open(flags.output);
  try {
    for await (const record of run) await writer.write(record);
  } finally {
    await writer.close();
    process.removeListener("SIGINT", onSigint);
    if (run.stats.documents + run.stats.documentsFailed > 0 || stop.signal.aborted) {
      say(formatSummary(run.stats) + (skipped > 0 ? `\nSkipped bad input: ${skipped}` : ""));
    }
  }
  return run.stats.documentsFailed > 0 ? 1 : 0;
}

function maxTokensEverywhere(maxTokens: number) {
  const s = { maxTokens };
  return { extract: s, synthesize: s, answer: s, resynthesize: s, selfQa: s };
}
