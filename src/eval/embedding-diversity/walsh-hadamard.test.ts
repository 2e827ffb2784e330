import { describe, expect, it } from "vitest";
import { seededRandom } from "../../random.js";
import { walshHadamard } from "./walsh-hadamard.js";

/** H v with H[r][c] = (-1)^popcount(r & c), the unnormalised Walsh-Hadamard matrix in natural order. */
function naiveHadamard(v: Float64Array): Float64Array {
  const n = v.length;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let c = 0; c < n; c++) {
      let bits = r & c;
      let sign = 1;
      while (bits) {
        sign = -sign;
        bits &= bits - 1;
      }
      s += sign * v[c]!;
    }
    out[r] = s;
  }
  return out;
}

describe("walshHadamard", () => {
  it("equals the Hadamard matrix product for every power of two up to 256 (radix-4 and radix-2 stages)", () => {
    const random = seededRandom("walsh-hadamard-test");
    for (let n = 1; n <= 256; n *= 2) {
      const v = Float64Array.from({ length: n }, () => random.int(-50, 50));
      const expected = naiveHadamard(v);
      walshHadamard(v, n);
      expect(v).toEqual(expected);
    }
  });

  it("applied twice multiplies by n", () => {
    const v = Float64Array.from({ length: 64 }, (_, k) => (k * 7) % 11);
    const original = v.slice();
    walshHadamard(v, 64);
    walshHadamard(v, 64);
    expect(v).toEqual(original.map((x) => 64 * x));
  });

  it("leaves numbers past n alone", () => {
    const v = Float64Array.from([1, 2, 3, 4, 99]);
    walshHadamard(v, 4);
    expect(Array.from(v)).toEqual([10, -2, -4, 0, 99]);
  });
});
