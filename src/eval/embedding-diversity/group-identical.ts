/** Representatives of identical rows (ascending) and, for groups of two or more, their members. */
export function groupIdentical(rows: Float32Array, n: number, d: number): { reps: Int32Array; members: Map<number, number[]> } {
  const words = new Int32Array(rows.buffer, rows.byteOffset, n * d);
  const byHash = new Map<number, number[]>();
  const members = new Map<number, number[]>();
  const reps: number[] = [];
  for (let r = 0; r < n; r++) {
    let h1 = 0x811c9dc5;
    let h2 = 0x2545f491;
    const base = r * d;
    for (let k = 0; k < d; k++) {
      const w = words[base + k]!;
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h2 = Math.imul(h2 ^ w, 0x5bd1e995) ^ (h2 >>> 15);
    }
    const hash = (h1 >>> 0) * 2097152 + (h2 >>> 11);
    const candidates = byHash.get(hash);
    const same = candidates?.find((other) => {
      const o = other * d;
      for (let k = 0; k < d; k++) if (words[base + k] !== words[o + k]) return false;
      return true;
    });
    if (same === undefined) {
      reps.push(r);
      if (candidates) candidates.push(r);
      else byHash.set(hash, [r]);
    } else {
      const group = members.get(same);
      if (group) group.push(r);
      else members.set(same, [same, r]);
    }
  }
  return { reps: Int32Array.from(reps), members };
}
