import { PROMPT_VERSION } from "../method/prompts.js";
import { selfQaItemCount } from "../method/self-qa.js";
import type { RunSettings } from "./resolve-settings.js";

/**
 * The settings that change what is asked of the model. A store made with other values cannot be
 * resumed: its documents would mix two datasets.
 */
export function runFingerprint(settings: RunSettings, modelId: string, budgets?: Record<string, unknown>): Record<string, unknown> {
  const m = settings.methodSettings;
  return {
    promptVersion: PROMPT_VERSION,
    model: modelId,
    method: settings.method,
    mu: settings.mu,
    levels: settings.method === "self-qa" ? ["self-qa"] : m.levels,
    // Self-QA asks budget x levels pairs per document; its stores made before asked budget alone,
    // lack this key, and are refused. Foveate's fingerprint stays as it was.
    ...(settings.method === "self-qa" ? { selfQaPairsPerBudget: selfQaItemCount(1, m.levels) } : {}),
    important: m.important ?? null,
    maxRounds: m.maxRounds,
    shots: m.shots,
    maxReasks: settings.maxReasks,
    extraExtractionAsks: m.extraExtractionAsks,
    seed: settings.seed,
    sampling: m.sampling,
    budgets: budgets ?? null,
  };
}

/**
 * Fingerprint keys added after stores were first written, with the value every run had before:
 * a store whose fingerprint lacks the key was made with that value.
 */
export const UNRECORDED_FINGERPRINT: Readonly<Record<string, unknown>> = { maxReasks: 3, extraExtractionAsks: 2 };
