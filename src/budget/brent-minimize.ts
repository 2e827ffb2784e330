/**
 * Scalar minimisation as SciPy's `optimize.brent` does it: grow a bracket downhill, then Brent's
 * method inside it. Box-Cox's lambda is found with these; keeping SciPy's steps keeps its lambdas.
 */

/** Golden-section ratio used to grow the bracket, and its complement used to split intervals. */
const GOLDEN_GROWTH = 1.618033988749895;
const GOLDEN_SPLIT = 0.3819660112501051;

/**
 * Grows (a, b) downhill until the middle point is lower than both ends: returns a < b < c (in either
 * order) with f(b) <= f(a) and f(b) < f(c). Stops at |t| = `limit`, returning the edge as a
 * degenerate bracket whose middle is the lowest point seen.
 */
export function bracketMinimum(
  f: (t: number) => number,
  start: number,
  end: number,
  limit: number,
): { a: number; b: number; c: number; fb: number } {
  let a = start;
  let b = end;
  let fa = f(a);
  let fb = f(b);
  if (fa < fb) {
    [a, b] = [b, a];
    [fa, fb] = [fb, fa];
  }
  // Now b is the lower point; step beyond it, growing the step each time, until f rises.
  let c = b + GOLDEN_GROWTH * (b - a);
  let fc = f(c);
  while (fc < fb) {
    if (Math.abs(c) >= limit) return { a: b, b: c, c, fb: fc };
    a = b;
    fa = fb;
    b = c;
    fb = fc;
    c = b + GOLDEN_GROWTH * (b - a);
    if (Math.abs(c) > limit) c = Math.sign(c) * limit;
    fc = f(c);
  }
  return { a, b, c, fb };
}

/**
 * Brent's minimiser: parabolic interpolation through the three best points when it behaves,
 * golden-section steps otherwise. `relTol` is relative to the abscissa, as in SciPy's `brent`.
 */
export function brentMinimize(
  f: (t: number) => number,
  bracket: { a: number; b: number; c: number; fb: number },
  relTol = 1.48e-8,
  maxIterations = 500,
): number {
  let low = Math.min(bracket.a, bracket.c);
  let high = Math.max(bracket.a, bracket.c);
  // best (x), second best (w), previous second best (v)
  let x = bracket.b;
  let w = x;
  let v = x;
  let fx = bracket.fb;
  let fw = fx;
  let fv = fx;
  let step = 0; // the step taken last time
  let stepBefore = 0; // the step taken the time before
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const middle = (low + high) / 2;
    const tol = relTol * Math.abs(x) + 1e-11;
    const tol2 = 2 * tol;
    if (Math.abs(x - middle) <= tol2 - (high - low) / 2) break;

    let useGolden = true;
    if (Math.abs(stepBefore) > tol) {
      // Fit a parabola through x, w, v; its vertex is x + p / q.
      const r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      const previous = stepBefore;
      stepBefore = step;
      const acceptable =
        Math.abs(p) < Math.abs(0.5 * q * previous) && p > q * (low - x) && p < q * (high - x);
      if (acceptable) {
        useGolden = false;
        step = p / q;
        const u = x + step;
        // Never evaluate too close to the ends of the interval.
        if (u - low < tol2 || high - u < tol2) step = middle >= x ? tol : -tol;
      }
    }
    if (useGolden) {
      stepBefore = x >= middle ? low - x : high - x;
      step = GOLDEN_SPLIT * stepBefore;
    }
    const u = Math.abs(step) >= tol ? x + step : x + (step >= 0 ? tol : -tol);
    const fu = f(u);
    if (fu <= fx) {
      if (u >= x) low = x;
      else high = x;
      v = w;
      fv = fw;
      w = x;
      fw = fx;
      x = u;
      fx = fu;
    } else {
      if (u < x) low = u;
      else high = u;
      if (fu <= fw || w === x) {
        v = w;
        fv = fw;
        w = u;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
  }
  return x;
}
