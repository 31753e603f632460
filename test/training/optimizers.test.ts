// Optimizers and learning-rate schedules: one and three steps of each optimizer against
// TF.js 4.22 (same hyper-parameters, applyGradients on tf.variables holding the same values;
// weights and slots within 1e-5), AdamW against the float64 Keras 3 formula, clipping against
// the Keras definitions (float64) and TF.js ops, schedules against their float64 formulas,
// getState/setState continuing with the same bits, configs and error messages.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LayerWeight } from '../../src/layers/layer.js';
import { ModelConfigError, ModelLoadError, ModelStateError } from '../../src/model/errors.js';
import { Adam, optimizerFrom, optimizers, type Optimizer } from '../../src/training/optimizers.js';
import { exponentialDecay, piecewiseConstantDecay } from '../../src/training/schedules.js';
import { arena } from '../../src/runtime/module.js';
import * as ref from '../reference/optimizers.js';
import { worstRelative } from '../util/compare.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { regionsFreedAfterEach } from '../util/regions.js';
import { thrown } from '../util/thrown.js';

const seed = testSeed();
const random = rng(seed);
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;
const { region } = regionsFreedAfterEach();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPES = [[3, 4], [17], [1], [5, 26]];
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

let nameCount = 0;
/** Trainable weights with the given values (grads zero), named uniquely so TF.js variables can share the names. */
function weightsOf(values: readonly Float32Array[], shapes = SHAPES, trainable = values.map(() => true)): LayerWeight[] {
  const prefix = `layer_${nameCount++}`;
  return values.map((v, i) => ({ name: `${prefix}/w${i}`, shape: shapes[i], value: region(v), grad: region(new Float32Array(v.length)), trainable: trainable[i] }));
}

const randomValues = (shapes = SHAPES, lo = -1, hi = 1) => shapes.map((s) => uniform(random, size(s), lo, hi));

/** Gradients uniform in ±scale, their magnitudes at least `min`·scale (signs random). */
const randomGrads = (scale = 1, min = 0, shapes = SHAPES) =>
  shapes.map((s) => uniform(random, size(s), min, 1).map((x) => (random() < 0.5 ? -x : x) * scale));

/** Optimizers built by a test, disposed after it (their slots live in the arena). */
const live: Optimizer[] = [];
afterEach(() => {
  for (const opt of live.splice(0)) opt.dispose();
});

function built(opt: Optimizer, weights: LayerWeight[]): void {
  opt.build(weights);
  live.push(opt);
}

function step(opt: Optimizer, weights: LayerWeight[], grads: readonly Float32Array[]): void {
  weights.forEach((w, i) => w.grad.set(grads[i]));
  opt.apply(weights);
}

function expectClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, floor: number): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const bad = worstRelative(actual, expected, tolerance, floor);
  if (bad) expect.fail(`${what}: element ${bad.index} is ${bad.actual}, expected ${bad.expected} (error ${bad.error.toExponential(2)} > ${tolerance}; ${replay})`);
}

const maxAbs = (x: ArrayLike<number>) => Array.from(x).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

// ---- TF.js parity ------------------------------------------------------------------------

interface ParityCase {
  name: string;
  ours: () => Optimizer;
  theirs: () => tf.Optimizer;
  /** Gradient magnitudes in [min·scale, scale]. */
  scale?: number;
  min?: number;
  /** TF.js slot value → ours (SGD's velocity holds −lr times TF.js's accumulation). */
  slot?: (x: number) => number;
}

// Weights are compared relative to max(|w|, 0.01): where an update cancels a weight, the two
// engines' float32 roundings of terms up to lr·|g| ~ 0.05 differ by ulps of those terms, not of
// the result. (TF.js's Adam is itself only ~1e-5 exact in its updates: it keeps β^t as a
// float32 running product, whose rounding makes 1 − β2^t up to ~1.5e-5 off in early steps.)
const FLOOR = 1e-2;

const PARITY: ParityCase[] = [
  { name: 'sgd defaults', ours: () => optimizers.sgd(), theirs: () => tf.train.sgd(0.01) },
  { name: 'sgd momentum', ours: () => optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), theirs: () => tf.train.momentum(0.05, 0.9), slot: (x) => -0.05 * x },
  { name: 'sgd nesterov', ours: () => optimizers.sgd({ learningRate: 0.05, momentum: 0.8, nesterov: true }), theirs: () => tf.train.momentum(0.05, 0.8, true), slot: (x) => -0.05 * x },
  { name: 'rmsprop defaults', ours: () => optimizers.rmsprop(), theirs: () => tf.train.rmsprop(0.001, 0.9, 0, 1e-7) },
  { name: 'rmsprop momentum', ours: () => optimizers.rmsprop({ learningRate: 0.01, rho: 0.8, momentum: 0.5, epsilon: 1e-6 }), theirs: () => tf.train.rmsprop(0.01, 0.8, 0.5, 1e-6) },
  // TF.js subtracts ε under the root where Keras adds it: ε = 1e-10 and |g| >= 0.3 keep that
  // below 1e-8 (the default ε moves updates by 1e-5 and more; see assembly/optimizers.ts)
  { name: 'rmsprop centered', ours: () => optimizers.rmsprop({ learningRate: 0.01, centered: true, epsilon: 1e-10 }), theirs: () => tf.train.rmsprop(0.01, 0.9, 0, 1e-10, true), min: 0.3 },
  { name: 'adam defaults', ours: () => optimizers.adam(), theirs: () => tf.train.adam(0.001, 0.9, 0.999, 1e-7) },
  { name: 'adam', ours: () => optimizers.adam({ learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }), theirs: () => tf.train.adam(0.01, 0.8, 0.99, 1e-6) },
  // ε as large as √v̂: where ε sits decides the result (Keras 3's placement would be 4× off)
  { name: 'adam, gradients ~1e-6', ours: () => optimizers.adam({ learningRate: 0.01 }), theirs: () => tf.train.adam(0.01, 0.9, 0.999, 1e-7), scale: 1e-6 },
  { name: 'adagrad defaults', ours: () => optimizers.adagrad(), theirs: () => tf.train.adagrad(0.001, 0.1) },
  { name: 'adagrad', ours: () => optimizers.adagrad({ learningRate: 0.05, initialAccumulatorValue: 0.5 }), theirs: () => tf.train.adagrad(0.05, 0.5) },
];

describe(`optimizers vs TF.js 4.22 (${replay})`, () => {
  it.each(PARITY)('$name: one and three steps', async (c) => {
    const initial = randomValues();
    const grads = [0, 1, 2].map(() => randomGrads(c.scale ?? 1, c.min ?? 0));
    const weights = weightsOf(initial);
    const opt = c.ours();
    built(opt, weights);
    const theirs = c.theirs();
    const variables = weights.map((w, i) => tf.variable(tf.tensor(initial[i], [...w.shape]), true, w.name));
    try {
      for (let s = 0; s < 3; s++) {
        step(opt, weights, grads[s]);
        tf.tidy(() => theirs.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(grads[s][i], v.shape) }))));
        if (s === 1) continue;
        for (const [i, w] of weights.entries()) expectClose(`${c.name} step ${s + 1} ${w.name}`, w.value.toArray(), variables[i].dataSync(), 1e-5, FLOOR);
      }
      const tfState = new Map((await theirs.getWeights()).map((w) => [w.name, w.tensor.dataSync()]));
      const ours = opt.getState();
      expect(ours[0]).toEqual({ name: 'iteration', shape: [], data: Float32Array.of(3) });
      for (const { name, data } of ours.slice(1)) {
        const expected = tfState.get(name);
        expect(expected, `TF.js has a slot named ${name}`).toBeDefined();
        const want = Float64Array.from(expected!, c.slot ?? ((x) => x));
        // a slot can cancel to near 0 (m, velocity): its error is ulps of its terms, ~ its largest values
        expectClose(`${c.name} slot ${name}`, data, want, 1e-5, 0.1 * maxAbs(want));
      }
    } finally {
      tf.dispose(variables);
      theirs.dispose();
    }
  });

  it('adamw: TF.js adam after the decoupled decay step w − w·weightDecay·lr, three steps', () => {
    const [lr, wd] = [0.005, 0.2];
    const initial = randomValues();
    const weights = weightsOf(initial);
    const opt = optimizers.adamw({ learningRate: lr, weightDecay: wd });
    built(opt, weights);
    const theirs = tf.train.adam(lr, 0.9, 0.999, 1e-7);
    const variables = weights.map((w, i) => tf.variable(tf.tensor(initial[i], [...w.shape]), true, w.name));
    try {
      for (let s = 0; s < 3; s++) {
        const grads = randomGrads();
        step(opt, weights, grads);
        tf.tidy(() => {
          for (const v of variables) v.assign(v.sub(v.mul(wd).mul(lr)));
          theirs.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(grads[i], v.shape) })));
        });
      }
      for (const [i, w] of weights.entries()) expectClose(`adamw ${w.name}`, w.value.toArray(), variables[i].dataSync(), 1e-5, FLOOR);
    } finally {
      tf.dispose(variables);
      theirs.dispose();
    }
  });
});

// ---- AdamW against Keras 3 -----------------------------------------------------------------

describe(`adamw vs the float64 Keras 3 formula (${replay})`, () => {
  // Updates are compared to 2e-4 of the largest one: a float32 weight below 1 holds an update
  // of ~1e-3 to ~6e-5 of it (two roundings), and Keras 3 adds ε to √v where we add it to √v̂
  // (as TF.js does), which with |g| >= 0.1 moves an update by < 3e-5 of itself. The default
  // decay (0.004·lr·w) changes updates by up to 0.4% of the largest, so a missing or doubled
  // decay fails.
  it.each([
    { name: 'Keras defaults', options: {}, p: { learningRate: 0.001, weightDecay: 0.004, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } },
    { name: 'lr 0.01, weightDecay 0.05, beta2 0.99', options: { learningRate: 0.01, weightDecay: 0.05, beta2: 0.99 }, p: { learningRate: 0.01, weightDecay: 0.05, beta1: 0.9, beta2: 0.99, epsilon: 1e-7 } },
  ])('$name: every update of three steps', ({ options, p }) => {
    const initial = randomValues();
    const weights = weightsOf(initial);
    const opt = optimizers.adamw(options);
    built(opt, weights);
    let w64: Float64Array[] = initial.map((v) => Float64Array.from(v));
    let slots = initial.map((v) => ({ m: new Float64Array(v.length), v: new Float64Array(v.length) }));
    for (let s = 1; s <= 3; s++) {
      const grads = randomGrads(1, 0.1);
      const before = weights.map((w) => w.value.toArray());
      step(opt, weights, grads);
      const next = w64.map((w, i) => ref.adamKeras(w, grads[i], slots[i], { ...p, step: s }));
      const wants = next.map((r, i) => Float64Array.from(r.w, (x, k) => x - w64[i][k]));
      const floor = Math.max(...wants.map(maxAbs));
      weights.forEach((w, i) => {
        const got = Float64Array.from(w.value.toArray(), (x, k) => x - before[i][k]);
        expectClose(`adamw step ${s} ${w.name} update`, got, wants[i], 2e-4, floor);
      });
      w64 = next.map((r) => r.w);
      slots = next.map((r) => ({ m: r.m, v: r.v }));
    }
  });
});

// ---- clipping ----------------------------------------------------------------------------

describe(`gradient clipping (${replay})`, () => {
  /** Gradients scaled so that tensor 0 is within norm 1 and the others beyond it. */
  const gradsOfNorms = (): Float32Array[] => randomGrads().map((g, i) => g.map((x) => x * (i === 0 ? 0.1 : 3)));

  /** Runs one SGD step (lr 0.5) with `options`; returns the grads after clipping (in place) and checks the weights moved by −lr·clipped. */
  function clippedBy(options: Record<string, number>, grads: Float32Array[]): Float32Array[] {
    const initial = randomValues();
    const weights = weightsOf(initial);
    const opt = optimizers.sgd({ learningRate: 0.5, ...options });
    built(opt, weights);
    step(opt, weights, grads);
    return weights.map((w, i) => {
      const clipped = w.grad.toArray();
      expectClose(`${w.name} moved by the clipped gradient`, w.value.toArray(), Float64Array.from(initial[i], (x, k) => x - 0.5 * clipped[k]), 1e-6, 1);
      return clipped;
    });
  }

  it('clipnorm: each tensor to norm c (Keras g·c/max(‖g‖, c)); a tensor within c keeps its bits', () => {
    const grads = gradsOfNorms();
    const clipped = clippedBy({ clipnorm: 1 }, grads);
    expect(clipped[0]).toEqual(grads[0]);
    grads.forEach((g, i) => {
      expectClose(`clipnorm tensor ${i}`, clipped[i], ref.clipByNorm(g, 1), 1e-6, 1e-3);
      const theirs = tf.tidy(() => {
        const t = tf.tensor(g);
        return t.mul(1).div(tf.maximum(tf.norm(t), 1)).dataSync();
      });
      expectClose(`clipnorm tensor ${i} vs TF.js ops`, clipped[i], theirs, 1e-5, 1e-3);
    });
  });

  it('globalClipnorm: all tensors together (Keras g·c·min(1/‖G‖, 1/c))', () => {
    const grads = gradsOfNorms();
    const clipped = clippedBy({ globalClipnorm: 2 }, grads);
    const want = ref.clipByGlobalNorm(grads, 2);
    const theirs = tf.tidy(() => {
      const ts = grads.map((g) => tf.tensor(g));
      const norm = tf.sqrt(tf.addN(ts.map((t) => tf.sum(tf.square(t)))));
      const scale = tf.minimum(tf.div(1, norm), 1 / 2).mul(2);
      return ts.map((t) => t.mul(scale).dataSync());
    });
    grads.forEach((_, i) => {
      expectClose(`globalClipnorm tensor ${i}`, clipped[i], want[i], 1e-6, 1e-3);
      expectClose(`globalClipnorm tensor ${i} vs TF.js ops`, clipped[i], theirs[i], 1e-5, 1e-3);
    });
    // Within the norm, nothing changes.
    const small = grads.map((g) => g.map((x) => x * 1e-3));
    expect(clippedBy({ globalClipnorm: 2 }, small)).toEqual(small);
  });

  it('clipvalue: every element to [−c, c] (tf.clipByValue)', () => {
    const grads = gradsOfNorms();
    const clipped = clippedBy({ clipvalue: 0.25 }, grads);
    grads.forEach((g, i) => {
      expect(Array.from(clipped[i])).toEqual(Array.from(ref.clipByValue(g, 0.25), Math.fround));
      expect(clipped[i]).toEqual(tf.tidy(() => tf.clipByValue(tf.tensor(g), -0.25, 0.25).dataSync()));
    });
  });

  it('a non-finite gradient: clipnorm spoils only its tensor, globalClipnorm every tensor (as in Keras); the step is refused', () => {
    const grads = gradsOfNorms();
    grads[1][2] = Infinity;
    /** The clipped grads of a refused step: no weight, slot or iteration changed. */
    const refused = (options: Record<string, number>) => {
      const initial = randomValues();
      const weights = weightsOf(initial);
      const opt = optimizers.sgd({ learningRate: 0.5, momentum: 0.5, ...options });
      built(opt, weights);
      const error = thrown(() => step(opt, weights, grads));
      expect(error).toBeInstanceOf(ModelStateError);
      expect(error.message).toMatch(/^SGD: step 1 refused: the gradient of '.*\/w\d' is NaN at index \d+; no weight was changed/);
      weights.forEach((w, i) => expect(w.value.toArray()).toEqual(initial[i]));
      expect(opt.iterations).toBe(0);
      expect(opt.getState().slice(1).every((e) => e.data.every((x) => x === 0))).toBe(true);
      return weights.map((w) => w.grad.toArray());
    };
    const perTensor = refused({ clipnorm: 1 });
    expect(perTensor[0]).toEqual(grads[0]);
    expect(Number.isNaN(perTensor[1][2])).toBe(true);
    expect(perTensor[2].every(Number.isFinite)).toBe(true);
    expect(refused({ globalClipnorm: 1 }).every((g) => g.every(Number.isNaN))).toBe(true);
  });

  it('an update that overflows is a ModelStateError naming the weight', () => {
    const weights = weightsOf(randomValues().map((v) => v.fill(1e30)));
    const opt = optimizers.sgd({ learningRate: 1e30 });
    built(opt, weights);
    const grads = randomGrads(1, 0.5).map((g) => g.map(Math.abs).fill(1e10, 0, 1));
    const error = thrown(() => step(opt, weights, grads));
    expect(error).toBeInstanceOf(ModelStateError);
    expect((error as ModelStateError).argument).toBe(weights[0].name);
    expect(error.message).toBe(`SGD: step 1 left weight '${weights[0].name}' -Infinity at index 0: the update overflowed (learning rate 1e+30); restore the weights from a checkpoint and lower the learning rate`);
  });

  it('at most one of clipnorm, clipvalue and globalClipnorm', () => {
    expect(() => optimizers.adam({ clipnorm: 1, clipvalue: 0.5 })).toThrow(new ModelConfigError('adam', 'clipvalue', 'only one of clipnorm, clipvalue and globalClipnorm can be set, got clipnorm=1, clipvalue=0.5'));
    expect(() => optimizers.sgd({ clipvalue: 0 })).toThrow(/sgd: clipvalue must be a finite number > 0, got 0/);
  });
});

// ---- schedules ---------------------------------------------------------------------------

describe(`learning-rate schedules (${replay})`, () => {
  it('exponentialDecay: lr0·rate^(step/decaySteps), staircase floors the exponent', () => {
    for (const staircase of [false, true]) {
      const o = { initialLearningRate: 0.1, decaySteps: 7, decayRate: 0.96, staircase };
      const schedule = exponentialDecay(o);
      for (const s of [0, 1, 6, 7, 8, 13, 14, 100, 12345]) expect(Math.abs(schedule.at(s) / ref.exponentialDecay(s, o) - 1), `step ${s}`).toBeLessThan(1e-15);
    }
    expect(exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }).at(19)).toBe(0.05);
  });

  it('piecewiseConstantDecay: each range closed on the right', () => {
    const o = { boundaries: [3, 10], values: [1, 0.5, 0.1] };
    const schedule = piecewiseConstantDecay(o);
    for (let s = 0; s < 14; s++) expect(schedule.at(s), `step ${s}`).toBe(ref.piecewiseConstantDecay(s, o));
    expect([3, 4, 10, 11].map((s) => schedule.at(s))).toEqual([1, 0.5, 0.5, 0.1]);
  });

  it('an optimizer evaluates its schedule at iterations before each step', () => {
    const o = { initialLearningRate: 0.05, decaySteps: 2, decayRate: 0.3 };
    const initial = randomValues();
    const weights = weightsOf(initial);
    const opt = optimizers.sgd({ learningRate: exponentialDecay(o), momentum: 0.9 });
    built(opt, weights);
    let w64: Float64Array[] = initial.map((v) => Float64Array.from(v));
    let velocity = initial.map((v) => new Float64Array(v.length));
    for (let s = 0; s < 4; s++) {
      expect(opt.learningRate).toBe(exponentialDecay(o).at(s));
      const grads = randomGrads();
      step(opt, weights, grads);
      // Keras keeps the rate in the velocity, so each step's gradient is weighed by its own rate.
      const next = w64.map((w, i) => ref.sgd(w, grads[i], velocity[i], { learningRate: ref.exponentialDecay(s, o), momentum: 0.9 }));
      w64 = next.map((r) => r.w);
      velocity = next.map((r) => r.velocity);
      weights.forEach((w, i) => expectClose(`step ${s + 1} ${w.name}`, w.value.toArray(), w64[i], 1e-5, FLOOR));
    }
    expect(() => {
      opt.learningRate = 0.1;
    }).toThrow(ModelStateError);
  });

  it('saved as {class_name, config} and read back by optimizerFrom', () => {
    const schedule = piecewiseConstantDecay({ boundaries: [100], values: [0.01, 0.001] });
    expect(schedule.toJSON()).toEqual({ class_name: 'PiecewiseConstantDecay', config: { boundaries: [100], values: [0.01, 0.001], name: 'PiecewiseConstant' } });
    const opt = optimizers.rmsprop({ learningRate: schedule });
    const config = opt.getConfig();
    expect(config.learning_rate).toEqual(schedule.toJSON());
    const again = optimizerFrom({ class_name: 'RMSprop', config });
    expect(again.getConfig()).toEqual(config);
    expect(again.learningRate).toBe(0.01);
    // Keras 3's serialised form carries module and registered_name too.
    const keras = { module: 'keras.optimizers.schedules', class_name: 'ExponentialDecay', config: { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.9, staircase: false, name: 'ExponentialDecay' }, registered_name: null };
    expect(optimizerFrom({ class_name: 'Adam', config: { learning_rate: keras } }).learningRate).toBe(0.1);
  });

  it('bad options', () => {
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9 })).toThrow(new ModelConfigError('exponentialDecay', 'decaySteps', 'decaySteps must be a finite number > 0, got 0'));
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decay_rate: 0.9 } as never)).toThrow(/exponentialDecay: decay_rate is not a known option \(did you mean 'decayRate'\?\)/);
    expect(() => piecewiseConstantDecay({ boundaries: [5, 5], values: [1, 2, 3] })).toThrow(/piecewiseConstantDecay: boundaries\[1\] must increase strictly, got 5 then 5/);
    expect(() => piecewiseConstantDecay({ boundaries: [5], values: [1] })).toThrow(/values must have one more element than boundaries \(2\), got 1/);
    expect(() => piecewiseConstantDecay({ boundaries: [5], values: [1, -1] })).toThrow(/values\[1\] must be a finite number > 0, got -1/);
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }).at(-1)).toThrow(/at\(step\) needs an integer >= 0, got -1/);
    expect(() => optimizerFrom({ class_name: 'Adam', config: { learning_rate: { class_name: 'CosineDecay', config: {} } } }, 'optimizer', 'loadModel')).toThrow(
      /loadModel: optimizer.config.learningRate.class_name must be one of 'ExponentialDecay', 'PiecewiseConstantDecay', got "CosineDecay"/,
    );
  });
});

// ---- state -------------------------------------------------------------------------------

describe(`getState / setState (${replay})`, () => {
  const CONFIGS: [string, () => Optimizer][] = [
    ['sgd nesterov', () => optimizers.sgd({ momentum: 0.9, nesterov: true })],
    ['rmsprop centered momentum', () => optimizers.rmsprop({ centered: true, momentum: 0.5 })],
    ['adam amsgrad, clipnorm', () => optimizers.adam({ amsgrad: true, clipnorm: 1 })],
    ['adamw with a schedule', () => optimizers.adamw({ learningRate: exponentialDecay({ initialLearningRate: 0.01, decaySteps: 2, decayRate: 0.5 }) })],
    ['adagrad', () => optimizers.adagrad()],
  ];

  it.each(CONFIGS)('%s: restored state continues with the same bits', (_, make) => {
    const weights = weightsOf(randomValues());
    const grads = [0, 1, 2, 3, 4].map(() => randomGrads());
    const a = make();
    built(a, weights);
    for (const g of grads.slice(0, 3)) step(a, weights, g);
    const saved = a.getState();
    const copies = weightsOf(weights.map((w) => w.value.toArray()));
    const b = make();
    built(b, copies);
    b.setState(saved.map((e) => ({ ...e, name: e.name.replace(weights[0].name.split('/')[0], copies[0].name.split('/')[0]) })));
    expect(b.iterations).toBe(3);
    for (const g of grads.slice(3)) {
      step(a, weights, g);
      step(b, copies, g);
    }
    weights.forEach((w, i) => expect(copies[i].value.toArray(), w.name).toEqual(w.value.toArray()));
    expect(b.getState().map((e) => e.data)).toEqual(a.getState().map((e) => e.data));
  });

  it('names: iteration first, then slot by slot (all m, then all v)', () => {
    const weights = weightsOf(randomValues([[2], [3]]), [[2], [3]]);
    const opt = optimizers.adam();
    built(opt, weights);
    expect(opt.getState().map((e) => [e.name, e.shape])).toEqual([
      ['iteration', []],
      [`${weights[0].name}/m`, [2]],
      [`${weights[1].name}/m`, [3]],
      [`${weights[0].name}/v`, [2]],
      [`${weights[1].name}/v`, [3]],
    ]);
  });

  it('is checked whole first: on any error nothing changes', () => {
    const weights = weightsOf(randomValues());
    const opt = optimizers.adam();
    built(opt, weights);
    step(opt, weights, randomGrads());
    const good = opt.getState();
    const m0 = good[1].name;
    const bad: [string, (s: typeof good) => unknown, RegExp][] = [
      ['a misspelt name', (s) => s.map((e, i) => (i === 1 ? { ...e, name: `${m0}x` } : e)), new RegExp(`setState: state\\[1\\] is named "${m0}x", which is not part of this Adam optimizer's state \\(did you mean '${m0}'\\?\\)`)],
      ['a missing entry', (s) => s.slice(0, -1), /setState: the optimizer state lacks 1 of 9 entries: '.*\/w3\/v'/],
      ['a wrong shape', (s) => s.map((e, i) => (i === 1 ? { ...e, shape: [4, 3] } : e)), /optimizer state '.*\/w0\/m' must have shape \[3, 4\], got \[4, 3\]/],
      ['a non-finite value', (s) => s.map((e, i) => (i === 5 ? { ...e, data: Float32Array.from(e.data, (x, k) => (k === 2 ? NaN : x)) } : e)), /optimizer state '.*\/w0\/v' has a non-finite value at index 2: NaN/],
      ['a fractional iteration', (s) => [{ ...s[0], data: [2.5] }, ...s.slice(1)], /optimizer state 'iteration' must be an integer in \[0, 16777216\], got 2.5/],
      ['a duplicate', (s) => [...s, s[1]], /'.*\/w0\/m' appears twice/],
    ];
    const zeroed = good.map((e) => ({ ...e, data: new Float32Array(e.data.length) }));
    for (const [what, corrupt, message] of bad) {
      const attempt = corrupt(zeroed) as Parameters<Optimizer['setState']>[0];
      expect(() => opt.setState(attempt), what).toThrow(message);
      expect(() => opt.setState(attempt, 'loadModel'), what).toThrow(ModelLoadError);
      expect(opt.getState(), what).toEqual(good);
    }
  });

  it('is checked by meaning: sums of squares cannot be negative, a centered mean gradient cannot exceed its RMS', () => {
    const cases: [string, () => Optimizer, string, number][] = [
      ['adam v', () => optimizers.adam(), 'v', -1e-3],
      ['adam amsgrad vhat', () => optimizers.adam({ amsgrad: true }), 'vhat', -2],
      ['adamw v', () => optimizers.adamw(), 'v', -1e-30],
      ['rmsprop rms', () => optimizers.rmsprop(), 'rms', -0.5],
      ['rmsprop with momentum rms', () => optimizers.rmsprop({ momentum: 0.9 }), 'rms', -0.5],
      ['adagrad accumulator', () => optimizers.adagrad(), 'accumulator', -0.1],
    ];
    for (const [what, make, slot, bad] of cases) {
      const weights = weightsOf(randomValues());
      const opt = make();
      built(opt, weights);
      step(opt, weights, randomGrads());
      const good = opt.getState();
      const at = good.findIndex((e) => e.name === `${weights[2].name}/${slot}`);
      const corrupt = good.map((e, i) => (i === at ? { ...e, data: Float32Array.from(e.data, (x, k) => (k === 0 ? bad : x)) } : e));
      const error = thrown(() => opt.setState(corrupt, 'loadModel'));
      expect(error, what).toBeInstanceOf(ModelLoadError);
      expect((error as ModelLoadError).argument, what).toBe(weights[2].name);
      expect(error.message, what).toBe(`loadModel: optimizer state of '${weights[2].name}': '${slot}' holds ${Math.fround(bad)} at index 0; it is a sum of squares and cannot be negative`);
      expect(opt.getState(), what).toEqual(good);
      // The state that training produced loads, and the next step keeps every weight finite.
      opt.setState(good);
      step(opt, weights, randomGrads());
      expect(weights.every((w) => w.value.toArray().every(Number.isFinite)), what).toBe(true);
    }
    const weights = weightsOf(randomValues());
    const centered = optimizers.rmsprop({ centered: true });
    built(centered, weights);
    for (let i = 0; i < 3; i++) step(centered, weights, randomGrads());
    const good = centered.getState();
    centered.setState(good);
    const mg = good.findIndex((e) => e.name === `${weights[0].name}/mg`);
    const corrupt = good.map((e, i) => (i === mg ? { ...e, data: Float32Array.from(e.data, (x, k) => (k === 1 ? 10 : x)) } : e));
    expect(() => centered.setState(corrupt)).toThrow(new RegExp(`setState: optimizer state of '${weights[0].name}': 'mg' holds 10 at index 1, whose square exceeds 'rms'`));
  });

  it('before build', () => {
    expect(() => optimizers.sgd().setState([])).toThrow(new ModelStateError('SGD', 'setState', "setState() needs the optimizer built for the model's weights; call build(weights) first"));
    expect(() => optimizers.adam().apply([])).toThrow(/adam: apply\(\) needs the optimizer built/);
  });
});

// ---- life cycle, configs and errors ------------------------------------------------------

describe(`optimizer life cycle and configs (${replay})`, () => {
  it('build once per weights; non-trainable weights are left alone; dispose frees the slots', () => {
    const values = randomValues();
    const weights = weightsOf(values, SHAPES, [true, false, true, true]);
    const others = weightsOf(values);
    const before = arena().bytesInUse;
    const opt = optimizers.rmsprop({ momentum: 0.5 });
    opt.build(weights);
    const withSlots = arena().bytesInUse;
    expect(withSlots).toBeGreaterThan(before);
    opt.build([...weights]);
    expect(arena().bytesInUse).toBe(withSlots);
    expect(() => opt.build(weights.slice(1))).toThrow(/rmsprop: build\(\) got other trainable weights \(2\) than the optimizer was built for \(3\)/);
    expect(() => opt.apply(others)).toThrow(ModelStateError);
    step(opt, weights, randomGrads());
    expect(weights[1].value.toArray()).toEqual(values[1]);
    const names = opt.getState().map((e) => e.name);
    expect(names).toEqual(['iteration', ...['rms', 'momentum'].flatMap((slot) => [0, 2, 3].map((i) => `${weights[i].name}/${slot}`))]);
    opt.dispose();
    expect(arena().bytesInUse).toBe(before);
    expect(opt.iterations).toBe(0);
    opt.build(weights);
    expect(opt.getState()[0].data[0]).toBe(0);
    opt.dispose();
  });

  it('the learning rate can be set (reduceLROnPlateau) and is used from the next step', () => {
    const values = randomValues();
    const weights = weightsOf(values);
    const opt = optimizers.sgd();
    built(opt, weights);
    expect(opt.learningRate).toBe(0.01);
    opt.learningRate = 0.25;
    const grads = randomGrads();
    step(opt, weights, grads);
    weights.forEach((w, i) => expect(w.value.toArray()).toEqual(Float32Array.from(values[i], (x, k) => x - Math.fround(0.25) * grads[i][k])));
    expect(opt.getConfig().learning_rate).toBe(0.25);
    expect(() => {
      opt.learningRate = 0;
    }).toThrow(new ModelConfigError('SGD', 'learningRate', 'learningRate must be a finite number > 0, got 0'));
  });

  it('Keras 3 defaults in getConfig', () => {
    const base = { weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: null };
    expect(optimizers.sgd().getConfig()).toEqual({ name: 'SGD', learning_rate: 0.01, ...base, momentum: 0, nesterov: false });
    expect(optimizers.rmsprop().getConfig()).toEqual({ name: 'rmsprop', learning_rate: 0.001, ...base, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
    expect(optimizers.adam().getConfig()).toEqual({ name: 'adam', learning_rate: 0.001, ...base, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false });
    expect(optimizers.adamw().getConfig()).toEqual({ name: 'adamw', learning_rate: 0.001, ...base, weight_decay: 0.004, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false });
    expect(optimizers.adagrad().getConfig()).toEqual({ name: 'adagrad', learning_rate: 0.001, ...base, initial_accumulator_value: 0.1, epsilon: 1e-7 });
    expect(['sgd', 'rmsprop', 'adam', 'adamw', 'adagrad'].map((n) => optimizerFrom(n).className)).toEqual(['SGD', 'RMSprop', 'Adam', 'AdamW', 'Adagrad']);
  });

  it('optimizerFrom: names in any case, optimizers passed through, saved configs (Keras and TF.js)', () => {
    expect(optimizerFrom('Adam')).toBeInstanceOf(Adam);
    expect(optimizerFrom('RMSprop').className).toBe('RMSprop');
    const opt = optimizers.adam({ learningRate: 0.02, beta1: 0.5, amsgrad: true, globalClipnorm: 3, weightDecay: 0.01 });
    expect(optimizerFrom(opt)).toBe(opt);
    expect(optimizerFrom({ class_name: opt.className, config: opt.getConfig() }).getConfig()).toEqual(opt.getConfig());
    // TF.js's saved optimizer configs
    expect(optimizerFrom({ class_name: 'RMSProp', config: { learningRate: 0.01, decay: 0.8, momentum: 0.1, epsilon: 1e-6, centered: false } }).getConfig()).toMatchObject({ learning_rate: 0.01, rho: 0.8, momentum: 0.1, epsilon: 1e-6 });
    expect(optimizerFrom({ class_name: 'Momentum', config: { learningRate: 0.1, momentum: 0.9, useNesterov: true } }).getConfig()).toMatchObject({ name: 'SGD', learning_rate: 0.1, momentum: 0.9, nesterov: true });
    expect(optimizerFrom({ class_name: 'Adam', config: { learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 1e-6 } }).getConfig()).toMatchObject({ beta_1: 0.8, beta_2: 0.9 });
  });

  it('errors name the option, the expected and the actual value, with hints', () => {
    const cases: [() => unknown, ModelConfigError | RegExp][] = [
      [() => optimizerFrom('adma'), /compile: optimizer "adma" is not a known optimizer \(did you mean 'adam'\?\); expected 'sgd', 'rmsprop', 'adam', 'adamw', 'adagrad', an optimizer from optimizers, or a saved \{ class_name, config \}/],
      [() => optimizerFrom(42), /compile: optimizer must be 'sgd'.*got 42/],
      [() => optimizers.adam({ learningrate: 0.1 } as never), new ModelConfigError('adam', 'learningrate', "learningrate is not a known option (did you mean 'learningRate'?)")],
      [() => optimizers.adam({ beta1: 1 }), new ModelConfigError('adam', 'beta1', 'beta1 must be a number in [0, 1), got 1')],
      [() => optimizers.rmsprop({ epsilon: 0 }), new ModelConfigError('rmsprop', 'epsilon', 'epsilon must be a finite number > 0, got 0')],
      [() => optimizers.sgd({ learningRate: -1 }), /sgd: learningRate must be a finite number > 0, got -1/],
      [() => optimizers.sgd({ momentum: 1.5 }), /sgd: momentum must be a number in \[0, 1\], got 1.5/],
      [() => optimizers.adagrad({ initialAccumulatorValue: -0.1 }), /adagrad: initialAccumulatorValue must be a finite number >= 0, got -0.1/],
      [() => optimizers.adamw({ weightDecay: null as unknown as number }), /adamw: weightDecay must be a finite number >= 0, got null/],
      [() => optimizers.adam('fast' as never), /adam: options must be an object, got "fast"/],
      [() => optimizers.adam(-0.01), /adam: learningRate must be a finite number > 0, got -0.01/],
      [() => optimizers.rmsprop(0.01, 1), /rmsprop: rho must be a number in \[0, 1\), got 1/],
      [() => (optimizers.adam as (...args: unknown[]) => unknown)(0.01, 0.9, 0.999, 1e-7, true), new ModelConfigError('adam', 'options', 'adam() takes at most 4 positional arguments (learningRate, beta1, beta2, epsilon), got 5')],
      [() => (optimizers.sgd as (...args: unknown[]) => unknown)({ learningRate: 0.1 }, 0.9), new ModelConfigError('sgd', 'options', 'sgd() takes an options object or positional numbers (learningRate, momentum, nesterov), not both')],
      [() => optimizerFrom({ class_name: 'Adamax', config: {} }, 'optimizer', 'loadModel'), /loadModel: optimizer.class_name "Adamax" is not a known optimizer \(did you mean 'Adam'\?\)/],
      [() => optimizerFrom({ class_name: 'Adam', config: { beta_1: 2 } }, 'optimizer', 'loadModel'), new ModelConfigError('loadModel', 'optimizer.config.beta1', 'optimizer.config.beta1 must be a number in [0, 1), got 2')],
      [() => optimizerFrom({ class_name: 'Adam', config: { use_ema: true } }), /compile: optimizer.config.use_ema is not supported by seqwasm optimizers, got true/],
      [() => optimizerFrom({ class_name: 'SGD', config: { momentun: 0.9 } }), /optimizer.config.momentun is not a known option \(did you mean 'momentum'\?\)/],
    ];
    for (const [run, expected] of cases) {
      expect(run).toThrow(expected);
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(ModelConfigError);
      }
    }
  });
});
