/**
 * Dot product of two rows in float64, summed in index order: every dot product of the measure
 * (the tiles of exact-top-pairs.ts included) and every squared length (normalise-rows.ts) adds in
 * this same order, so a vector's dot product with an identical one equals its squared length and
 * their cosine x.y / sqrt(|x|^2 |y|^2) is exactly 1.
 */
export function dot(m: Float32Array, a: number, b: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += m[a + k]! * m[b + k]!;
  return s;
}

/** A cosine that rounding carried past +-1, brought back into [-1, 1]. */
export const clampCosine = (c: number) => (c > 1 ? 1 : c < -1 ? -1 : c);
