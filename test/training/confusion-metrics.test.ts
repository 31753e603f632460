// precision, recall, auc, topKCategoricalAccuracy and sparseTopKCategoricalAccuracy: the
// plain functions and the compiled (epoch-stateful) metrics against a float64 reference
// written from the Keras 3 definitions (confusion_metrics.py: a threshold loop, the ROC
// trapezoids; TF's in_top_k for ties), on random data with ties and values exactly at the
// thresholds; precision and recall against tf.metrics on 0/1 predictions.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { layers, loadModel, metrics, sequential } from '../../src/index.js';
import { DataError } from '../../src/data/errors.js';
import { ModelConfigError } from '../../src/model/errors.js';
import { rng, testSeed, uniform } from '../util/random.js';

const seed = testSeed();
const random = rng(seed);
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// ---- the reference, from Keras's definitions ----------------------------------------------

/** tp, fp, tn, fn at float32 threshold t: prediction p > t positive, label nonzero positive. */
function confusion(y: ArrayLike<number>, p: ArrayLike<number>, t: number): [number, number, number, number] {
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let i = 0; i < p.length; i++) {
    const predicted = p[i] > t;
    if (y[i] !== 0) predicted ? tp++ : fn++;
    else predicted ? fp++ : tn++;
  }
  return [tp, fp, tn, fn];
}
const noNan = (a: number, b: number) => (b === 0 ? 0 : a / b);
const refPrecision = (y: ArrayLike<number>, p: ArrayLike<number>, t = 0.5) => { const [tp, fp] = confusion(y, p, Math.fround(t)); return noNan(tp, tp + fp); };
const refRecall = (y: ArrayLike<number>, p: ArrayLike<number>, t = 0.5) => { const [tp, , , fn] = confusion(y, p, Math.fround(t)); return noNan(tp, tp + fn); };
function refAuc(y: ArrayLike<number>, p: ArrayLike<number>, n = 200): number {
  // keras: thresholds = [(i + 1) / (n − 1) for i in range(n − 2)], with −ε and 1 + ε added, as float32.
  const thresholds = [-1e-7, ...Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1)), 1 + 1e-7].map(Math.fround);
  const tpr: number[] = [], fpr: number[] = [];
  for (const t of thresholds) {
    const [tp, fp, tn, fn] = confusion(y, p, t);
    tpr.push(noNan(tp, tp + fn));
    fpr.push(noNan(fp, fp + tn));
  }
  let area = 0;
  for (let i = 0; i < n - 1; i++) area += (fpr[i] - fpr[i + 1]) * ((tpr[i] + tpr[i + 1]) / 2);
  return area;
}
/** TF in_top_k: the target's score is >= the k-th largest score (ties at the boundary are in). */
function refTopK(scores: ArrayLike<number>, target: number, k: number): boolean {
  const sorted = Array.from(scores).sort((a, b) => b - a);
  return scores[target] >= sorted[Math.min(k, sorted.length) - 1];
}

/** Predictions with ties and values exactly on the AUC thresholds (multiples of 1/199) and on 0.5. */
function tiedPredictions(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const u = random();
    if (u < 0.3) return Math.fround(Math.floor(random() * 200) / 199);
    if (u < 0.4) return 0.5;
    if (u < 0.6) return Math.fround(Math.floor(random() * 5) / 4);
    return Math.fround(random());
  });
}

describe(`plain functions vs the Keras reference (${replay})`, () => {
  it('precision, recall and auc on random data with ties and values at the thresholds', () => {
    for (const n of [1, 3, 17, 129, 1000]) {
      const p = tiedPredictions(n);
      const y = Float32Array.from({ length: n }, () => (random() < 0.4 ? 1 : 0));
      expect(metrics.precision(y, p), `n ${n}`).toBe(refPrecision(y, p));
      expect(metrics.recall(y, p), `n ${n}`).toBe(refRecall(y, p));
      expect(metrics.precision(y, p, 0.25)).toBe(refPrecision(y, p, 0.25));
      expect(metrics.recall(y, p, 0.75)).toBe(refRecall(y, p, 0.75));
      for (const thresholds of [200, 2, 7]) expect(Math.abs(metrics.auc(y, p, thresholds) - refAuc(y, p, thresholds)), `n ${n}, ${thresholds} thresholds`).toBeLessThan(1e-12);
    }
    // Multi-label [N, L]: every value is one prediction, as Keras flattens.
    const p = tiedPredictions(40);
    const y = Float32Array.from({ length: 40 }, () => (random() < 0.5 ? 1 : 0));
    expect(metrics.precision({ shape: [10, 4], data: y }, { shape: [10, 4], data: p })).toBe(refPrecision(y, p));
    expect(metrics.auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 2);
    expect(metrics.precision([0, 0], [0.1, 0.2])).toBe(0); // divide_no_nan
  });

  it('top-k accuracies, ties at the k-th score counting as in', () => {
    for (const [rows, width] of [[1, 3], [17, 5], [129, 10]]) {
      for (const k of [1, 2, 5, 12]) {
        // Scores from a few values: many ties.
        const p = Float32Array.from({ length: rows * width }, () => Math.floor(random() * 4) / 4);
        const ids = Float32Array.from({ length: rows }, () => Math.floor(random() * width));
        const oneHot = Float32Array.from({ length: rows * width }, (_, i) => (ids[Math.floor(i / width)] === i % width ? 1 : 0));
        let hits = 0;
        for (let r = 0; r < rows; r++) if (refTopK(p.subarray(r * width, (r + 1) * width), ids[r], k)) hits++;
        const pred = { shape: [rows, width], data: p };
        expect(metrics.sparseTopKCategoricalAccuracy(ids, pred, k), `${rows}x${width} k ${k}`).toBe(hits / rows);
        expect(metrics.topKCategoricalAccuracy({ shape: [rows, width], data: oneHot }, pred, k), `${rows}x${width} k ${k}`).toBe(hits / rows);
      }
    }
    expect(metrics.topKCategoricalAccuracy([[0, 0, 1]], [[0.5, 0.3, 0.2]], 2)).toBe(0);
    expect(metrics.sparseTopKCategoricalAccuracy([2, 0], [[0.5, 0.3, 0.2], [0.6, 0.3, 0.1]], 2)).toBe(0.5);
  });

  it('precision and recall agree with tf.metrics on 0/1 predictions', () => {
    for (const n of [5, 64]) {
      const y = Float32Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
      const p = Float32Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
      const theirs = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => tf.tidy(() => f(tf.tensor(y, [n, 1]), tf.tensor(p, [n, 1])).dataSync()[0]);
      expect(metrics.precision({ shape: [n, 1], data: y }, { shape: [n, 1], data: p })).toBeCloseTo(theirs(tf.metrics.precision), 6);
      expect(metrics.recall({ shape: [n, 1], data: y }, { shape: [n, 1], data: p })).toBeCloseTo(theirs(tf.metrics.recall), 6);
    }
  });

  it('bad arguments are DataErrors naming them', () => {
    expect(() => metrics.precision([1, 0], [0.5])).toThrow(DataError);
    expect(() => metrics.auc([1, 0], [0.5, 0.1], 1)).toThrow(/numThresholds: expected an integer > 1, got 1/);
    expect(() => metrics.precision([1, 0], [0.5, 0.1], NaN)).toThrow(/threshold: expected a finite number, got NaN/);
    expect(() => metrics.sparseTopKCategoricalAccuracy([3], [[0.1, 0.9]], 1)).toThrow(/yTrue: expected class ids in \[0, 2\), element 0 is 3/);
    expect(() => metrics.topKCategoricalAccuracy([[1, 0]], [[0.1, 0.9]], 0)).toThrow(/k: expected an integer >= 1, got 0/);
  });
});

describe(`compiled metrics count over the whole epoch (${replay})`, () => {
  const N = 11, T = 3, F = 2, L = 3;
  const x = { shape: [N, T, F], data: uniform(random, N * T * F, -2, 2) };
  const y = { shape: [N, L], data: Float32Array.from({ length: N * L }, () => (random() < 0.4 ? 1 : 0)) };

  it("evaluate's precision/recall/auc over batches of 3 equal the reference on all the data at once; names as Keras", async () => {
    const model = sequential({ seed: 9, layers: [layers.gru({ units: 4, inputShape: [T, F] }), layers.dense({ units: L, activation: 'sigmoid' })] });
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['precision', 'Recall', 'AUC'] });
    const p = model.predict(x).data;
    const logs = model.evaluate(x, y, { batchSize: 3 });
    expect(Object.keys(logs)).toEqual(['loss', 'precision', 'recall', 'auc']);
    expect(logs.precision).toBe(refPrecision(y.data, p));
    expect(logs.recall).toBe(refRecall(y.data, p));
    expect(Math.abs(logs.auc - refAuc(y.data, p))).toBeLessThan(1e-12);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, validationData: [x, y] });
    expect(Object.keys(history.history)).toEqual(['loss', 'precision', 'recall', 'auc', 'val_loss', 'val_precision', 'val_recall', 'val_auc']);
    const after = model.predict(x).data;
    expect(history.history.val_precision[0]).toBe(refPrecision(y.data, after));
    expect(model.testOnBatch(x, y)).toEqual([model.evaluate(x, y, { batchSize: N }).loss, refPrecision(y.data, after), refRecall(y.data, after), expect.closeTo(refAuc(y.data, after), 12)]);
    // Saved under Keras's names, loaded back compiled with the same metrics.
    const loaded = await loadModel(model.save());
    expect(loaded.evaluate(x, y, { batchSize: 3 })).toEqual(model.evaluate(x, y, { batchSize: 3 }));
    loaded.dispose();
    model.dispose();
  });

  it('top-k metrics as compile() metrics, with saved Keras classes and their options', () => {
    const C = 7;
    const model = sequential({ seed: 4, layers: [layers.lstm({ units: 3, inputShape: [T, F] }), layers.dense({ units: C, activation: 'softmax' })] });
    const ids = Float32Array.from({ length: N }, () => Math.floor(random() * C));
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['sparseTopKCategoricalAccuracy', { class_name: 'SparseTopKCategoricalAccuracy', config: { name: 'top2', k: 2 } }] });
    const p = model.predict(x).data;
    const logs = model.evaluate(x, ids, { batchSize: 4 });
    const hits = (k: number) => ids.reduce((n, id, r) => n + (refTopK(p.subarray(r * C, (r + 1) * C), id, k) ? 1 : 0), 0);
    expect(logs).toEqual({ loss: expect.any(Number), sparse_top_k_categorical_accuracy: hits(5) / N, top2: hits(2) / N });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['top_k_categorical_accuracy'] });
    const oneHot = { shape: [N, C], data: Float32Array.from({ length: N * C }, (_, i) => (ids[Math.floor(i / C)] === i % C ? 1 : 0)) };
    expect(model.evaluate(x, oneHot).top_k_categorical_accuracy).toBe(hits(5) / N);
    expect(() => model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['sparseTopKCategoricalAccuracy'] })).toThrow(ModelConfigError);
    for (const config of [{ k: 0 }, { k: 1.5 }]) {
      expect(() => model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: [{ class_name: 'TopKCategoricalAccuracy', config }] })).toThrow(/metrics\[0\]\.config\.k must be an integer >= 1/);
    }
    expect(() => model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: [{ class_name: 'AUC', config: { curve: 'PR' } }] })).toThrow(/config\.curve must be 'ROC'/);
    expect(() => model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: [{ class_name: 'AUC', config: { num_thresholds: 1 } }] })).toThrow(/num_thresholds must be an integer > 1/);
    expect(() => model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: [{ class_name: 'Precision', config: { thresholds: 'x' } }] })).toThrow(/thresholds must be one finite number/);
    model.dispose();
  });
});
