/** Rounds to the nearest integer, ties to the even neighbour (NumPy's `round`, IEEE's default). */
export function roundHalfEven(value: number): number {
  if (!Number.isFinite(value)) return value;
  const below = Math.floor(value);
  // Exact: a double minus its integer part is always representable.
  const fraction = value - below;
  if (fraction < 0.5) return below + 0; // `+ 0` turns -0 into 0
  if (fraction > 0.5) return below + 1;
  return below % 2 === 0 ? below + 0 : below + 1;
}
