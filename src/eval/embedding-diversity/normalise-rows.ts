import { FoveateError } from "../../errors.js";

/** The non-zero input vectors, as every part of the measure reads them. */
export interface NormalisedRows {
  /** Row-major copy of the non-zero inputs, as given: a cosine is computed from them in float64. */
  rows: Float32Array;
  /** Squared length of each row, summed in float64 in the same order as `dot`. */
  lengths2: Float64Array;
  /** 1 / length of each row. */
  scale: Float64Array;
  n: number;
  d: number;
  /** Input position of each row. */
  origin: Int32Array;
  zeroVectors: number;
  /** Sum of the unit vectors, in float64. */
  sum: Float64Array;
  /** Sum of their squared lengths in float64 (N up to rounding). */
  sumSquares: number;
}

/**
 * The non-zero vectors copied into one row-major array, with their squared lengths (summed in the
 * order of `dot`, see cosine.ts) and the sum of their unit vectors; zero vectors are counted and
 * left out. Throws on vectors of different lengths and on non-finite numbers.
 */
export function normaliseRows(vectors: readonly Float32Array[]): NormalisedRows {
  const d = vectors[0]?.length ?? 0;
  const keep: number[] = [];
  const squares: number[] = [];
  for (let v = 0; v < vectors.length; v++) {
    const x = vectors[v]!;
    if (x.length !== d) throw new FoveateError(`embedding diversity: vector ${v} has ${x.length} numbers, vector 0 has ${d}`);
    let nn = 0;
    for (let k = 0; k < d; k++) nn += x[k]! * x[k]!;
    if (!Number.isFinite(nn)) {
      const bad = x.findIndex((value) => !Number.isFinite(value));
      throw new FoveateError(`embedding diversity: vector ${v} has a non-finite number (${x[bad]}) at position ${bad}`);
    }
    if (nn === 0) continue;
    keep.push(v);
    squares.push(nn);
  }
  const n = keep.length;
  const rows = new Float32Array(n * d);
  const sum = new Float64Array(d);
  let sumSquares = 0;
  for (let r = 0; r < n; r++) {
    const x = vectors[keep[r]!]!;
    rows.set(x, r * d);
    const inv = 1 / Math.sqrt(squares[r]!);
    for (let k = 0; k < d; k++) {
      const u = x[k]! * inv;
      sum[k] = sum[k]! + u;
      sumSquares += u * u;
    }
  }
  const lengths2 = Float64Array.from(squares);
  return { rows, lengths2, scale: lengths2.map((x) => 1 / Math.sqrt(x)), n, d, origin: Int32Array.from(keep), zeroVectors: vectors.length - n, sum, sumSquares };
}
