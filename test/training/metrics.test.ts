// Metrics of src/training/metrics.ts: how 'accuracy' resolves by the loss (and width), names as
// asked, sums against the float64 reference, thresholds on logits, the saved form and errors.
import { describe, expect, it } from 'vitest';
import { ModelConfigError } from '../../src/model/errors.js';
import { type Loss, losses } from '../../src/training/losses.js';
import { type Metric, metricFrom } from '../../src/training/metrics.js';
import * as ref from '../reference/losses.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { regionsFreedAfterEach } from '../util/regions.js';
import { thrown } from '../util/thrown.js';

const seed = testSeed();
const random = rng(seed);
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;
const { region } = regionsFreedAfterEach();


/** Data on which the accuracies disagree with each other, so a wrong resolution shows. */
function data(rows: number, width: number) {
  // Values on a coarse grid: ties (first maximum wins) and values exactly at 0.5 and 0.
  const pred = Float32Array.from({ length: rows * width }, () => Math.floor(random() * 9) / 4 - 1);
  const dense = Float32Array.from({ length: rows * width }, () => (random() < 0.5 ? 0 : 1));
  const ids = Float32Array.from({ length: rows }, () => Math.floor(random() * width));
  return { pred, dense, ids };
}

const sumOf = (metric: Metric, pred: Float32Array, target: Float32Array, rows: number, width: number) => metric.sum(region(pred), region(target), rows, width);

describe(`metricFrom (${replay})`, () => {
  const rows = 33, width = 5;

  it("'accuracy' and 'acc' resolve by the loss like Keras, keeping the name asked for", () => {
    const { pred, dense, ids } = data(rows, width);
    // Target 1 wherever 0 < pred <= 0.5 (and at least once): a hit at threshold 0, a miss at
    // 0.5, so the two thresholds always give different sums (random targets could tie them).
    pred[0] = 0.25;
    pred.forEach((p, i) => p > 0 && p <= 0.5 && (dense[i] = 1));
    for (const name of ['accuracy', 'acc']) {
      const categorical = metricFrom(name, losses.categoricalCrossentropy());
      expect(categorical.name).toBe(name);
      expect(sumOf(categorical, pred, dense, rows, width)).toBe(ref.metricSums.categoricalAccuracy(pred, dense, rows, width));
      const sparse = metricFrom(name, losses.sparseCategoricalCrossentropy());
      expect(sumOf(sparse, pred, ids, rows, width)).toBe(ref.metricSums.sparseCategoricalAccuracy(pred, ids, rows, width));
      const binary = metricFrom(name, losses.binaryCrossentropy());
      expect(sumOf(binary, pred, dense, rows, width)).toBeCloseTo(ref.metricSums.binaryAccuracy(pred, dense, rows, width, 0.5), 12);
      // On logits the threshold is 0 (σ(z) > 0.5 ⇔ z > 0).
      const logits = metricFrom(name, losses.binaryCrossentropy({ fromLogits: true }));
      expect(sumOf(logits, pred, dense, rows, width)).toBeCloseTo(ref.metricSums.binaryAccuracy(pred, dense, rows, width, 0), 12);
      expect(ref.metricSums.binaryAccuracy(pred, dense, rows, width, 0)).not.toBeCloseTo(ref.metricSums.binaryAccuracy(pred, dense, rows, width, 0.5), 12);
      // Categorical CE from logits: argmax does not care.
      expect(sumOf(metricFrom(name, losses.categoricalCrossentropy({ fromLogits: true })), pred, dense, rows, width)).toBe(ref.metricSums.categoricalAccuracy(pred, dense, rows, width));
    }
  });

  it("'accuracy' with a loss that is not a cross-entropy: binary for one output, categorical for more", () => {
    for (const loss of [losses.meanSquaredError(), losses.meanAbsoluteError(), losses.huber()]) {
      const metric = metricFrom('accuracy', loss);
      const one = data(rows, 1);
      expect(sumOf(metric, one.pred, one.dense, rows, 1)).toBe(ref.metricSums.binaryAccuracy(one.pred, one.dense, rows, 1, 0.5));
      const many = data(rows, width);
      expect(sumOf(metric, many.pred, many.dense, rows, width)).toBe(ref.metricSums.categoricalAccuracy(many.pred, many.dense, rows, width));
    }
  });

  it('named metrics: every spelling gives its metric under the name asked for', () => {
    const { pred, dense, ids } = data(rows, width);
    const y = uniform(random, rows * width, -2, 2);
    const dense3: [string[], Loss, Float32Array, number][] = [
      [['categoricalAccuracy', 'categorical_accuracy', 'CategoricalAccuracy'], losses.meanSquaredError(), dense, ref.metricSums.categoricalAccuracy(pred, dense, rows, width)],
      [['binaryAccuracy', 'binary_accuracy', 'BinaryAccuracy'], losses.categoricalCrossentropy(), dense, ref.metricSums.binaryAccuracy(pred, dense, rows, width, 0.5)],
      [['mae', 'MAE', 'meanAbsoluteError', 'mean_absolute_error', 'MeanAbsoluteError'], losses.meanSquaredError(), y, ref.metricSums.meanAbsoluteError(pred, y, rows, width)],
      [['mse', 'MSE', 'meanSquaredError', 'mean_squared_error', 'MeanSquaredError'], losses.huber(), y, ref.metricSums.meanSquaredError(pred, y, rows, width)],
      [['sparseCategoricalAccuracy', 'sparse_categorical_accuracy', 'SparseCategoricalAccuracy'], losses.sparseCategoricalCrossentropy(), ids, ref.metricSums.sparseCategoricalAccuracy(pred, ids, rows, width)],
    ];
    for (const [names, loss, target, expected] of dense3) {
      for (const name of names) {
        const metric = metricFrom(name, loss);
        expect(metric.name).toBe(name);
        const value = sumOf(metric, pred, target, rows, width);
        expect(Math.abs(value - expected), `${name} (${replay})`).toBeLessThan(1e-9 * Math.max(1, expected));
      }
    }
  });

  it('a mask sums over the valid rows only (padded steps of a sequence output), for every metric', () => {
    const { pred, dense, ids } = data(rows, width);
    const y = uniform(random, rows * width, -2, 2);
    const mask = Float32Array.from({ length: rows }, () => (random() < 0.6 ? 1 : 0));
    mask[0] = 1;
    mask[1] = 0;
    const valid = mask.reduce((a, m) => a + m, 0);
    const keep = (a: Float32Array, w: number) => ref.validRows(a, mask, w);
    const cases: [string, Loss, Float32Array, (p: ArrayLike<number>, t: ArrayLike<number>) => number][] = [
      ['accuracy', losses.categoricalCrossentropy(), dense, (p, t) => ref.metricSums.categoricalAccuracy(p, t, valid, width)],
      ['accuracy', losses.sparseCategoricalCrossentropy(), ids, (p, t) => ref.metricSums.sparseCategoricalAccuracy(p, t, valid, width)],
      ['accuracy', losses.binaryCrossentropy(), dense, (p, t) => ref.metricSums.binaryAccuracy(p, t, valid, width, 0.5)],
      ['mae', losses.meanSquaredError(), y, (p, t) => ref.metricSums.meanAbsoluteError(p, t, valid, width)],
      ['mse', losses.huber(), y, (p, t) => ref.metricSums.meanSquaredError(p, t, valid, width)],
    ];
    for (const [name, loss, target, reference] of cases) {
      const metric = metricFrom(name, loss);
      const sparse = target === ids;
      const value = metric.sum(region(pred), region(target), rows, width, region(mask));
      const expected = reference(keep(pred, width), keep(target, sparse ? 1 : width));
      expect(Math.abs(value - expected), `${name} with ${loss.name} over ${valid} valid rows (${replay})`).toBeLessThan(1e-9 * Math.max(1, expected));
      expect(metric.sum(region(pred), region(target), rows, width, region(new Float32Array(rows))), name).toBe(0);
      expect(metric.sum(region(pred), region(target), rows, width, region(new Float32Array(rows).fill(1))), name).toBe(sumOf(metric, pred, target, rows, width));
    }
  });

  it('saved Keras metric classes: config.name becomes the name, BinaryAccuracy keeps its threshold', () => {
    const { pred, dense } = data(rows, width);
    const loss = losses.binaryCrossentropy();
    expect(metricFrom({ class_name: 'BinaryAccuracy' }, loss).name).toBe('binary_accuracy');
    expect(metricFrom({ class_name: 'MeanAbsoluteError', config: { name: 'mae', dtype: 'float32' } }, loss).name).toBe('mae');
    const custom = metricFrom({ module: 'keras.metrics', class_name: 'BinaryAccuracy', config: { name: 'acc_at_0', threshold: 0 } } as object, loss);
    expect(custom.name).toBe('acc_at_0');
    expect(sumOf(custom, pred, dense, rows, width)).toBeCloseTo(ref.metricSums.binaryAccuracy(pred, dense, rows, width, 0), 12);
    expect(metricFrom({ class_name: 'function', config: 'acc' }, loss).name).toBe('acc');
  });

  it('toJSON: Keras spellings of the name, or the saved class object', () => {
    const loss = losses.categoricalCrossentropy();
    const json = (spec: unknown) => JSON.parse(JSON.stringify(metricFrom(spec, loss)));
    expect(['accuracy', 'acc', 'categoricalAccuracy', 'binaryAccuracy', 'mae', 'MAE', 'meanSquaredError', 'mean_squared_error', 'CategoricalAccuracy'].map(json)).toEqual([
      'accuracy', 'acc', 'categorical_accuracy', 'binary_accuracy', 'mae', 'MAE', 'mean_squared_error', 'mean_squared_error', 'CategoricalAccuracy',
    ]);
    const saved = { class_name: 'MeanAbsoluteError', config: { name: 'l1' } };
    expect(json(saved)).toEqual(saved);
    // What toJSON gives reads back as the same metric.
    for (const spec of ['categoricalAccuracy', 'meanAbsoluteError', saved]) expect(metricFrom(json(spec), loss)).toBeTruthy();
  });

  it('unknown metrics: ModelConfigError from compile naming the argument, with a hint', () => {
    const loss = losses.categoricalCrossentropy();
    const typo = thrown(() => metricFrom('accuarcy', loss));
    expect(typo).toBeInstanceOf(ModelConfigError);
    expect(typo).toMatchObject({ owner: 'compile', argument: 'metrics' });
    expect(typo.message).toMatch(/^compile: metrics "accuarcy" is not a metric seqwasm has \(accuracy, categoricalAccuracy, sparseCategoricalAccuracy, binaryAccuracy, meanAbsoluteError, meanSquaredError, precision, recall, auc, topKCategoricalAccuracy, sparseTopKCategoricalAccuracy\); did you mean 'accuracy'\?$/);
    expect(thrown(() => metricFrom('categoricalAcuracy', loss, 'metrics[1]'))).toMatchObject({ argument: 'metrics[1]', message: expect.stringMatching(/^compile: metrics\[1\] "categoricalAcuracy" .*did you mean 'categoricalAccuracy'\?$/) });
    expect(thrown(() => metricFrom('f1Score', loss)).message).not.toMatch(/did you mean/);
    expect(thrown(() => metricFrom(3, loss)).message).toBe('compile: metrics must be a metric name (accuracy, categoricalAccuracy, sparseCategoricalAccuracy, binaryAccuracy, meanAbsoluteError, meanSquaredError, precision, recall, auc, topKCategoricalAccuracy, sparseTopKCategoricalAccuracy) or a {class_name, config} object, got 3');
    expect(thrown(() => metricFrom({ class_name: 'F1Score' }, loss)).message).toMatch(/^compile: metrics\.class_name "F1Score" is not a metric seqwasm has \(CategoricalAccuracy, /);
    expect(thrown(() => metricFrom({ class_name: 'MeanSquaredError', config: { threshold: 0.5 } }, loss)).message).toBe('compile: metrics.config.threshold is not an option of MeanSquaredError (name, dtype)');
    expect(thrown(() => metricFrom({ class_name: 'BinaryAccuracy', config: { threshold: 'high' } }, loss)).message).toBe('compile: metrics.config.threshold must be a finite number, got "high"');
  });

  it('a metric must take the same targets as the loss: class ids only with sparse CE', () => {
    for (const name of ['mae', 'categoricalAccuracy', 'binaryAccuracy']) {
      const error = thrown(() => metricFrom(name, losses.sparseCategoricalCrossentropy()));
      expect(error).toBeInstanceOf(ModelConfigError);
      expect(error.message).toBe(`compile: metrics: '${name}' compares predictions with targets of the output's shape, but sparseCategoricalCrossentropy takes class ids; use 'accuracy', 'sparseCategoricalAccuracy' or 'sparseTopKCategoricalAccuracy'`);
    }
    expect(thrown(() => metricFrom('sparse_categorical_accuracy', losses.categoricalCrossentropy())).message).toBe(
      "compile: metrics: 'sparse_categorical_accuracy' needs class-id targets, which only sparseCategoricalCrossentropy takes, but categoricalCrossentropy takes targets of the output's shape; use 'accuracy' or 'categoricalAccuracy'",
    );
  });
});
