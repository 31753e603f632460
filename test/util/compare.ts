// Comparisons of a float32 result with a float64 reference, reporting the worst element.

export interface Mismatch {
  index: number;
  actual: number;
  expected: number;
  error: number;
}

/**
 * The worst element by |a - e| / max(|e|, floor), or undefined when every element is within
 * `tolerance`. NaN in `actual` where `expected` is finite always counts as a mismatch, so
 * a poisoned (NaN-filled) output that a kernel forgot to write fails.
 */
export function worstRelative(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
  floor = 1,
): Mismatch | undefined {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != expected ${expected.length}`);
  let worst: Mismatch | undefined;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const error = Number.isNaN(a) !== Number.isNaN(e) ? Infinity : Number.isNaN(e) ? 0 : Math.abs(a - e) / Math.max(Math.abs(e), floor);
    if (error > tolerance && (!worst || error > worst.error)) worst = { index: i, actual: a, expected: e, error };
  }
  return worst;
}
