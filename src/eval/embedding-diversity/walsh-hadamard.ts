/** In-place unnormalised Walsh-Hadamard transform of v[0..n), n a power of two. */
export function walshHadamard(v: Float64Array, n: number): void {
  let h = 1;
  for (; h * 4 <= n; h *= 4) {
    const h2 = 2 * h;
    const h3 = 3 * h;
    for (let i = 0; i < n; i += 4 * h) {
      for (let j = i; j < i + h; j++) {
        const a = v[j]!;
        const b = v[j + h]!;
        const c = v[j + h2]!;
        const e = v[j + h3]!;
        const s = a + b;
        const t = a - b;
        const u = c + e;
        const w = c - e;
        v[j] = s + u;
        v[j + h] = t + w;
        v[j + h2] = s - u;
        v[j + h3] = t - w;
      }
    }
  }
  for (; h < n; h *= 2) {
    for (let i = 0; i < n; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const a = v[j]!;
        const b = v[j + h]!;
        v[j] = a + b;
        v[j + h] = a - b;
      }
    }
  }
}
