/**
 * Probability that LSH misses one pair of cosine `cosine`: bands of b bits drawn without
 * replacement from a pool of B sign bits, L bands. Given h pool bits where the pair differs, a band
 * collides with probability C(B-h, b) / C(B, b), and h ~ Binomial(B, theta / pi) for independent
 * random hyperplanes, theta being the angle of the pair after centring, at most
 * arccos(1 - (1 - cosine) / m2) where m2 is the smallest squared length of a centred vector.
 */
export function missProbability(cosine: number, m2: number, B: number, b: number, L: number): number {
  if (cosine >= 1) return 0;
  const centred = m2 > 0 ? 1 - (1 - cosine) / m2 : -1;
  const p = Math.acos(Math.max(-1, Math.min(1, centred))) / Math.PI;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logPmf = B * logQ;
  let miss = 0;
  for (let h = 0; h <= B; h++) {
    const pmf = Math.exp(logPmf);
    if (pmf > 0) {
      let collide = 0;
      if (B - h >= b) {
        collide = 1;
        for (let t = 0; t < b; t++) collide *= (B - h - t) / (B - t);
      }
      miss += pmf * (1 - collide) ** L;
    }
    logPmf += Math.log(B - h) - Math.log(h + 1) + logP - logQ;
  }
  return Math.min(1, miss);
}
