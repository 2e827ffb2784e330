/**
 * The Box-Cox transform, its profile log-likelihood and the maximum-likelihood lambda, with the
 * numbers of `scipy.stats.boxcox`: lambda maximises `(lambda - 1) * sum(log x) - N/2 * log(var(T))`
 * (population variance of the transformed data), found with Brent's method on a bracket grown
 * downhill from (-2, 2). Everything here is written for this project; only the behaviour is meant
 * to match. The budgets built on it are in adaptive-budgets.ts.
 */
import { bracketMinimum, brentMinimize } from "./brent-minimize.js";

/** Throws unless every value is a finite number above zero (Box-Cox is defined for x > 0). */
function requirePositive(x: readonly number[], what: string): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v) || v <= 0) {
      throw new RangeError(`${what}: value ${i} is ${v}; Box-Cox needs finite values above zero`);
    }
  }
}

function requireFiniteLambda(lambda: number, what: string): void {
  if (!Number.isFinite(lambda)) throw new RangeError(`${what}: lambda must be finite, got ${lambda}`);
}

/**
 * `(x^lambda - 1) / lambda`, or `log x` at lambda = 0. Written as `expm1(lambda * log x) / lambda`,
 * which keeps full precision when lambda (or lambda * log x) is close to zero and tends smoothly
 * to `log x`. Large |lambda| can overflow to +-Infinity, as SciPy's does; use
 * {@link standardizedBoxCox} when only the standardised values are needed.
 */
export function boxCoxTransform(x: number[], lambda: number): number[] {
  requirePositive(x, "boxCoxTransform");
  requireFiniteLambda(lambda, "boxCoxTransform");
  if (lambda === 0) return x.map((v) => Math.log(v));
  return x.map((v) => {
    const y = lambda * Math.log(v);
    // y underflowing to a subnormal would lose digits; the first-order term is exact enough there.
    if (Math.abs(y) < 1e-300) return Math.log(v);
    return Math.expm1(y) / lambda;
  });
}

/** Neumaier-compensated sum: keeps the error independent of the number of terms. */
function compensatedSum(values: readonly number[]): number {
  let sum = 0;
  let carry = 0;
  for (const v of values) {
    const t = sum + v;
    carry += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + carry;
}

/** Mean and population variance by the corrected two-pass method (no `E[x^2] - E[x]^2` cancellation). */
function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const n = values.length;
  const mean = compensatedSum(values) / n;
  let squares = 0;
  let deviations = 0;
  for (const v of values) {
    const d = v - mean;
    squares += d * d;
    deviations += d;
  }
  const variance = Math.max(0, (squares - (deviations * deviations) / n) / n);
  return { mean, variance };
}

/**
 * The transformed data up to a positive-or-negative affine map, in a form that never overflows:
 * `T = scale * values + constant` with `sign(scale) = sign`. Variance and z-scores come from
 * `values`; `logScale` is `log |scale|`.
 *
 * - lambda = 0: `log x` itself.
 * - small `lambda * log x` (all within [-1, 1]): `expm1(lambda * log x)`, precise near zero.
 * - otherwise: `exp(lambda * log x - m)` with `m` the largest exponent, so every value is in (0, 1].
 */
function scaledTransform(
  logs: readonly number[],
  lambda: number,
): { values: number[]; logScale: number; sign: 1 | -1 } {
  if (lambda === 0) return { values: logs.slice(), logScale: 0, sign: 1 };
  const sign = lambda > 0 ? 1 : -1;
  const exponents = logs.map((l) => lambda * l);
  let largest = -Infinity;
  let largestMagnitude = 0;
  for (const y of exponents) {
    if (y > largest) largest = y;
    if (Math.abs(y) > largestMagnitude) largestMagnitude = Math.abs(y);
  }
  if (largestMagnitude <= 1) {
    return { values: exponents.map((y) => Math.expm1(y)), logScale: -Math.log(Math.abs(lambda)), sign };
  }
  return {
    values: exponents.map((y) => Math.exp(y - largest)),
    logScale: largest - Math.log(Math.abs(lambda)),
    sign,
  };
}

/**
 * The Box-Cox profile log-likelihood SciPy maximises (`scipy.stats.boxcox_llf`):
 * `(lambda - 1) * sum(log x) - N/2 * log(var T)`, with the population variance of the transformed
 * data. The variance is taken of a rescaled transform and its logarithm shifted back, so large
 * |lambda| neither overflows nor cancels. Constant data give +Infinity (zero variance).
 */
export function boxCoxLogLikelihood(x: number[], lambda: number): number {
  requirePositive(x, "boxCoxLogLikelihood");
  requireFiniteLambda(lambda, "boxCoxLogLikelihood");
  const n = x.length;
  if (n === 0) throw new RangeError("boxCoxLogLikelihood: no data");
  const logs = x.map((v) => Math.log(v));
  const { values, logScale } = scaledTransform(logs, lambda);
  const { variance } = meanAndVariance(values);
  const logVariance = Math.log(variance) + 2 * logScale;
  return (lambda - 1) * compensatedSum(logs) - (n / 2) * logVariance;
}

/** How far the bracket may grow; the optimum of non-constant data is always finite. */
const LAMBDA_LIMIT = 1e9;

/** Population covariance of two equally long series, two-pass. */
function covariance(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const meanA = compensatedSum(a) / n;
  const meanB = compensatedSum(b) / n;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (a[i]! - meanA) * (b[i]! - meanB);
  return sum / n;
}

/**
 * d/d lambda of the profile log-likelihood: `sum(log x) - N * cov(T, dT/dlambda) / var(T)`.
 *
 * - All |lambda * log x| <= 1: T = expm1(y) / lambda and dT/dlambda = (log x)^2 * sum over k >= 2 of
 *   (k - 1) y^(k-2) / k!, a series free of the cancellation in `(y e^y - expm1(y)) / lambda^2`.
 * - Otherwise, with w = exp(y - max y): `sum(log x) + N / lambda - N * cov(w, w log x) / var(w)`,
 *   which is the same quantity with every power of x rescaled away.
 */
function logLikelihoodSlope(logs: readonly number[], sumLogs: number, lambda: number): number {
  const n = logs.length;
  const exponents = logs.map((l) => lambda * l);
  const largestMagnitude = exponents.reduce((m, y) => Math.max(m, Math.abs(y)), 0);
  if (largestMagnitude <= 1) {
    const t = lambda === 0 ? logs.slice() : exponents.map((y) => Math.expm1(y) / lambda);
    const slope = logs.map((l, i) => {
      const y = exponents[i]!;
      let power = 1;
      let factorial = 2;
      let series = 0;
      for (let k = 2; k < 24; k++) {
        series += ((k - 1) * power) / factorial;
        power *= y;
        factorial *= k + 1;
      }
      return l * l * series;
    });
    return sumLogs - (n * covariance(t, slope)) / meanAndVariance(t).variance;
  }
  const largest = exponents.reduce((m, y) => Math.max(m, y), -Infinity);
  const w = exponents.map((y) => Math.exp(y - largest));
  const wLog = w.map((v, i) => v * logs[i]!);
  return sumLogs + n / lambda - (n * covariance(w, wLog)) / meanAndVariance(w).variance;
}

/**
 * Refines a maximiser found by Brent's method, whose precision is limited to about the square root
 * of the rounding noise in the likelihood (the likelihood is flat near its top, very flat for
 * nearly equal counts), by finding the zero of the slope, which rounding disturbs far less.
 * Brackets the sign change around `start`, then Illinois false position. Returns `start` when no
 * sign change is found nearby.
 */
function polishMaximum(slope: (t: number) => number, start: number): number {
  const s0 = slope(start);
  if (s0 === 0 || !Number.isFinite(s0)) return start;
  // The slope falls through zero at a maximum: step in the direction it points until it changes sign.
  const direction = s0 > 0 ? 1 : -1;
  let reach = 1e-7 * Math.max(1, Math.abs(start));
  let near = start;
  let nearSlope = s0;
  let far = start + direction * reach;
  let farSlope = slope(far);
  for (let i = 0; i < 12 && Math.sign(farSlope) === Math.sign(s0); i++) {
    near = far;
    nearSlope = farSlope;
    reach *= 4;
    far = start + direction * reach;
    farSlope = slope(far);
  }
  if (!Number.isFinite(farSlope) || Math.sign(farSlope) === Math.sign(s0)) return start;
  let a = near;
  let fa = nearSlope;
  let b = far;
  let fb = farSlope;
  let lastSide = 0;
  for (let i = 0; i < 100; i++) {
    const c = (a * fb - b * fa) / (fb - fa);
    if (!(c > Math.min(a, b) && c < Math.max(a, b))) break;
    const fc = slope(c);
    if (fc === 0) return c;
    if (Math.sign(fc) === Math.sign(fa)) {
      a = c;
      fa = fc;
      if (lastSide === -1) fb /= 2;
      lastSide = -1;
    } else {
      b = c;
      fb = fc;
      if (lastSide === 1) fa /= 2;
      lastSide = 1;
    }
    if (Math.abs(b - a) <= 4 * Number.EPSILON * Math.max(1, Math.abs(c))) break;
  }
  return Math.abs(fa) <= Math.abs(fb) ? a : b;
}

/**
 * Lambda by maximum likelihood (`scipy.stats.boxcox(x)[1]`): Brent's method on the negative
 * profile log-likelihood, from the bracket (-2, 2) grown downhill when the optimum lies outside,
 * then refined on the zero of the likelihood's slope (see {@link polishMaximum}).
 * Throws on fewer than two values, constant data, or values that are not finite and positive.
 */
export function boxCoxMle(x: number[]): number {
  requirePositive(x, "boxCoxMle");
  if (x.length < 2) throw new RangeError("boxCoxMle: needs at least two values");
  if (x.every((v) => v === x[0])) throw new RangeError("boxCoxMle: data must not be constant");
  const logs = x.map((v) => Math.log(v));
  const sumLogs = compensatedSum(logs);
  const n = x.length;
  const negativeLikelihood = (lambda: number): number => {
    const { values, logScale } = scaledTransform(logs, lambda);
    const logVariance = Math.log(meanAndVariance(values).variance) + 2 * logScale;
    return -((lambda - 1) * sumLogs - (n / 2) * logVariance);
  };
  const bracket = bracketMinimum(negativeLikelihood, -2, 2, LAMBDA_LIMIT);
  const coarse = brentMinimize(negativeLikelihood, bracket);
  const fine = polishMaximum((lambda) => logLikelihoodSlope(logs, sumLogs, lambda), coarse);
  // Keep the refinement only if it is no worse than the coarse optimum beyond rounding noise.
  const noise = 1e-12 * (1 + Math.abs(negativeLikelihood(coarse)));
  return negativeLikelihood(fine) <= negativeLikelihood(coarse) + noise ? fine : coarse;
}

/**
 * z-scores of the Box-Cox transformed data, `(T - mean T) / std T` with the population standard
 * deviation. Computed from an overflow-free rescaling of T (z is unchanged by affine maps), so it
 * stays finite for any lambda. Constant data give zeros.
 */
export function standardizedBoxCox(x: number[], lambda: number): number[] {
  requirePositive(x, "standardizedBoxCox");
  requireFiniteLambda(lambda, "standardizedBoxCox");
  if (x.length === 0) return [];
  const { values, sign } = scaledTransform(
    x.map((v) => Math.log(v)),
    lambda,
  );
  const { mean, variance } = meanAndVariance(values);
  const std = Math.sqrt(variance);
  if (!(std > 0) || !Number.isFinite(std)) return values.map(() => 0);
  return values.map((v) => (sign * (v - mean)) / std);
}
