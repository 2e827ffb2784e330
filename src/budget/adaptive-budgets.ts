/**
 * The adaptive per-document budget of DESIGN section 1.6: counts through Box-Cox (box-cox.ts),
 * standardised, then `round(mu + alpha * z)` clamped to [1, nmax].
 */
import { ConfigError } from "../errors.js";
import { boxCoxMle, standardizedBoxCox } from "./box-cox.js";
import { roundHalfEven } from "./round-half-even.js";

export interface AdaptiveBudgetOptions {
  /** Mean budget per level (DESIGN: 8); a positive integer. */
  mu: number;
  /** Spread: how many instructions one standard deviation of z is worth; 0 means uniform. */
  alpha: number;
  /** Largest budget; default `3 * mu`. */
  nmax?: number;
}

export interface AdaptiveBudgets {
  /** One budget per count, in the order given, each in [1, nmax]. */
  budgets: number[];
  /** The maximum-likelihood lambda, when the transform was used. */
  lambda?: number;
  /** What was added to every count before the transform: |min| + 1 when a count is <= 0, else 0. */
  offset: number;
  /** Why the budgets are uniform, when they are. */
  note?: string;
}

function checkOptions(options: AdaptiveBudgetOptions): { mu: number; alpha: number; nmax: number } {
  const { mu, alpha } = options;
  if (!Number.isInteger(mu) || mu < 1) throw new ConfigError(`budget mu must be a positive integer, got ${mu}`);
  if (!Number.isFinite(alpha) || alpha < 0) throw new ConfigError(`budget alpha must be a number >= 0, got ${alpha}`);
  const nmax = options.nmax ?? 3 * mu;
  if (!Number.isInteger(nmax) || nmax < 1) {
    throw new ConfigError(`budget nmax must be a positive integer, got ${nmax}`);
  }
  return { mu, alpha, nmax };
}

/**
 * Per-document budgets from per-document counts (DESIGN 1.6): shift the counts by |min| + 1 when
 * one is <= 0, Box-Cox transform them with the maximum-likelihood lambda, standardise to z with the
 * population standard deviation, and set `n = clamp(roundHalfEven(mu + alpha * z), 1, nmax)`.
 *
 * Degenerate corpora (no or one document, all counts equal, alpha = 0) get `mu` (clamped) for
 * every document and a `note` saying why. Never returns NaN.
 */
export function adaptiveBudgets(counts: number[], options: AdaptiveBudgetOptions): AdaptiveBudgets {
  const { mu, alpha, nmax } = checkOptions(options);
  counts.forEach((c, i) => {
    if (!Number.isFinite(c)) throw new RangeError(`adaptiveBudgets: count ${i} is ${c}; counts must be finite`);
  });
  const clamp = (n: number): number => Math.min(nmax, Math.max(1, n));
  const uniform = (note: string, offset: number): AdaptiveBudgets => ({
    budgets: counts.map(() => clamp(mu)),
    offset,
    note,
  });

  if (counts.length === 0) return { budgets: [], offset: 0, note: "no documents: nothing to budget" };
  const min = Math.min(...counts);
  const offset = min <= 0 ? Math.abs(min) + 1 : 0;
  if (counts.length === 1) return uniform(`one document: adaptive budgets need several; using mu = ${mu}`, offset);
  if (counts.every((c) => c === counts[0])) {
    return uniform(`all ${counts.length} counts are equal (zero variance); using mu = ${mu} for every document`, offset);
  }
  if (alpha === 0) return uniform(`alpha = 0: uniform budget mu = ${mu}`, offset);

  const shifted = counts.map((c) => c + offset);
  if (shifted.every((v) => v === shifted[0])) {
    // Distinct counts that the shift made equal (far beyond any real count, but never NaN).
    return uniform(`counts are equal after the shift by ${offset}; using mu = ${mu}`, offset);
  }
  const lambda = boxCoxMle(shifted);
  const z = standardizedBoxCox(shifted, lambda);
  if (z.some((v) => !Number.isFinite(v)) || z.every((v) => v === 0)) {
    return { ...uniform(`the transformed counts have no usable spread; using mu = ${mu}`, offset), lambda };
  }
  return { budgets: z.map((zi) => clamp(roundHalfEven(mu + alpha * zi))), lambda, offset };
}
