/** How the top pairs were found, and how far they can be trusted. */
export type TopPairsMethod =
  | { kind: "none"; exact: true }
  | { kind: "exact"; exact: true; /** Pairs scored. */ pairs: number }
  | {
      kind: "lsh";
      exact: false;
      bands: number;
      bitsPerBand: number;
      /** Hyperplanes the band bits are drawn from. */
      poolBits: number;
      /** Candidate pairs scored (a pair found by several bands counts each time). */
      candidates: number;
      /** Sets of two or more identical vectors, scored once (their pairs are exact). */
      duplicateGroups: number;
      /** False when maxCandidates ran out: the pairs are the best of those scored, with no bound. */
      complete: boolean;
      recallCosine: number;
      /** Probability that one pair of cosine >= recallCosine is among the candidates. */
      recallAtCosine: number;
      /**
       * Upper bound on the probability that `topPairs` differs from the exact top-k (k times the
       * miss probability at the k-th cosine found); 1 when nothing can be said. Like
       * `recallAtCosine`, computed as for independent Gaussian hyperplanes, which the randomized
       * Hadamard rotation stands in for.
       */
      missProbability: number;
    };

/** For a CLI's help: how the top pairs are found. */
export const TOP_PAIRS_METHOD_HELP =
  "The mean cosine is always exact (O(N d)). The most similar pairs are exact (every pair scored) while " +
  "N(N-1)/2 x d <= 1e10 multiply-adds; above that they come from random-hyperplane LSH (SimHash bands over " +
  "a randomized Hadamard rotation of the mean-centred vectors) with exact cosines for every candidate; " +
  "the output then states the chance of finding a pair of cosine 0.9 and a bound on the chance that the " +
  "pairs differ from the exact top-k.";

/** One line for a report: how the pairs were found and what that promises. */
export function describeTopPairsMethod(method: TopPairsMethod, topK?: number): string {
  switch (method.kind) {
    case "none":
      return "no pairs asked for";
    case "exact":
      return `exact: all ${method.pairs.toLocaleString("en-US")} pairs scored`;
    case "lsh": {
      const head =
        `approximate: SimHash LSH, ${method.bands} bands of ${method.bitsPerBand} bits from ${method.poolBits} hyperplanes, ` +
        `${method.candidates.toLocaleString("en-US")} candidate pairs scored exactly`;
      if (!method.complete) return `${head}; stopped at the candidate limit, so no bound holds`;
      const k = topK === undefined ? "top-k" : `top-${topK}`;
      const bound = method.missProbability < 1e-15 ? "< 1e-15" : `<= ${formatProbability(method.missProbability)}`;
      return (
        `${head}; a pair of cosine >= ${method.recallCosine} is found with probability ${formatProbability(method.recallAtCosine)}; ` +
        `P(${k} differs from the exact one) ${bound}`
      );
    }
  }
}

function formatProbability(p: number): string {
  if (p === 0) return "0";
  if (p >= 0.001 && p <= 0.999) return p.toFixed(3);
  if (p > 0.999) return 1 - p < 1e-12 ? "1" : `1 - ${(1 - p).toExponential(1)}`;
  return p.toExponential(1);
}
