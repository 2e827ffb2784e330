/**
 * What tokens cost: a built-in table of list prices, lookup by model name, and cost arithmetic.
 */
import type { TokenUsage } from "../token-usage.js";

/** USD per million tokens. */
export interface Price {
  input: number;
  /** Prompt tokens served from the provider's prefix cache. */
  cachedInput: number;
  output: number;
  /** The table entry the price came from; absent when it comes from overrides alone. */
  model?: string;
  /** Whether --price-in / --price-out replaced a figure of the table. */
  overridden?: boolean;
  /** The local engine's: nothing is paid per token, unless prices were given (then `overridden`). */
  local?: boolean;
  /** A Batch API price (see batchPriceFor). */
  batch?: boolean;
}

/**
 * When the figures below were taken: standard-tier list prices (not Batch, Flex or Priority) as
 * published on https://openai.com/api/pricing and https://api-docs.deepseek.com/quick_start/pricing
 * in mid-December 2025. Prices change; pass --price-in and --price-out to use others.
 */
export const PRICES_AS_OF = "2025-12-15";

/**
 * [input, cached input, output] in USD per million tokens. Where a provider lists no cached rate,
 * the cached rate is the input rate. DeepSeek's cached rate is its "cache hit" price; deepseek-chat
 * and deepseek-reasoner are both DeepSeek-V3.2 at the same price.
 */
const TABLE: Record<string, readonly [number, number, number]> = {
  "gpt-4o-mini": [0.15, 0.075, 0.6],
  "gpt-4o": [2.5, 1.25, 10],
  "gpt-4o-2024-05-13": [5, 5, 15],
  "gpt-4.1": [2, 0.5, 8],
  "gpt-4.1-mini": [0.4, 0.1, 1.6],
  "gpt-4.1-nano": [0.1, 0.025, 0.4],
  "gpt-5": [1.25, 0.125, 10],
  "gpt-5-mini": [0.25, 0.025, 2],
  "gpt-5-nano": [0.05, 0.005, 0.4],
  "gpt-5-pro": [15, 15, 120],
  "gpt-5.1": [1.25, 0.125, 10],
  "gpt-5.2": [1.75, 0.175, 14],
  "gpt-5.2-pro": [21, 21, 168],
  o1: [15, 7.5, 60],
  "o1-mini": [1.1, 0.55, 4.4],
  "o1-pro": [150, 150, 600],
  o3: [2, 0.5, 8],
  "o3-mini": [1.1, 0.55, 4.4],
  "o3-pro": [20, 20, 80],
  "o4-mini": [1.1, 0.275, 4.4],
  "deepseek-chat": [0.28, 0.028, 0.42],
  "deepseek-reasoner": [0.28, 0.028, 0.42],
};

/** The table's model names, for help texts and tests. */
export const PRICED_MODELS: readonly string[] = Object.keys(TABLE);

/**
 * The table entry for a model name: the exact name, else the longest entry that the name starts
 * with followed by "-" (a dated snapshot or a variant: "gpt-4o-mini-2024-07-18" is gpt-4o-mini, not
 * gpt-4o). A provider prefix ("openai/gpt-4o") is dropped first; case does not matter. Requiring the
 * "-" keeps a newer model ("gpt-5.5") from being priced as an older one ("gpt-5").
 */
function tableEntry(model: string): string | undefined {
  const name = model.trim().toLowerCase().replace(/^.*\//, "");
  if (Object.hasOwn(TABLE, name)) return name;
  let best: string | undefined;
  for (const entry of PRICED_MODELS) {
    if (name.startsWith(`${entry}-`) && (best === undefined || entry.length > best.length)) best = entry;
  }
  return best;
}

/**
 * The price of a model, with `override` (USD per million tokens) replacing the table's input or
 * output rate. A model not in the table needs both overrides; its cached rate is then the input
 * rate. An overridden input rate on a table model keeps the table's cache discount (as a ratio).
 * Undefined when the price is not known.
 */
export function priceFor(model: string, override: { input?: number; output?: number } = {}): Price | undefined {
  const entry = tableEntry(model);
  const overridden = override.input !== undefined || override.output !== undefined;
  if (entry === undefined) {
    if (override.input === undefined || override.output === undefined) return undefined;
    return { input: override.input, cachedInput: override.input, output: override.output };
  }
  const [input, cachedInput, output] = TABLE[entry]!;
  const newInput = override.input ?? input;
  return {
    input: newInput,
    cachedInput: input === 0 ? newInput : (cachedInput / input) * newInput,
    output: override.output ?? output,
    model: entry,
    ...(overridden ? { overridden } : {}),
  };
}

/**
 * What a batched token costs against a live one. OpenAI bills its Batch API at half the list price
 * (input, cached input and output alike) for every model of the table above, as copies of
 * https://openai.com/api/pricing (Batch tier) read in 2026 show; Azure OpenAI, Groq and Together
 * advertise the same 50%. DeepSeek has no Batch API: its rows get the same rule as a default, and
 * any figure can be overridden.
 */
export const BATCH_DISCOUNT = 0.5;

/**
 * The Batch API price of a model: the list price (the table's, or `listOverride`'s, as priceFor
 * reads them) at BATCH_DISCOUNT, with `override` (USD per million batched tokens) replacing its
 * input or output rate; an overridden input rate keeps the cache discount as a ratio. A model
 * without a list price needs both batch overrides. Undefined when the price is not known.
 */
export function batchPriceFor(
  model: string,
  override: { input?: number; output?: number } = {},
  listOverride: { input?: number; output?: number } = {},
): Price | undefined {
  const list = priceFor(model, listOverride);
  if (list === undefined) {
    if (override.input === undefined || override.output === undefined) return undefined;
    return { input: override.input, cachedInput: override.input, output: override.output, overridden: true, batch: true };
  }
  const input = override.input ?? list.input * BATCH_DISCOUNT;
  const cacheRatio = list.input === 0 ? 1 : list.cachedInput / list.input;
  const overridden = list.overridden === true || override.input !== undefined || override.output !== undefined;
  return {
    input,
    cachedInput: cacheRatio * input,
    output: override.output ?? list.output * BATCH_DISCOUNT,
    ...(list.model !== undefined ? { model: list.model } : {}),
    ...(overridden ? { overridden } : {}),
    batch: true,
  };
}

/** The tokens of a run's replies, with the part of them that came from batches. */
export interface RunUsage extends TokenUsage {
  batched: TokenUsage;
}

/** What a run has cost: its live replies at the list price, its batched ones at the batch price. */
export interface RunCost {
  liveUsd: number;
  batchUsd: number;
  totalUsd: number;
}

/**
 * The cost of a run's replies (a run store's status()): live ones at `price`, those that came from
 * a batch at `batchPrice`.
 */
export function costOfRun(usage: RunUsage, price: Price, batchPrice: Price): RunCost {
  const { batched } = usage;
  const live: TokenUsage = {
    promptTokens: usage.promptTokens - batched.promptTokens,
    completionTokens: usage.completionTokens - batched.completionTokens,
    cachedPromptTokens: usage.cachedPromptTokens - batched.cachedPromptTokens,
  };
  const liveUsd = costOf(live, price);
  const batchUsd = costOf(batched, batchPrice);
  return { liveUsd, batchUsd, totalUsd: liveUsd + batchUsd };
}

/** What `usage` costs in USD: cached prompt tokens at the cached rate, the rest at the input rate. */
export function costOf(usage: TokenUsage, price: Price): number {
  const cached = Math.min(usage.cachedPromptTokens, usage.promptTokens);
  const uncached = usage.promptTokens - cached;
  return (uncached * price.input + cached * price.cachedInput + usage.completionTokens * price.output) / 1e6;
}

/** Dollars for people: "$12.35", "$1,234.50"; below a cent two significant digits, "$0.0042". */
export function formatUsd(n: number): string {
  const sign = n < 0 ? "-" : "";
  const abs = Math.abs(n);
  if (abs === 0) return "$0.00";
  const digits =
    abs >= 0.01
      ? abs.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
      : abs.toLocaleString("en-US", { maximumSignificantDigits: 2 });
  return `${sign}$${digits}`;
}
