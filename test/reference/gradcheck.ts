// Finite-difference checks and random problems for the reference tests.
import { expect } from 'vitest';
import { uniform } from '../util/random.js';

/** Central-difference step; gradients here are O(0.01..1), so truncation (~eps²) and round-off (~1e-16/eps) both stay near 1e-10. */
const EPS = 1e-5;
/** |analytic − numeric| / max(|numeric|, FLOOR): relative, but absolute for gradients below FLOOR. */
const FLOOR = 1e-2;
export const FD_TOLERANCE = 1e-6;

/** Worst finite-difference error seen in this test file, for the summary line. */
export const worstSeen = { error: 0, where: '' };

export function centralDifference(loss: () => number, param: Float64Array, i: number, eps: number): number {
  const saved = param[i];
  param[i] = saved + eps;
  const up = loss();
  param[i] = saved - eps;
  const down = loss();
  param[i] = saved;
  return (up - down) / (2 * eps);
}

/**
 * Checks `analytic` against central differences of `loss` w.r.t. every element of `param`
 * (perturbed in place and restored). relu and hardSigmoid have kinks; a difference that
 * straddles one is wrong, so a mismatch is measured again with a 100× smaller step before
 * it counts (a wrong analytic gradient fails at both steps). `replay` (the seed) goes into
 * failure messages.
 */
export function expectGradient(what: string, loss: () => number, param: Float64Array, analytic: ArrayLike<number>, replay: string): void {
  expect(analytic.length, `${what}: gradient length`).toBe(param.length);
  for (let i = 0; i < param.length; i++) {
    const error = (eps: number) => {
      const numeric = centralDifference(loss, param, i, eps);
      return { numeric, error: Math.abs(analytic[i] - numeric) / Math.max(Math.abs(numeric), FLOOR) };
    };
    let r = error(EPS);
    if (r.error > FD_TOLERANCE) r = error(EPS / 100);
    if (r.error > worstSeen.error) Object.assign(worstSeen, { error: r.error, where: `${what}[${i}]` });
    if (r.error > FD_TOLERANCE) {
      expect.fail(`${what}[${i}]: analytic ${analytic[i]} vs finite difference ${r.numeric} (error ${r.error.toExponential(2)}; ${replay})`);
    }
  }
}

export const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** n float64 values drawn as float32 (what the Wasm side will see too). */
export const randomArray = (random: () => number, n: number, lo = -1, hi = 1): Float64Array => Float64Array.from(uniform(random, n, lo, hi));

/** An explicit, already scaled dropout mask: 0 with probability rate, else 1/(1 − rate). */
export const dropoutMask = (random: () => number, n: number, rate = 0.25): Float64Array =>
  Float64Array.from({ length: n }, () => (random() < rate ? 0 : 1 / (1 - rate)));

/** Per-sample lengths in [0, T], including an empty and a full sequence when B allows. */
export function randomLengths(random: () => number, B: number, T: number): number[] {
  return Array.from({ length: B }, (_, b) => (b === 0 ? T : b === 1 ? 0 : 1 + Math.floor(random() * T)));
}

/** A mask with holes anywhere (Keras allows any pattern), about 70% real steps. */
export const randomHoles = (random: () => number, B: number, T: number): Uint8Array => Uint8Array.from({ length: B * T }, () => (random() < 0.7 ? 1 : 0));
