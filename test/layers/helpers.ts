// Shared helpers of the layer tests: regions from arrays, building and planning in one go,
// and comparisons against the float64 reference that print the replay seed on failure.
import { expect } from 'vitest';
import type { F32Region } from '../../src/runtime/arena.js';
import { arena } from '../../src/runtime/module.js';
import type { Layer, LayerPlan, PlanOptions, Shape } from '../../src/layers/index.js';
import { Prng } from '../../src/util/prng.js';
import { worstRelative } from '../util/compare.js';
import { rng, testSeed } from '../util/random.js';

export const seed = testSeed();
export const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

/** A generator of its own per test name, so a single test replays the same inputs when run alone. */
export const randomFor = (name: string): (() => number) => rng(seed ^ [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261));

/** An arena region holding `values` (freed by freeAll). */
const owned: F32Region[] = [];
export function region(values: ArrayLike<number>): F32Region {
  const r = arena().fromArray(values);
  owned.push(r);
  return r;
}

export function freeAll(): void {
  for (const r of owned.splice(0)) arena().free(r);
}

/** Builds `layer` for [null, ...shape.slice(1)] from Prng(initSeed), and plans it for `shape`. */
export function planned<L extends Layer>(layer: L, shape: number[], options: PlanOptions = { training: true }, initSeed = 1): { layer: L; plan: LayerPlan } {
  layer.build([null, ...shape.slice(1)] as Shape, new Prng(initSeed));
  return { layer, plan: layer.plan(shape, options) };
}

/** Asserts `actual` matches `expected` within `tolerance` (relative, absolute below `floor`). */
export function expectClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5, floor = 1): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const bad = worstRelative(actual, expected, tolerance, floor);
  if (bad) expect.fail(`${what}: element ${bad.index} is ${bad.actual}, expected ${bad.expected} (error ${bad.error.toExponential(2)} > ${tolerance}; ${replay})`);
}

/** Values of a layer's weights as the reference takes them. */
export const weightValues = (layer: Layer): Float32Array[] => layer.getWeights().map((w) => w.data);

/** Σ a·b in float64. */
export const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
