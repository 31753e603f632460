// Loss weights (Keras sample_weight and class_weight): the weighted kernels against a float64
// reference written from Keras 3 (each row's loss times its weight, summed over the valid rows
// and divided by their count, 'sum_over_batch_size' after apply_mask) with finite-difference
// gradients; fit/evaluate with sampleWeight and classWeight against that reference, and
// classWeight training against TF.js 4.22 (which has classWeight but not sampleWeight).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { layers, optimizers, sequential } from '../../src/index.js';
import * as k from '../../src/kernels/index.js';
import { ModelConfigError, ModelInputError } from '../../src/model/errors.js';
import { losses, type Loss } from '../../src/training/losses.js';
import * as ref from '../reference/losses.js';
import { worstRelative } from '../util/compare.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { regionsFreedAfterEach } from '../util/regions.js';
import { thrown } from '../util/thrown.js';

const seed = testSeed();
const random = rng(seed);
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;
const { region, poisoned } = regionsFreedAfterEach();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Keras 3: Σ over valid rows of weight·row loss, divided by the number of valid rows (0 when none). */
function weightedMean(row: ref.RowLoss, pred: ArrayLike<number>, target: ArrayLike<number>, weights: ArrayLike<number>, mask: ArrayLike<number>, width: number, sparse: boolean): number {
  let total = 0;
  let valid = 0;
  for (let r = 0; r < weights.length; r++) {
    if (mask[r] === 0) continue;
    valid++;
    total += weights[r] * row(ref.row(pred, r, width), sparse ? [target[r]] : ref.row(target, r, width));
  }
  return valid === 0 ? 0 : total / valid;
}

describe(`weighted losses (${replay})`, () => {
  const B = 3, T = 5, width = 4, rows = B * T, n = rows * width;
  const probabilities = uniform(random, n, 0.05, 0.95);
  const logits = uniform(random, n, -5, 5);
  const dense = Float32Array.from({ length: n }, () => (random() < 0.5 ? 0 : 1));
  const ids = Float32Array.from({ length: rows }, () => Math.floor(random() * width));
  // Zero, fractional and large weights; post-padded lengths 5, 3 and 1.
  const weights = Float32Array.from({ length: rows }, (_, i) => (i % 4 === 0 ? 0 : Math.fround(random() * 3)));
  const mask = Float32Array.from({ length: rows }, (_, i) => (i % T < [5, 3, 1][Math.floor(i / T)] ? 1 : 0));
  const cases: [Loss, boolean, Float32Array, Float32Array, ref.RowLoss][] = [
    [losses.meanSquaredError(), false, logits, dense, ref.rowLosses.meanSquaredError],
    [losses.meanAbsoluteError(), false, logits, dense, ref.rowLosses.meanAbsoluteError],
    [losses.huber({ delta: 0.7 }), false, logits, dense, ref.rowLosses.huber(Math.fround(0.7))],
    [losses.binaryCrossentropy(), false, probabilities, dense, ref.rowLosses.binaryCrossentropy(false)],
    [losses.binaryCrossentropy(), true, probabilities, dense, ref.rowLosses.binaryCrossentropy(false)],
    [losses.binaryCrossentropy({ fromLogits: true }), false, logits, dense, ref.rowLosses.binaryCrossentropy(true)],
    [losses.categoricalCrossentropy(), false, probabilities, dense, ref.rowLosses.categoricalCrossentropy(false)],
    [losses.categoricalCrossentropy(), true, probabilities, dense, ref.rowLosses.categoricalCrossentropy(false)],
    [losses.categoricalCrossentropy({ fromLogits: true }), false, logits, dense, ref.rowLosses.categoricalCrossentropy(true)],
    [losses.sparseCategoricalCrossentropy(), false, probabilities, ids, ref.rowLosses.sparseCategoricalCrossentropy(false)],
    [losses.sparseCategoricalCrossentropy(), true, probabilities, ids, ref.rowLosses.sparseCategoricalCrossentropy(false)],
    [losses.sparseCategoricalCrossentropy({ fromLogits: true }), false, logits, ids, ref.rowLosses.sparseCategoricalCrossentropy(true)],
  ];

  it('loss and gradient match the float64 reference, with and without a mask, in every mode', () => {
    for (const [loss, fused, pred, target, row] of cases) {
      const sparse = loss.name === 'sparseCategoricalCrossentropy';
      for (const rowMask of [undefined, mask]) {
        const what = `${JSON.stringify(loss.toJSON())}${fused ? ' fused' : ''}${rowMask ? ' masked' : ''}`;
        const grad = poisoned(n);
        const value = loss.compute(region(pred), region(target), rows, width, grad, fused, rowMask && region(rowMask), region(weights));
        const expected = weightedMean(row, pred, target, weights, rowMask ?? new Float32Array(rows).fill(1), width, sparse);
        expect(Math.abs(value - expected), `${what}: ${value} vs reference ${expected}`).toBeLessThan(1e-6 * Math.max(1, expected));
        const g = grad.toArray().subarray(0, n);
        if (fused) {
          // The fused gradient is w.r.t. the logits: the unweighted one scaled row by row.
          const plain = poisoned(n);
          loss.compute(region(pred), region(target), rows, width, plain, true, rowMask && region(rowMask));
          const p = plain.toArray();
          const scaled = Array.from(g, (_, i) => p[i] * weights[Math.floor(i / width)]);
          const bad = worstRelative(g, scaled, 1e-6, 1e-6);
          if (bad) expect.fail(`${what}: gradient element ${bad.index} is ${bad.actual}, expected ${bad.expected}`);
          continue;
        }
        const m = rowMask ?? new Float32Array(rows).fill(1);
        const h = 1e-4;
        const at = Float64Array.from(pred);
        for (let i = 0; i < n; i++) {
          const saved = at[i];
          at[i] = saved + h;
          const up = weightedMean(row, at, target, weights, m, width, sparse);
          at[i] = saved - h;
          const down = weightedMean(row, at, target, weights, m, width, sparse);
          at[i] = saved;
          const numeric = (up - down) / (2 * h);
          // MAE's kink and the clip's edges are not differentiable; none of these points lies within h of one.
          expect(Math.abs(g[i] - numeric), `${what}: d/dpred[${i}] ${g[i]} vs finite difference ${numeric}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(numeric)));
        }
      }
    }
  });

  it('weights of 1 give the bits of the unweighted loss; zero weights give a zero gradient', () => {
    const ones = region(new Float32Array(rows).fill(1));
    const zeros = region(new Float32Array(rows));
    for (const [loss, fused, pred, target] of cases) {
      const what = `${JSON.stringify(loss.toJSON())}${fused ? ' fused' : ''}`;
      const plain = poisoned(n);
      const weighted = poisoned(n);
      expect(loss.compute(region(pred), region(target), rows, width, weighted, fused, region(mask), ones), what).toBe(loss.compute(region(pred), region(target), rows, width, plain, fused, region(mask)));
      expect(Array.from(weighted.toArray()), what).toEqual(Array.from(plain.toArray()));
      const none = poisoned(n);
      expect(loss.compute(region(pred), region(target), rows, width, none, fused, undefined, zeros), what).toBe(0);
      expect(Array.from(none.toArray().subarray(0, n)).every((v) => v === 0), what).toBe(true);
    }
  });

  it('bad weights are RangeErrors naming the element, before any gradient is written', () => {
    const grad = poisoned(n);
    for (const bad of [-1, NaN, Infinity]) {
      const w = new Float32Array(rows).fill(1);
      w[7] = bad;
      expect(() => k.meanSquaredError(region(logits), region(dense), rows, width, grad, undefined, region(w))).toThrow(`lossMeanSquaredError(weights): expected finite weights >= 0, got weights[7] = ${bad}`);
    }
    expect(() => k.meanSquaredError(region(logits), region(dense), rows, width, grad, undefined, region(new Float32Array(rows - 1)))).toThrow(/lossMeanSquaredError\(weights\): needs 15 floats but the region holds 14/);
    expect(Number.isNaN(grad.toArray()[0])).toBe(true);
  });
});

describe(`fit and evaluate with sampleWeight and classWeight (${replay})`, () => {
  const N = 7, T = 4, F = 3, C = 3;
  const x = { shape: [N, T, F], data: uniform(random, N * T * F) };
  const ids = Float32Array.from({ length: N }, (_, i) => i % C);
  const oneHot = { shape: [N, C], data: Float32Array.from({ length: N * C }, (_, i) => (ids[Math.floor(i / C)] === i % C ? 1 : 0)) };
  const model = () => sequential({ seed: 3, layers: [layers.simpleRNN({ units: 5, inputShape: [T, F] }), layers.dense({ units: C, activation: 'softmax' })] });

  /** The float64 weighted mean of the model's current per-sample crossentropy. */
  function reference(m: ReturnType<typeof model>, rowWeights: ArrayLike<number>): number {
    const p = m.predict(x).data;
    return weightedMean(ref.rowLosses.sparseCategoricalCrossentropy(false), p, ids, rowWeights, new Float32Array(N).fill(1), C, true);
  }

  it('evaluate: Σ w·loss / N, batch size free; classWeight weighs each row by its class', () => {
    const m = model();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const sampleWeight = Float32Array.from({ length: N }, () => Math.fround(random() * 2));
    const plain = m.evaluate(x, ids);
    const weighted = m.evaluate(x, ids, { sampleWeight, batchSize: 3 });
    expect(Math.abs(weighted.loss - reference(m, sampleWeight))).toBeLessThan(1e-6);
    expect(weighted.accuracy, 'metrics stay unweighted, as Keras compile metrics').toBe(plain.accuracy);
    const classWeight = { 0: 0.5, 2: 4 };
    const byClass = Float32Array.from(ids, (id) => (classWeight as Record<number, number>)[id] ?? 1);
    expect(Math.abs(m.evaluate(x, ids, { classWeight }).loss - reference(m, byClass))).toBeLessThan(1e-6);
    m.dispose();
  });

  it('fit: one full batch of SGD with sampleWeight lands where the weighted loss is lower, and differs from unweighted', async () => {
    const sampleWeight = Float32Array.from({ length: N }, (_, i) => (i === 0 ? 5 : 0.1));
    const a = model();
    const b = model();
    for (const m of [a, b]) m.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
    const before = reference(a, sampleWeight);
    const history = await a.fit(x, ids, { batchSize: N, shuffle: false, verbose: 0, sampleWeight });
    expect(Math.abs(history.history.loss[0] - before), 'the logged loss is the weighted loss before the step').toBeLessThan(1e-6);
    await b.fit(x, ids, { batchSize: N, shuffle: false, verbose: 0 });
    expect(reference(a, sampleWeight)).toBeLessThan(reference(b, sampleWeight));
    a.dispose();
    b.dispose();
  });

  it('validationData takes a third element: its sample weights', async () => {
    const m = model();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const w = Float32Array.from({ length: N }, () => Math.fround(random() * 2));
    const history = await m.fit(x, ids, { epochs: 1, verbose: 0, validationData: [x, ids, w] });
    expect(Math.abs(history.history.val_loss[0] - reference(m, w))).toBeLessThan(1e-6);
    m.dispose();
  });

  it('classWeight trains as TF.js 4.22 does (one-hot targets, fused softmax)', async () => {
    const ours = model();
    const theirs = tf.sequential({ layers: [tf.layers.simpleRNN({ units: 5, inputShape: [T, F] }), tf.layers.dense({ units: C, activation: 'softmax' })] });
    theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
    ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.3 }), loss: 'categoricalCrossentropy' });
    theirs.compile({ optimizer: tf.train.sgd(0.3), loss: 'categoricalCrossentropy' });
    const classWeight = { 0: 0.25, 1: 3, 2: 1.5 }; // TF.js needs every class listed
    for (let epoch = 0; epoch < 2; epoch++) {
      const history = await ours.fit(x, oneHot, { batchSize: N, shuffle: false, verbose: 0, classWeight });
      const theirHistory = await theirs.fit(tf.tensor(x.data, x.shape), tf.tensor(oneHot.data, oneHot.shape), { batchSize: N, shuffle: false, verbose: 0, classWeight });
      const theirLoss = theirHistory.history.loss[0] as number;
      expect(Math.abs(history.history.loss[0] - theirLoss) / Math.max(1, theirLoss), `loss at epoch ${epoch}`).toBeLessThan(1e-5);
      const expected = theirs.getWeights().map((w) => w.dataSync());
      ours.getWeights().forEach((w, i) => {
        const bad = worstRelative(w.data, expected[i], 1e-5, 1);
        if (bad) expect.fail(`epoch ${epoch}, weight ${i}: element ${bad.index} is ${bad.actual}, TF.js has ${bad.expected} (${replay})`);
      });
    }
    ours.dispose();
    theirs.dispose();
  });

  it('a per-step sampleWeight [N, T] weighs a sequence output step by step; [N] repeats over the steps', () => {
    const m = sequential({ seed: 5, layers: [layers.gru({ units: 4, inputShape: [T, F], returnSequences: true }), layers.dense({ units: 2 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const y = { shape: [N, T, 2], data: uniform(random, N * T * 2) };
    const perStep = Float32Array.from({ length: N * T }, () => Math.fround(random() * 2));
    const p = m.predict(x).data;
    const ones = new Float32Array(N * T).fill(1);
    expect(Math.abs(m.evaluate(x, y, { sampleWeight: { shape: [N, T], data: perStep } }).loss - weightedMean(ref.rowLosses.meanSquaredError, p, y.data, perStep, ones, 2, false))).toBeLessThan(1e-6);
    const perSample = Float32Array.from({ length: N }, () => Math.fround(random() * 2));
    const repeated = Float32Array.from({ length: N * T }, (_, r) => perSample[Math.floor(r / T)]);
    expect(Math.abs(m.evaluate(x, y, { sampleWeight: perSample }).loss - weightedMean(ref.rowLosses.meanSquaredError, p, y.data, repeated, ones, 2, false))).toBeLessThan(1e-6);
    m.dispose();
  });

  it('bad weights are typed errors naming the argument', async () => {
    const m = model();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const fitError = (options: object): Promise<unknown> => m.fit(x, ids, { verbose: 0, ...options }).then(() => expect.fail(`${JSON.stringify(options)} was accepted`), (error: unknown) => error);
    const cases: [object, typeof ModelConfigError | typeof ModelInputError, string, RegExp][] = [
      [{ sampleWeight: [1, 2] }, ModelInputError, 'sampleWeight', /sampleWeight must have shape \[7\] \(one weight per sample\), got \[2\]/],
      [{ sampleWeight: [1, 1, 1, -1, 1, 1, 1] }, ModelInputError, 'sampleWeight', /sampleWeight\[3\] is -1; weights must be >= 0/],
      [{ sampleWeight: [1, 1, 1, NaN, 1, 1, 1] }, ModelInputError, 'sampleWeight', /sampleWeight\[3\] is NaN/],
      [{ classWeight: [1, 2] }, ModelConfigError, 'classWeight', /classWeight must be an object of class index → weight/],
      [{ classWeight: { a: 1 } }, ModelConfigError, 'classWeight', /classWeight's keys must be class indices \(integers >= 0\), got 'a'/],
      [{ classWeight: { 1: -2 } }, ModelConfigError, 'classWeight', /classWeight\[1\] must be a finite number >= 0, got -2/],
      [{ classWeight: { 1: 2 }, sampleWeight: new Float32Array(N) }, ModelConfigError, 'classWeight', /give sampleWeight or classWeight, not both/],
      [{ validationData: [x, ids, [1]] }, ModelInputError, 'validationData[2]', /validationData\[2\] must have shape \[7\]/],
    ];
    for (const [options, type, argument, message] of cases) {
      const error = await fitError(options);
      expect(error, JSON.stringify(options)).toBeInstanceOf(type);
      expect((error as ModelConfigError).argument, JSON.stringify(options)).toBe(argument);
      expect((error as Error).message, JSON.stringify(options)).toMatch(message);
    }
    expect(thrown(() => m.evaluate(x, ids, { sampleWeight: [1] }))).toBeInstanceOf(ModelInputError);
    m.dispose();
  });
});
