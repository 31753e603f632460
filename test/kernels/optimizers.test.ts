// The optimizer update kernels against the float64 references of test/reference/optimizers.ts.
// Every case runs four steps on odd sizes from random slots (so slot state and, for Adam,
// the bias corrections of steps 1–4 matter); before each step the reference is given the
// kernel's current float32 state, so the comparison is one step of the formula at a time and
// the tolerance can be a few float32 ulps. Guard values after n floats catch stray writes.
import { describe, expect, it } from 'vitest';
import type { F32Region } from '../../src/index.js';
import { adagradUpdate, adamUpdate, pow64, rmspropUpdate, sgdUpdate } from '../../src/kernels/index.js';
import { adagradUpdater, adamUpdater, rmspropUpdater, sgdUpdater } from '../../src/kernels/optimizers.js';
import { arena } from '../../src/runtime/module.js';
import * as ref from '../reference/optimizers.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { GUARD, GUARD_VALUE, regionsFreedAfterEach } from '../util/regions.js';

const seed = testSeed();
const random = rng(seed);
const SIZES = [1, 3, 17, 129, 1000];
const STEPS = 4;
const { region } = regionsFreedAfterEach();

type Values = ArrayLike<number>;
type Slots = Record<string, F32Region>;

interface Case {
  name: string;
  /** Slot names with the range their random starting values are drawn from. */
  slots: Record<string, [number, number]>;
  /** Gradients are uniform in ±gradScale. */
  gradScale?: number;
  run(w: F32Region, g: F32Region, slots: Slots, step: number, n: number): void;
  ref(w: Values, g: Values, slots: Record<string, Values>, step: number): Record<string, Float64Array>;
}

const sgdCase = (name: string, p: { learningRate: number; momentum?: number; nesterov?: boolean; weightDecay?: number }): Case => ({
  name,
  slots: p.momentum ? { velocity: [-0.05, 0.05] } : {},
  run: (w, g, s, _, n) => sgdUpdate(w, g, s.velocity, p, n),
  ref: (w, g, s) => ref.sgd(w, g, s.velocity, p),
});

type RmspropParams = { learningRate: number; rho: number; epsilon: number; momentum?: number; centered?: boolean; weightDecay?: number };
const rmspropCase = (name: string, p: RmspropParams): Case => ({
  name,
  // mean squares above the squared mean gradients, as they are in training
  slots: { meanSquare: [0.01, 0.1], ...(p.momentum ? { momentum: [-0.01, 0.01] } : {}), ...(p.centered ? { meanGrad: [-0.05, 0.05] } : {}) },
  run: (w, g, s, _, n) => rmspropUpdate(w, g, { meanSquare: s.meanSquare, momentum: s.momentum, meanGrad: s.meanGrad }, p, n),
  ref: (w, g, s) => ref.rmsprop(w, g, { meanSquare: s.meanSquare, momentum: s.momentum, meanGrad: s.meanGrad }, p),
});

type AdamParams = Omit<ref.AdamParams, 'step'>;
const adamCase = (name: string, p: AdamParams, gradScale = 1): Case => ({
  name,
  gradScale,
  slots: { m: [-0.1 * gradScale, 0.1 * gradScale], v: [0, 0.01 * gradScale ** 2], ...(p.amsgrad ? { vhat: [0, 0.02 * gradScale ** 2] } : {}) },
  run: (w, g, s, step, n) => adamUpdate(w, g, { m: s.m, v: s.v, vhat: s.vhat }, { ...p, step }, n),
  ref: (w, g, s, step) => ref.adam(w, g, { m: s.m, v: s.v, vhat: s.vhat }, { ...p, step }),
});

const adagradCase = (name: string, p: { learningRate: number; epsilon: number; weightDecay?: number }): Case => ({
  name,
  slots: { accumulator: [0.1, 1] },
  run: (w, g, s, _, n) => adagradUpdate(w, g, s.accumulator, p, n),
  ref: (w, g, s) => ref.adagrad(w, g, s.accumulator, p),
});

const CASES: Case[] = [
  sgdCase('sgd', { learningRate: 0.1 }),
  sgdCase('sgd momentum', { learningRate: 0.05, momentum: 0.9 }),
  sgdCase('sgd nesterov, weight decay', { learningRate: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01 }),
  rmspropCase('rmsprop', { learningRate: 0.01, rho: 0.9, epsilon: 1e-7 }),
  rmspropCase('rmsprop momentum', { learningRate: 0.01, rho: 0.8, epsilon: 1e-6, momentum: 0.5 }),
  rmspropCase('rmsprop centered', { learningRate: 0.01, rho: 0.9, epsilon: 1e-7, centered: true }),
  rmspropCase('rmsprop centered momentum, weight decay', { learningRate: 0.01, rho: 0.95, epsilon: 1e-7, centered: true, momentum: 0.9, weightDecay: 0.1 }),
  adamCase('adam', { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }),
  adamCase('adam amsgrad', { learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, amsgrad: true }),
  adamCase('adam weight decay (adamw)', { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.004 }),
  // |g| ~ 1e-6: ε is as large as √v̂, so where it sits decides the result
  adamCase('adam, tiny gradients', { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }, 1e-6),
  adagradCase('adagrad', { learningRate: 0.01, epsilon: 1e-7 }),
  adagradCase('adagrad weight decay', { learningRate: 0.1, epsilon: 1e-7, weightDecay: 0.05 }),
];

/** A region of n values followed by GUARD guard values. */
const guarded = (values: Float32Array): F32Region => region([...values, ...new Array(GUARD).fill(GUARD_VALUE)]);

/**
 * One step from the same float32 inputs: each element within 1e-6 (~16 float32 ulps, a few
 * roundings) of its scale, the result of the same step on the inputs' magnitudes with signs
 * chosen so that no term cancels (w ≥ 0; g and the slots that grow with g ≤ 0; squares and
 * SGD's velocity, which grows with −lr·g, ≥ 0): the sum of the sizes of the terms, which
 * bounds the float32 rounding error of each.
 */
function expectNear(what: string, actual: Float32Array, expected: Float64Array, scale: Float64Array): void {
  let worst = { i: -1, error: 0 };
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]) / Math.abs(scale[i]);
    if (!(error <= worst.error)) worst = { i, error: Number.isNaN(error) ? Infinity : error };
  }
  const { i, error } = worst;
  if (error > 1e-6) expect.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (error ${error.toExponential(2)} of its scale ${scale[i]}; seed ${seed})`);
}

const LINEAR_IN_G = new Set(['m', 'momentum', 'meanGrad']);
const magnitude = (x: ArrayLike<number>, negative: boolean) => Float64Array.from(x, (v) => (negative ? -Math.abs(v) : Math.abs(v)));

/** Weights of mixed magnitudes: small ones show the update itself to a few ulps. */
const weights = (n: number): Float32Array => uniform(random, n).map((x) => (random() < 0.5 ? x : x * 1e-3));

describe(`optimizer kernels (seed ${seed})`, () => {
  describe.each(CASES)('$name', (c) => {
    it.each(SIZES)('n=%i, four steps vs the float64 reference', (n) => {
      const scale = c.gradScale ?? 1;
      const w = guarded(weights(n));
      const slots: Slots = {};
      for (const [name, [lo, hi]] of Object.entries(c.slots)) slots[name] = guarded(uniform(random, n, lo, hi));
      for (let step = 1; step <= STEPS; step++) {
        const g = uniform(random, n, -scale, scale);
        if (n > 2) g[1] = 0; // a zero gradient still moves momentum and decays
        const gRegion = guarded(g);
        const before = Object.fromEntries(Object.entries(slots).map(([k, r]) => [k, r.view().slice(0, n)]));
        const wBefore = w.view().slice(0, n);
        const want = c.ref(wBefore, g, before, step);
        const scales = c.ref(magnitude(wBefore, false), magnitude(g, true), Object.fromEntries(Object.entries(before).map(([k, v]) => [k, magnitude(v, LINEAR_IN_G.has(k))])), step);
        c.run(w, gRegion, slots, step, n);
        const label = `${c.name} n=${n} step ${step}`;
        expectNear(`${label} weights`, w.view().slice(0, n), want.w, scales.w);
        for (const name of Object.keys(slots)) expectNear(`${label} ${name}`, slots[name].view().slice(0, n), want[name], scales[name]);
        expect([...gRegion.view()], `${label}: the gradient is read only`).toEqual([...g, ...new Array(GUARD).fill(GUARD_VALUE)]);
      }
      for (const [name, r] of Object.entries({ weights: w, ...slots })) {
        expect([...r.view().subarray(n)], `${c.name} n=${n}: ${name} past n was written`).toEqual(new Array(GUARD).fill(GUARD_VALUE));
      }
    });
  });

  it('an updater (checked once, as optimizers keep them) gives the bits of the checked call at every step and learning rate', () => {
    const n = 17;
    const bits = (r: F32Region) => [...new Uint32Array(r.view().slice(0, n).buffer)];
    const pairs: [string, (w: F32Region, g: F32Region, s: F32Region[], lr: number, step: number) => void, (w: F32Region, g: F32Region, s: F32Region[]) => (lr: number, step: number) => void][] = [
      ['sgd', (w, g, [v], lr) => sgdUpdate(w, g, v, { learningRate: lr, momentum: 0.9, nesterov: true, weightDecay: 0.01 }), (w, g, [v]) => sgdUpdater(w, g, v, { momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
      ['rmsprop', (w, g, [ms, mom, mg], lr) => rmspropUpdate(w, g, { meanSquare: ms, momentum: mom, meanGrad: mg }, { learningRate: lr, rho: 0.9, epsilon: 1e-7, momentum: 0.5, centered: true }), (w, g, [ms, mom, mg]) => rmspropUpdater(w, g, { meanSquare: ms, momentum: mom, meanGrad: mg }, { rho: 0.9, epsilon: 1e-7, momentum: 0.5, centered: true })],
      ['adam', (w, g, [m, v, vhat], lr, step) => adamUpdate(w, g, { m, v, vhat }, { learningRate: lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step, amsgrad: true }), (w, g, [m, v, vhat]) => adamUpdater(w, g, { m, v, vhat }, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: true })],
      ['adagrad', (w, g, [acc], lr) => adagradUpdate(w, g, acc, { learningRate: lr, epsilon: 1e-7, weightDecay: 0.05 }), (w, g, [acc]) => adagradUpdater(w, g, acc, { epsilon: 1e-7, weightDecay: 0.05 })],
    ];
    for (const [name, checked, makeUpdater] of pairs) {
      const start = [weights(n), ...[0, 1, 2].map(() => uniform(random, n, 0.01, 0.1))];
      const [a, b] = [0, 1].map(() => start.map((values) => region(values)));
      const grad = region(new Float32Array(n));
      const update = makeUpdater(a[0], grad, a.slice(1));
      for (let step = 1; step <= STEPS; step++) {
        const g = uniform(random, n, -1, 1);
        const lr = 0.01 * step; // a schedule: another rate every step
        checked(b[0], region(g), b.slice(1), lr, step);
        grad.set(g);
        update(lr, step);
        for (let k = 0; k < a.length; k++) expect(bits(a[k]), `${name} step ${step} region ${k} (seed ${seed})`).toEqual(bits(b[k]));
      }
    }
  });

  it('adam: ε sits on the bias-corrected √v̂ (TF.js), not on √v (Keras 3)', () => {
    // One element, step 1, g = 1e-6: √v̂ ≈ 1e-6, so TF.js moves w by ≈ lr·1e-6/(1e-6 + 1e-7) and
    // Keras by ≈ lr·1e-6/(1e-6 + 1e-7/√0.001) — 0.909·lr against 0.240·lr.
    const p = { learningRate: 1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 };
    const w = region([0]);
    adamUpdate(w, region([1e-6]), { m: region([0]), v: region([0]) }, p);
    const tfjs = ref.adam([0], [1e-6], { m: [0], v: [0] }, p).w[0];
    const keras = ref.adamKeras([0], [1e-6], { m: [0], v: [0] }, p).w[0];
    expect(Math.abs(w.view()[0] / tfjs - 1)).toBeLessThan(1e-6);
    expect([tfjs, keras].map((x) => x.toFixed(3))).toEqual(['-0.909', '-0.240']);
  });

  it('nothing happens for n = 0', () => {
    const w = region([1, 2]);
    sgdUpdate(w, region([1, 1]), undefined, { learningRate: 1 }, 0);
    expect([...w.view()]).toEqual([1, 2]);
  });

  it('pow64 is the float64 power', () => {
    expect(pow64(2, 10)).toBe(1024);
    expect(pow64(0.5, -3)).toBe(8);
    expect(pow64(0.96, 0)).toBe(1);
    for (let i = 0; i < 200; i++) {
      const base = random() * 2;
      const exponent = random() * 40 - 20;
      expect(Math.abs(pow64(base, exponent) / base ** exponent - 1), `pow64(${base}, ${exponent})`).toBeLessThan(4e-16);
    }
  });

  describe('argument checks', () => {
    const three = () => region([0, 0, 0]);

    it('a slot the configuration needs', () => {
      expect(() => sgdUpdate(three(), three(), undefined, { learningRate: 0.1, momentum: 0.9 })).toThrow(/sgdUpdate\(velocity\): momentum 0.9 needs the velocity slot/);
      expect(() => rmspropUpdate(three(), three(), { meanSquare: three() }, { learningRate: 0.1, rho: 0.9, epsilon: 1e-7, centered: true })).toThrow(/rmspropUpdate\(meanGrad\): centered needs/);
      expect(() => adamUpdate(three(), three(), { m: three(), v: three() }, { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1, amsgrad: true })).toThrow(/adamUpdate\(vhat\): amsgrad needs/);
    });

    it('regions that are too short, shared or freed', () => {
      const w = three();
      expect(() => adagradUpdate(w, region([0, 0]), three(), { learningRate: 0.1, epsilon: 1e-7 })).toThrow(/adagradUpdate\(grads\): needs 3 floats but the region holds 2/);
      expect(() => adagradUpdate(w, three(), w, { learningRate: 0.1, epsilon: 1e-7 })).toThrow(/adagradUpdate\(accumulator\): expected no overlap with weights/);
      const whole = region(new Array(8).fill(0));
      expect(() => adamUpdate(whole.sub(0, 4), three(), { m: whole.sub(2, 4), v: region([0, 0, 0, 0]) }, { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 }, 3)).toThrow(/adamUpdate\(m\): expected no overlap with weights/);
      const freed = arena().allocF32(3);
      arena().free(freed);
      expect(() => sgdUpdate(freed, three(), undefined, { learningRate: 0.1 })).toThrow(/sgdUpdate\(weights\): the region at byte \d+ was freed/);
    });

    it('scalars and the step', () => {
      expect(() => sgdUpdate(three(), three(), undefined, { learningRate: '0.1' as unknown as number })).toThrow(/sgdUpdate\(learningRate\): expected a number, got string 0.1/);
      expect(() => rmspropUpdate(three(), three(), { meanSquare: three() }, { learningRate: 0.1, rho: 0.9, epsilon: 1e-7, centered: 1 as unknown as boolean })).toThrow(/rmspropUpdate\(centered\): expected a boolean/);
      expect(() => adamUpdate(three(), three(), { m: three(), v: three() }, { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 0 })).toThrow(/adamUpdate\(step\): expected an integer >= 1, got 0/);
      expect(() => pow64(2, undefined as unknown as number)).toThrow(/pow64\(exponent\): expected a number/);
    });
  });
});
