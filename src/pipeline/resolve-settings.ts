import { ConfigError } from "../errors.js";
import type { Sampling } from "../llm/port.js";
import type { MethodSettings, StepKind } from "../method/context.js";
import { LEVELS } from "../method/levels.js";
import { keywordCount } from "../method/scatter-groups.js";
import type { Method, SynthesizeOptions } from "./synthesize-options.js";

/** A run's options with every default filled in and checked. */
export interface RunSettings {
  method: Method;
  mu: number;
  concurrency: number;
  seed: number;
  maxReasks: number;
  methodSettings: MethodSettings;
}

function positiveInt(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/** Options with defaults filled in and checked (the model is not needed); throws ConfigError naming the bad value. */
export function resolveSettings(options: Omit<SynthesizeOptions, "model"> & Partial<Pick<SynthesizeOptions, "model">>): RunSettings {
  const method = options.method ?? "foveate";
  if (method !== "foveate" && method !== "self-qa") throw new ConfigError(`method must be "foveate" or "self-qa", got "${String(method)}"`);
  const mu = positiveInt("mu", options.mu ?? 8);
  const levels = [...new Set(options.levels ?? LEVELS)];
  if (levels.length === 0) throw new ConfigError("at least one level is needed (micro, scatter, macro)");
  for (const level of levels) if (!LEVELS.includes(level)) throw new ConfigError(`unknown level "${level}": choose from ${LEVELS.join(", ")}`);
  const important = options.important;
  if (important) {
    positiveInt("important CORE", important.core, 0);
    positiveInt("important MAJOR", important.major, 0);
    if (important.core + important.major > keywordCount(mu)) {
      throw new ConfigError(`important CORE + MAJOR (${important.core + important.major}) exceeds the ${keywordCount(mu)} keywords extracted for mu=${mu}`);
    }
  }
  const selfQa = method === "self-qa";
  const base: Sampling = {
    temperature: options.temperature ?? (selfQa ? 0.7 : 1.0),
    frequencyPenalty: options.frequencyPenalty ?? (selfQa ? 0 : 0.5),
  };
  const steps: StepKind[] = ["extract", "synthesize", "answer", "resynthesize", "selfQa"];
  const sampling = Object.fromEntries(steps.map((step) => [step, { ...base, ...options.sampling?.[step] }])) as Record<StepKind, Sampling>;
  return {
    method,
    mu,
    concurrency: positiveInt("concurrency", options.concurrency ?? 32),
    seed: Math.trunc(options.seed ?? 0),
    maxReasks: positiveInt("maxReasks", options.maxReasks ?? 3, 0),
    methodSettings: {
      levels,
      important,
      maxRounds: positiveInt("maxRounds", options.maxRounds ?? 5, 0),
      shots: positiveInt("shots", options.shots ?? 3, 0),
      extraExtractionAsks: positiveInt("extraExtractionAsks", options.extraExtractionAsks ?? 2, 0),
      sampling,
    },
  };
}
