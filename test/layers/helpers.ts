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

/**
 * Central differences of L = Σ dy·f(x) in float32, w.r.t. a few entries of a weight:
 * float32 outputs limit this to about 1e−3 relative, a check of the analytic gradient's
 * definition independent of the reference.
 */
export function expectFiniteDifferences(what: string, loss: () => number, values: Float32Array, set: (v: Float32Array) => void, analytic: Float32Array, indices: number[], eps = 1e-2): void {
  for (const i of indices) {
    const saved = values[i];
    values[i] = saved + eps;
    set(values);
    const up = loss();
    values[i] = saved - eps;
    set(values);
    const down = loss();
    values[i] = saved;
    set(values);
    const numeric = (up - down) / (2 * eps);
    expect(Math.abs(numeric - analytic[i]) / Math.max(1, Math.abs(numeric)), `${what}[${i}] analytic ${analytic[i]} vs ${numeric} (${replay})`).toBeLessThan(2e-3);
  }
}

/**
 * Finite differences of a whole planned layer, in float32: a training forward and backward of
 * L = Σ dy·y on input x, then `count` random entries of the input and of every weight perturbed
 * (steps of eps) against dInput and the weight gradients.
 */
export function expectLayerFiniteDifferences(layer: Layer, plan: LayerPlan, x: Float32Array, random: () => number, count = 6, eps = 1e-2): void {
  const input = region(x);
  const dy = Float32Array.from({ length: plan.output.length }, () => 2 * random() - 1);
  layer.zeroGradients();
  plan.forward(input);
  plan.backward(region(dy));
  const pick = (n: number) => Array.from({ length: Math.min(count, n) }, () => Math.floor(random() * n));
  const loss = () => {
    plan.forward(input);
    return dot(plan.output.toArray(), dy);
  };
  if (plan.dInput) expectFiniteDifferences('dx', loss, x, (v) => input.set(v), plan.dInput.toArray(), pick(x.length), eps);
  const values = layer.getWeights();
  const grads = layer.weights.map((w) => w.grad.toArray());
  values.forEach((w, i) => {
    const set = (v: Float32Array) => layer.setWeights(values.map((t, j) => (j === i ? { shape: t.shape, data: v } : t)));
    expectFiniteDifferences(layer.weights[i].name, loss, w.data, set, grads[i], pick(w.data.length), eps);
  });
}
