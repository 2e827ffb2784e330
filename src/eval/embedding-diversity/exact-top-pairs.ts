import { clampCosine, dot } from "./cosine.js";
import type { NormalisedRows } from "./normalise-rows.js";
import type { PairSink } from "./pair-sink.js";

const TILE = 256;

/**
 * Every pair scored, tile by tile: TILE rows against TILE columns into one reusable buffer, the
 * dot products four columns by two rows at a time so each loaded number serves several sums.
 */
export function exactTopPairs({ rows, n, d, lengths2 }: NormalisedRows, heap: PairSink): void {
  const tile = new Float64Array(TILE * TILE);
  for (let r0 = 0; r0 < n; r0 += TILE) {
    const rEnd = Math.min(n, r0 + TILE);
    for (let c0 = r0; c0 < n; c0 += TILE) {
      const cEnd = Math.min(n, c0 + TILE);
      const diagonal = c0 === r0;
      dotTile(rows, d, r0, rEnd, c0, cEnd, diagonal, tile);
      let floor = heap.floor;
      for (let i = r0; i < rEnd; i++) {
        const row = (i - r0) * TILE - c0;
        const li = lengths2[i]!;
        for (let j = diagonal ? i + 1 : c0; j < cEnd; j++) {
          const c = tile[row + j]! / Math.sqrt(li * lengths2[j]!);
          if (c < floor) continue;
          heap.offer(clampCosine(c), i, j);
          floor = heap.floor;
        }
      }
    }
  }
}

/** tile[(i - r0) * TILE + (j - c0)] = row i . row j; on a diagonal tile only j >= i - 3 is needed. */
function dotTile(m: Float32Array, d: number, r0: number, rEnd: number, c0: number, cEnd: number, diagonal: boolean, tile: Float64Array): void {
  let i = r0;
  for (; i + 1 < rEnd; i += 2) {
    const a0 = i * d;
    const a1 = a0 + d;
    const o0 = (i - r0) * TILE - c0;
    const o1 = o0 + TILE;
    let j = diagonal ? c0 + ((i - c0) & ~3) : c0;
    for (; j + 3 < cEnd; j += 4) {
      const b0 = j * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let k = 0; k < d; k++) {
        const x = m[a0 + k]!;
        const y = m[a1 + k]!;
        const p = m[b0 + k]!;
        const q = m[b1 + k]!;
        const r = m[b2 + k]!;
        const s = m[b3 + k]!;
        s00 += x * p;
        s01 += x * q;
        s02 += x * r;
        s03 += x * s;
        s10 += y * p;
        s11 += y * q;
        s12 += y * r;
        s13 += y * s;
      }
      tile[o0 + j] = s00;
      tile[o0 + j + 1] = s01;
      tile[o0 + j + 2] = s02;
      tile[o0 + j + 3] = s03;
      tile[o1 + j] = s10;
      tile[o1 + j + 1] = s11;
      tile[o1 + j + 2] = s12;
      tile[o1 + j + 3] = s13;
    }
    for (; j < cEnd; j++) {
      tile[o0 + j] = dot(m, a0, j * d, d);
      tile[o1 + j] = dot(m, a1, j * d, d);
    }
  }
  if (i < rEnd) {
    const o0 = (i - r0) * TILE - c0;
    for (let j = diagonal ? i : c0; j < cEnd; j++) tile[o0 + j] = dot(m, i * d, j * d, d);
  }
}
