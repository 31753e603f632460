// The Loss objects of src/training/losses.ts: factories and their options, the saved form
// (toJSON ↔ lossFrom, Keras names and classes), target shapes and checks, which activations
// fuse, and compute() against the kernels and the float64 reference on a sequence output.
import { describe, expect, it } from 'vitest';
import * as k from '../../src/kernels/index.js';
import { ModelConfigError, ModelInputError } from '../../src/model/errors.js';
import { Loss, lossFrom, losses, type LossName } from '../../src/training/losses.js';
import * as ref from '../reference/losses.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { regionsFreedAfterEach } from '../util/regions.js';
import { thrown } from '../util/thrown.js';

const seed = testSeed();
const random = rng(seed);
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;
const { region, poisoned } = regionsFreedAfterEach();

const NAMES: LossName[] = ['meanSquaredError', 'meanAbsoluteError', 'huber', 'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy'];


describe('factories and the saved form', () => {
  it('factories give the named loss with Keras defaults', () => {
    for (const name of NAMES) {
      const loss = losses[name]();
      expect(loss).toBeInstanceOf(Loss);
      expect(loss.name).toBe(name);
      expect(loss.fromLogits).toBe(false);
      expect(loss.delta).toBe(1);
    }
    expect(losses.huber({ delta: 0.5 }).delta).toBe(0.5);
    expect(losses.binaryCrossentropy({ fromLogits: true }).fromLogits).toBe(true);
    expect(losses.sparseCategoricalCrossentropy({}).fromLogits).toBe(false);
  });

  it('toJSON: the Keras function name for defaults, the Keras class otherwise', () => {
    expect(NAMES.map((name) => losses[name]().toJSON())).toEqual([
      'mean_squared_error', 'mean_absolute_error', 'huber', 'binary_crossentropy', 'categorical_crossentropy', 'sparse_categorical_crossentropy',
    ]);
    expect(losses.categoricalCrossentropy({ fromLogits: true }).toJSON()).toEqual({
      class_name: 'CategoricalCrossentropy',
      config: { name: 'categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: true, label_smoothing: 0, axis: -1 },
    });
    expect(losses.binaryCrossentropy({ fromLogits: true }).toJSON()).toEqual({
      class_name: 'BinaryCrossentropy',
      config: { name: 'binary_crossentropy', reduction: 'sum_over_batch_size', from_logits: true, label_smoothing: 0, axis: -1 },
    });
    expect(losses.sparseCategoricalCrossentropy({ fromLogits: true }).toJSON()).toEqual({
      class_name: 'SparseCategoricalCrossentropy',
      config: { name: 'sparse_categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: true, ignore_class: null },
    });
    expect(losses.huber({ delta: 2.5 }).toJSON()).toEqual({ class_name: 'Huber', config: { name: 'huber_loss', reduction: 'sum_over_batch_size', delta: 2.5 } });
  });

  it('lossFrom(toJSON()) round-trips through JSON', () => {
    const all = [
      ...NAMES.map((name) => losses[name]()),
      losses.huber({ delta: 0.25 }),
      losses.binaryCrossentropy({ fromLogits: true }),
      losses.categoricalCrossentropy({ fromLogits: true }),
      losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    ];
    for (const loss of all) {
      const back = lossFrom(JSON.parse(JSON.stringify(loss)));
      expect([back.name, back.fromLogits, back.delta]).toEqual([loss.name, loss.fromLogits, loss.delta]);
    }
  });

  it('lossFrom accepts the camelCase names, Keras function and class names, aliases, Keras 3 function objects and Loss objects', () => {
    const cases: [unknown, LossName][] = [
      ['meanSquaredError', 'meanSquaredError'], ['mse', 'meanSquaredError'], ['MSE', 'meanSquaredError'], ['mean_squared_error', 'meanSquaredError'], ['MeanSquaredError', 'meanSquaredError'],
      ['meanAbsoluteError', 'meanAbsoluteError'], ['mae', 'meanAbsoluteError'], ['MAE', 'meanAbsoluteError'], ['mean_absolute_error', 'meanAbsoluteError'], ['MeanAbsoluteError', 'meanAbsoluteError'],
      ['huber', 'huber'], ['huber_loss', 'huber'], ['Huber', 'huber'],
      ['binaryCrossentropy', 'binaryCrossentropy'], ['binary_crossentropy', 'binaryCrossentropy'], ['BinaryCrossentropy', 'binaryCrossentropy'],
      ['categoricalCrossentropy', 'categoricalCrossentropy'], ['categorical_crossentropy', 'categoricalCrossentropy'], ['CategoricalCrossentropy', 'categoricalCrossentropy'],
      ['sparseCategoricalCrossentropy', 'sparseCategoricalCrossentropy'], ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy'], ['SparseCategoricalCrossentropy', 'sparseCategoricalCrossentropy'],
      [{ module: 'keras.losses', class_name: 'function', config: 'mse', registered_name: 'mse' }, 'meanSquaredError'],
      [{ class_name: 'MeanAbsoluteError' }, 'meanAbsoluteError'],
      [{ class_name: 'MeanSquaredError', config: { name: 'mean_squared_error', reduction: 'auto', dtype: 'float32' } }, 'meanSquaredError'],
    ];
    for (const [spec, name] of cases) {
      const loss = lossFrom(spec);
      expect([loss.name, loss.fromLogits], JSON.stringify(spec)).toEqual([name, false]);
    }
    const given = losses.huber({ delta: 3 });
    expect(lossFrom(given)).toBe(given);
    const keras3 = lossFrom({ module: 'keras.losses', class_name: 'CategoricalCrossentropy', config: { name: 'categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: true, label_smoothing: 0.0, axis: -1, dtype: null }, registered_name: null });
    expect([keras3.name, keras3.fromLogits]).toEqual(['categoricalCrossentropy', true]);
  });

  it('unknown names: ModelConfigError from compile naming the argument, with a did-you-mean hint', () => {
    const typo = thrown(() => lossFrom('categorical_crossentrop'));
    expect(typo).toBeInstanceOf(ModelConfigError);
    expect(typo).toMatchObject({ owner: 'compile', argument: 'loss' });
    expect(typo.message).toBe(
      `compile: loss "categorical_crossentrop" is not a loss seqwasm has (${NAMES.join(', ')}); did you mean 'categorical_crossentropy'?`,
    );
    expect(thrown(() => lossFrom('sparseCategoricalCrossEntropy')).message).toMatch(/did you mean 'sparseCategoricalCrossentropy'\?$/);
    expect(thrown(() => lossFrom('kl_divergence', 'loss[0]'))).toMatchObject({ argument: 'loss[0]', message: expect.stringMatching(/^compile: loss\[0\] "kl_divergence" is not a loss seqwasm has/) });
    expect(thrown(() => lossFrom(42)).message).toBe(`compile: loss must be a loss name (${NAMES.join(', ')}), a {class_name, config} object or a Loss, got 42`);
    expect(thrown(() => lossFrom(undefined)).message).toMatch(/got undefined$/);
    expect(thrown(() => lossFrom({ class_name: 'CategoricalCrossEntropy' })).message).toMatch(
      /^compile: loss\.class_name "CategoricalCrossEntropy" is not a loss seqwasm has \(MeanSquaredError, .*\); did you mean 'CategoricalCrossentropy'\?$/,
    );
  });

  it('saved configs seqwasm cannot honour are refused, not ignored', () => {
    const bad: [unknown, RegExp][] = [
      [{ class_name: 'CategoricalCrossentropy', config: { label_smoothing: 0.1 } }, /loss\.config\.label_smoothing of CategoricalCrossentropy must be null or 0 in seqwasm, got 0\.1/],
      [{ class_name: 'MeanSquaredError', config: { reduction: 'sum' } }, /loss\.config\.reduction of MeanSquaredError must be null or "auto" or "sum_over_batch_size" in seqwasm, got "sum"/],
      [{ class_name: 'BinaryCrossentropy', config: { axis: 1 } }, /loss\.config\.axis of BinaryCrossentropy must be null or -1/],
      [{ class_name: 'SparseCategoricalCrossentropy', config: { ignore_class: 0 } }, /ignore_class/],
      [{ class_name: 'BinaryCrossentropy', config: { from_logit: true } }, /loss\.config\.from_logit is not an option of BinaryCrossentropy; did you mean 'from_logits'\?/],
      [{ class_name: 'MeanSquaredError', config: { from_logits: true } }, /loss\.config\.from_logits is not an option of MeanSquaredError$/],
      [{ class_name: 'CategoricalCrossentropy', config: { delta: 2 } }, /loss\.config\.delta is not an option of CategoricalCrossentropy$/],
      [{ class_name: 'CategoricalCrossentropy', config: { from_logits: 'yes' } }, /loss\.config\.from_logits must be a boolean, got "yes"/],
      [{ class_name: 'Huber', config: { delta: -1 } }, /delta must be a finite number > 0, got -1/],
      [{ class_name: 'Huber', config: 'huber' }, /loss\.config of Huber must be an object, got "huber"/],
    ];
    for (const [spec, message] of bad) {
      const error = thrown(() => lossFrom(spec));
      expect(error, JSON.stringify(spec)).toBeInstanceOf(ModelConfigError);
      expect(error.message, JSON.stringify(spec)).toMatch(message);
    }
  });

  it('factory options are checked: ModelConfigError naming the loss and the option', () => {
    expect(thrown(() => losses.huber({ delta: 0 }))).toMatchObject({ owner: 'huber', argument: 'delta', message: 'huber: delta must be a finite number > 0, got 0' });
    expect(thrown(() => losses.huber({ delta: NaN })).message).toBe('huber: delta must be a finite number > 0, got NaN');
    expect(thrown(() => losses.categoricalCrossentropy({ fromLogit: true } as never))).toMatchObject({
      owner: 'categoricalCrossentropy',
      argument: 'fromLogit',
      message: "categoricalCrossentropy: fromLogit is not an option of categoricalCrossentropy (fromLogits); did you mean 'fromLogits'?",
    });
    expect(thrown(() => losses.binaryCrossentropy({ fromLogits: 1 } as never)).message).toBe('binaryCrossentropy: fromLogits must be a boolean, got 1');
    expect(thrown(() => losses.sparseCategoricalCrossentropy('logits' as never)).message).toBe('sparseCategoricalCrossentropy: options must be an object, got "logits"');
  });
});

describe('targets and fusing', () => {
  it('targetShape: sparse drops the last axis, the rest keep the output shape (as a copy)', () => {
    const shape = [32, 5, 26];
    for (const name of NAMES) {
      const target = losses[name]().targetShape(shape);
      expect(target).toEqual(name === 'sparseCategoricalCrossentropy' ? [32, 5] : shape);
      expect(target).not.toBe(shape);
    }
  });

  it('fusesWith: softmax with (sparse) categorical CE, sigmoid with binary CE, never from logits', () => {
    const table = NAMES.map((name) => [name, ['softmax', 'sigmoid', 'linear', 'tanh'].filter((a) => losses[name]().fusesWith(a))]);
    expect(table).toEqual([
      ['meanSquaredError', []], ['meanAbsoluteError', []], ['huber', []],
      ['binaryCrossentropy', ['sigmoid']], ['categoricalCrossentropy', ['softmax']], ['sparseCategoricalCrossentropy', ['softmax']],
    ]);
    for (const name of ['binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy'] as const) {
      const loss = losses[name]({ fromLogits: true });
      expect(loss.fusesWith('softmax') || loss.fusesWith('sigmoid'), name).toBe(false);
    }
  });

  it('checkTargets: sparse ids must be integers in [0, width)', () => {
    const loss = losses.sparseCategoricalCrossentropy();
    loss.checkTargets(Float32Array.of(0, 3, 2, 0), 4, 'sequential', 'y');
    for (const bad of [1.5, -1, 4, NaN, Infinity]) {
      const error = thrown(() => loss.checkTargets(Float32Array.of(0, 1, bad), 4, 'sequential', 'y'));
      expect(error).toBeInstanceOf(ModelInputError);
      expect(error).toMatchObject({ owner: 'sequential', argument: 'y' });
      expect(error.message).toBe(`sequential: y must hold class ids for sparseCategoricalCrossentropy, integers in [0, 4); element 2 is ${bad}`);
    }
  });

  it('checkTargets: other targets must be finite whole rows; values outside [0, 1] are allowed', () => {
    for (const name of NAMES.filter((n) => n !== 'sparseCategoricalCrossentropy')) {
      const loss = losses[name]();
      loss.checkTargets(Float32Array.of(-3, 0.5, 7, 1, 0, 2), 3, 'fit', 'y');
      expect(thrown(() => loss.checkTargets(Float32Array.of(0, 1, 0, 1, NaN, 0), 3, 'fit', 'y')).message).toBe(`fit: y must be finite for ${name}; element 4 (row 1, column 1) is NaN`);
      expect(thrown(() => loss.checkTargets(Float32Array.of(0, -Infinity), 1, 'fit', 'validationData[1]'))).toMatchObject({
        argument: 'validationData[1]',
        message: `fit: validationData[1] must be finite for ${name}; element 1 (row 1, column 0) is -Infinity`,
      });
      expect(thrown(() => loss.checkTargets(new Float32Array(5), 3, 'fit', 'y')).message).toBe(`fit: y must hold whole rows of 3 values for ${name}, got 5 values`);
    }
  });
});

describe(`compute (${replay})`, () => {
  /** A sequence output [B, T, width]: the loss is the mean over all B·T rows. */
  const B = 3, T = 5, width = 4, rows = B * T, n = rows * width;

  it('dispatches to the kernels with the right mode, and matches the reference over B·T rows', () => {
    const probabilities = uniform(random, n, 0.05, 0.95);
    const logits = uniform(random, n, -5, 5);
    const dense = Float32Array.from({ length: n }, () => (random() < 0.5 ? 0 : 1));
    const ids = Float32Array.from({ length: rows }, () => Math.floor(random() * width));
    const cases: [Loss, Float32Array, Float32Array, (g: ReturnType<typeof poisoned>) => number, ref.RowLoss, boolean][] = [
      [losses.meanSquaredError(), logits, dense, (g) => k.meanSquaredError(region(logits), region(dense), rows, width, g), ref.rowLosses.meanSquaredError, false],
      [losses.meanAbsoluteError(), logits, dense, (g) => k.meanAbsoluteError(region(logits), region(dense), rows, width, g), ref.rowLosses.meanAbsoluteError, false],
      [losses.huber({ delta: 2 }), logits, dense, (g) => k.huber(region(logits), region(dense), rows, width, 2, g), ref.rowLosses.huber(2), false],
      [losses.binaryCrossentropy(), probabilities, dense, (g) => k.binaryCrossentropy(region(probabilities), region(dense), rows, width, 'probabilities', g), ref.rowLosses.binaryCrossentropy(false), false],
      [losses.binaryCrossentropy({ fromLogits: true }), logits, dense, (g) => k.binaryCrossentropy(region(logits), region(dense), rows, width, 'logits', g), ref.rowLosses.binaryCrossentropy(true), false],
      [losses.categoricalCrossentropy(), probabilities, dense, (g) => k.categoricalCrossentropy(region(probabilities), region(dense), rows, width, 'probabilities', g), ref.rowLosses.categoricalCrossentropy(false), false],
      [losses.categoricalCrossentropy({ fromLogits: true }), logits, dense, (g) => k.categoricalCrossentropy(region(logits), region(dense), rows, width, 'logits', g), ref.rowLosses.categoricalCrossentropy(true), false],
      [losses.sparseCategoricalCrossentropy(), probabilities, ids, (g) => k.sparseCategoricalCrossentropy(region(probabilities), region(ids), rows, width, 'probabilities', g), ref.rowLosses.sparseCategoricalCrossentropy(false), true],
      [losses.sparseCategoricalCrossentropy({ fromLogits: true }), logits, ids, (g) => k.sparseCategoricalCrossentropy(region(logits), region(ids), rows, width, 'logits', g), ref.rowLosses.sparseCategoricalCrossentropy(true), true],
    ];
    for (const [loss, pred, target, kernel, row, sparse] of cases) {
      const what = JSON.stringify(loss.toJSON());
      const grad = poisoned(n);
      const value = loss.compute(region(pred), region(target), rows, width, grad);
      const direct = poisoned(n);
      expect(value, what).toBe(kernel(direct));
      expect(Array.from(grad.toArray()), what).toEqual(Array.from(direct.toArray()));
      expect(Math.abs(value - ref.mean(row, pred, target, rows, width, sparse)), `${what} vs reference (${replay})`).toBeLessThan(1e-6 * Math.max(1, value));
      expect(loss.compute(region(pred), region(target), rows, width), `${what} without a gradient`).toBe(value);
    }
  });

  it('preActivation takes the fused gradient (softmax / sigmoid), and only where the loss fuses', () => {
    const p = uniform(random, n, 0.05, 0.95);
    const y = Float32Array.from({ length: n }, () => (random() < 0.5 ? 0 : 1));
    const ids = Float32Array.from({ length: rows }, () => Math.floor(random() * width));
    const fused: [Loss, Float32Array, (g: ReturnType<typeof poisoned>) => number][] = [
      [losses.categoricalCrossentropy(), y, (g) => k.categoricalCrossentropy(region(p), region(y), rows, width, 'fused', g)],
      [losses.sparseCategoricalCrossentropy(), ids, (g) => k.sparseCategoricalCrossentropy(region(p), region(ids), rows, width, 'fused', g)],
      [losses.binaryCrossentropy(), y, (g) => k.binaryCrossentropy(region(p), region(y), rows, width, 'fused', g)],
    ];
    for (const [loss, target, kernel] of fused) {
      const grad = poisoned(n);
      const direct = poisoned(n);
      expect(loss.compute(region(p), region(target), rows, width, grad, true)).toBe(kernel(direct));
      expect(Array.from(grad.toArray())).toEqual(Array.from(direct.toArray()));
    }
    for (const loss of [losses.meanSquaredError(), losses.huber(), losses.categoricalCrossentropy({ fromLogits: true })]) {
      const error = thrown(() => loss.compute(region(p), region(y), rows, width, poisoned(n), true));
      expect(error).toBeInstanceOf(ModelConfigError);
      expect(error).toMatchObject({ owner: loss.name, argument: 'preActivation' });
      expect(error.message).toMatch(/has no fused gradient; only softmax \+ \(sparse\) categorical cross-entropy and sigmoid \+ binary cross-entropy on probabilities fuse/);
    }
  });

  it('a mask (a sequence output of padded input) gives the mean over the real steps, in every mode', () => {
    // Post-padded sequences of lengths 5, 2 and 0: the steps Keras's mask keeps.
    const lengths = [5, 2, 0];
    const mask = Float32Array.from({ length: rows }, (_, i) => (i % T < lengths[Math.floor(i / T)] ? 1 : 0));
    const valid = 7;
    const probabilities = uniform(random, n, 0.05, 0.95);
    const logits = uniform(random, n, -5, 5);
    const dense = Float32Array.from({ length: n }, () => (random() < 0.5 ? 0 : 1));
    const ids = Float32Array.from({ length: rows }, () => Math.floor(random() * width));
    const cases: [Loss, boolean, Float32Array, Float32Array, ref.RowLoss, (g: ReturnType<typeof poisoned>, m: ReturnType<typeof region>) => number][] = [
      [losses.meanSquaredError(), false, logits, dense, ref.rowLosses.meanSquaredError, (g, m) => k.meanSquaredError(region(logits), region(dense), rows, width, g, m)],
      [losses.meanAbsoluteError(), false, logits, dense, ref.rowLosses.meanAbsoluteError, (g, m) => k.meanAbsoluteError(region(logits), region(dense), rows, width, g, m)],
      [losses.huber({ delta: 2 }), false, logits, dense, ref.rowLosses.huber(2), (g, m) => k.huber(region(logits), region(dense), rows, width, 2, g, m)],
      [losses.binaryCrossentropy(), false, probabilities, dense, ref.rowLosses.binaryCrossentropy(false), (g, m) => k.binaryCrossentropy(region(probabilities), region(dense), rows, width, 'probabilities', g, m)],
      [losses.binaryCrossentropy(), true, probabilities, dense, ref.rowLosses.binaryCrossentropy(false), (g, m) => k.binaryCrossentropy(region(probabilities), region(dense), rows, width, 'fused', g, m)],
      [losses.binaryCrossentropy({ fromLogits: true }), false, logits, dense, ref.rowLosses.binaryCrossentropy(true), (g, m) => k.binaryCrossentropy(region(logits), region(dense), rows, width, 'logits', g, m)],
      [losses.categoricalCrossentropy(), false, probabilities, dense, ref.rowLosses.categoricalCrossentropy(false), (g, m) => k.categoricalCrossentropy(region(probabilities), region(dense), rows, width, 'probabilities', g, m)],
      [losses.categoricalCrossentropy(), true, probabilities, dense, ref.rowLosses.categoricalCrossentropy(false), (g, m) => k.categoricalCrossentropy(region(probabilities), region(dense), rows, width, 'fused', g, m)],
      [losses.categoricalCrossentropy({ fromLogits: true }), false, logits, dense, ref.rowLosses.categoricalCrossentropy(true), (g, m) => k.categoricalCrossentropy(region(logits), region(dense), rows, width, 'logits', g, m)],
      [losses.sparseCategoricalCrossentropy(), false, probabilities, ids, ref.rowLosses.sparseCategoricalCrossentropy(false), (g, m) => k.sparseCategoricalCrossentropy(region(probabilities), region(ids), rows, width, 'probabilities', g, m)],
      [losses.sparseCategoricalCrossentropy(), true, probabilities, ids, ref.rowLosses.sparseCategoricalCrossentropy(false), (g, m) => k.sparseCategoricalCrossentropy(region(probabilities), region(ids), rows, width, 'fused', g, m)],
      [losses.sparseCategoricalCrossentropy({ fromLogits: true }), false, logits, ids, ref.rowLosses.sparseCategoricalCrossentropy(true), (g, m) => k.sparseCategoricalCrossentropy(region(logits), region(ids), rows, width, 'logits', g, m)],
    ];
    for (const [loss, fused, pred, target, row, kernel] of cases) {
      const what = `${JSON.stringify(loss.toJSON())}${fused ? ' fused' : ''}`;
      const sparse = loss.name === 'sparseCategoricalCrossentropy';
      const grad = poisoned(n);
      const value = loss.compute(region(pred), region(target), rows, width, grad, fused, region(mask));
      const direct = poisoned(n);
      expect(value, what).toBe(kernel(direct, region(mask)));
      expect(Array.from(grad.toArray()), what).toEqual(Array.from(direct.toArray()));
      const expected = ref.mean(row, ref.validRows(pred, mask, width), ref.validRows(target, mask, sparse ? 1 : width), valid, width, sparse);
      expect(Math.abs(value - expected), `${what} vs the reference on the ${valid} real steps (${replay})`).toBeLessThan(1e-6 * Math.max(1, expected));
      const g = grad.toArray();
      for (let i = 0; i < rows; i++) if (mask[i] === 0) expect(Array.from(g.subarray(i * width, (i + 1) * width)), `${what} padded step ${i}`).toEqual([0, 0, 0, 0]);
      // No real step: 0 and a zero gradient (Keras divides with divide_no_nan).
      const none = poisoned(n);
      expect(loss.compute(region(pred), region(target), rows, width, none, fused, region(new Float32Array(rows))), what).toBe(0);
      expect(Array.from(none.toArray().subarray(0, n)), what).toEqual(new Array(n).fill(0));
    }
  });

  it('bad regions and sizes surface as the kernels’ RangeErrors', () => {
    const loss = losses.categoricalCrossentropy();
    expect(() => loss.compute(region(new Float32Array(n)), region(new Float32Array(n - 1)), rows, width)).toThrow(/lossCategoricalCrossentropy\(target\): needs 60 floats but the region holds 59/);
    expect(() => losses.sparseCategoricalCrossentropy().compute(region(new Float32Array(n)), region(new Float32Array(rows).fill(width)), rows, width)).toThrow(/expected class ids, integers in \[0, 4\), got target\[0\] = 4/);
    expect(() => loss.compute(region(new Float32Array(n)), region(new Float32Array(n)), rows, width, undefined, false, region(new Float32Array(rows - 1)))).toThrow(/lossCategoricalCrossentropy\(mask\): needs 15 floats but the region holds 14/);
  });
});
