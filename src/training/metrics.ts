// The metrics a model reports in its logs and history. Each is a per-row value (accuracy 1 or
// 0 per row, binary accuracy and mae/mse the mean over the row's last axis) summed over rows
// in Wasm (src/kernels/losses.ts); the model divides an epoch's total by its row count. With a
// mask (a sequence output of padded input) only the valid rows are summed, and counted.
import * as kernels from '../kernels/losses.js';
import { closestName } from '../layers/errors.js';
import { DataError } from '../data/errors.js';
import type { F32Region } from '../runtime/arena.js';
import { argMax, differByTrailingOne, toTensor, type Tensor, type TensorLike } from '../tensor.js';
import { describe, ModelConfigError } from '../model/errors.js';
import type { Loss } from './losses.js';

/**
 * A compiled metric as the model computes it (in Wasm, on arena regions): what compile()
 * makes of each name in `metrics`. For metrics on plain tensors use {@link metrics}.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
 * model.evaluate(x, y).mae;     // the Metric named 'mae', averaged over every row
 * ```
 */
export interface Metric {
  /** The key in logs/history, exactly as the user asked: 'accuracy', 'acc', 'mae', 'mse', 'categoricalAccuracy', … (val_ prefix added by the model). */
  readonly name: string;
  /**
   * The metric summed over `rows` rows (computed in Wasm, f64); the model divides the epoch's
   * total by the epoch's row count. With `mask` ([rows] floats, 1 = the row counts, 0 = padding,
   * any nonzero counts as 1) only the valid rows are summed; the model then divides by the valid count.
   */
  sum(pred: F32Region, target: F32Region, rows: number, width: number, mask?: F32Region): number;
}

/** @internal 'accuracy' is resolved by the loss (and, for losses that are not cross-entropies, by the output width). */
type MetricKind = 'accuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy' | 'binaryAccuracy' | 'meanAbsoluteError' | 'meanSquaredError';

/** @internal every metric's accepted names (MetricIdentifier is derived from it). */
const ALIASES = {
  accuracy: ['accuracy', 'acc'],
  categoricalAccuracy: ['categoricalAccuracy', 'categorical_accuracy', 'CategoricalAccuracy'],
  sparseCategoricalAccuracy: ['sparseCategoricalAccuracy', 'sparse_categorical_accuracy', 'SparseCategoricalAccuracy'],
  binaryAccuracy: ['binaryAccuracy', 'binary_accuracy', 'BinaryAccuracy'],
  meanAbsoluteError: ['mae', 'MAE', 'meanAbsoluteError', 'mean_absolute_error', 'MeanAbsoluteError'],
  meanSquaredError: ['mse', 'MSE', 'meanSquaredError', 'mean_squared_error', 'MeanSquaredError'],
} as const satisfies Record<MetricKind, readonly string[]>;

/**
 * Every metric name compile() takes: 'accuracy'/'acc', the TF.js names, Keras's snake_case and
 * class names — 'categoricalAccuracy', 'sparse_categorical_accuracy', 'BinaryAccuracy',
 * 'mae', 'MAE', 'meanSquaredError', 'mean_squared_error', … A misspelling is a type error.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy', 'mse'] });
 * ```
 */
export type MetricIdentifier = (typeof ALIASES)[MetricKind][number];
const BY_NAME = new Map<string, MetricKind>();
for (const kind of Object.keys(ALIASES) as MetricKind[]) for (const alias of ALIASES[kind]) BY_NAME.set(alias, kind);

/** Keras metric classes, for a saved {class_name, config}, with the name Keras gives them by default. */
const CLASSES = new Map<string, [MetricKind, string]>([
  ['CategoricalAccuracy', ['categoricalAccuracy', 'categorical_accuracy']],
  ['SparseCategoricalAccuracy', ['sparseCategoricalAccuracy', 'sparse_categorical_accuracy']],
  ['BinaryAccuracy', ['binaryAccuracy', 'binary_accuracy']],
  ['MeanAbsoluteError', ['meanAbsoluteError', 'mean_absolute_error']],
  ['MeanSquaredError', ['meanSquaredError', 'mean_squared_error']],
]);

type Resolved = Exclude<MetricKind, 'accuracy'>;

class KernelMetric implements Metric {
  constructor(
    readonly name: string,
    private readonly kind: MetricKind,
    private readonly threshold: number,
    private readonly saved: unknown,
  ) {}

  sum(pred: F32Region, target: F32Region, rows: number, width: number, mask?: F32Region): number {
    // 'accuracy' with a loss that is not a cross-entropy: binary for one output, else categorical (as TF.js).
    const kind: Resolved = this.kind === 'accuracy' ? (width === 1 ? 'binaryAccuracy' : 'categoricalAccuracy') : this.kind;
    switch (kind) {
      case 'categoricalAccuracy':
        return kernels.categoricalAccuracySum(pred, target, rows, width, mask);
      case 'sparseCategoricalAccuracy':
        return kernels.sparseCategoricalAccuracySum(pred, target, rows, width, mask);
      case 'binaryAccuracy':
        return kernels.binaryAccuracySum(pred, target, rows, width, this.threshold, mask);
      case 'meanAbsoluteError':
        return kernels.meanAbsoluteErrorSum(pred, target, rows, width, mask);
      case 'meanSquaredError':
        return kernels.meanSquaredErrorSum(pred, target, rows, width, mask);
    }
  }

  /** What model.json's training_config.metrics holds: Keras's spelling of the name asked for, or the saved class object. */
  toJSON(): unknown {
    return this.saved;
  }
}

/** 'categoricalAccuracy' → 'categorical_accuracy'; 'acc', 'MAE', 'CategoricalAccuracy' stay as they are (Keras reads them). */
const kerasSpelling = (name: string): string => (/^[a-z]/.test(name) ? name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : name);

/** The kind 'accuracy' means for this loss, where the loss decides it. */
function accuracyFor(loss: Loss): MetricKind {
  if (loss.name === 'sparseCategoricalCrossentropy') return 'sparseCategoricalAccuracy';
  if (loss.name === 'categoricalCrossentropy') return 'categoricalAccuracy';
  if (loss.name === 'binaryCrossentropy') return 'binaryAccuracy';
  return 'accuracy';
}

/** Sparse targets are [rows] class ids, others the output's shape: a metric must take the loss's targets. */
function checkTargetsMatch(kind: MetricKind, loss: Loss, name: string, argument: string): void {
  const sparseLoss = loss.name === 'sparseCategoricalCrossentropy';
  if (sparseLoss && kind !== 'sparseCategoricalAccuracy') {
    throw new ModelConfigError('compile', argument, `${argument}: '${name}' compares predictions with targets of the output's shape, but sparseCategoricalCrossentropy takes class ids; use 'accuracy' or 'sparseCategoricalAccuracy'`);
  }
  if (!sparseLoss && kind === 'sparseCategoricalAccuracy') {
    throw new ModelConfigError('compile', argument, `${argument}: '${name}' needs class-id targets, which only sparseCategoricalCrossentropy takes, but ${loss.name} takes targets of the output's shape; use 'accuracy' or 'categoricalAccuracy'`);
  }
}

/** An unknown name: the error lists `listed` and hints at the closest of `known`. */
function unknownName(argument: string, what: string, value: unknown, known: Iterable<string>, listed: readonly string[]): ModelConfigError {
  const hint = typeof value === 'string' ? closestName(value, known) : undefined;
  return new ModelConfigError('compile', argument, `${argument}${what} ${describe(value)} is not a metric seqwasm has (${listed.join(', ')})${hint ? `; did you mean '${hint}'?` : ''}`);
}

/**
 * A Metric from what compile() was given: a name ('accuracy'/'acc', 'categoricalAccuracy',
 * 'sparseCategoricalAccuracy', 'binaryAccuracy', 'mae'/'meanAbsoluteError',
 * 'mse'/'meanSquaredError', their Keras snake_case and class names) or a saved Keras
 * {class_name, config} (config.name becomes the name, BinaryAccuracy's config.threshold is
 * kept). 'accuracy'/'acc' resolve by the loss like Keras: categorical CE → categorical accuracy
 * (argmax match, first maximum wins), sparse CE → sparse categorical accuracy, binary CE →
 * binary accuracy; any other loss → binary accuracy for an output of width 1, else categorical.
 * Binary accuracy thresholds at 0.5, or at 0 when the loss is fromLogits (σ(z) > 0.5 ⇔ z > 0).
 * A metric whose targets differ from the loss's (sparse ids vs the output's shape) and unknown
 * names are ModelConfigErrors('compile', argument, …), the latter with a did-you-mean hint.
 */
export function metricFrom(spec: unknown, loss: Loss, argument = 'metrics'): Metric {
  let kind: MetricKind | undefined;
  let name: string;
  let saved: unknown;
  let threshold = loss.fromLogits ? 0 : 0.5;
  if (typeof spec === 'string') {
    kind = BY_NAME.get(spec);
    if (!kind) throw unknownName(argument, '', spec, BY_NAME.keys(), Object.keys(ALIASES));
    name = spec;
    saved = kerasSpelling(spec);
  } else if (spec !== null && typeof spec === 'object' && !Array.isArray(spec) && 'class_name' in spec) {
    const { class_name: className, config } = spec as { class_name: unknown; config?: unknown };
    if (className === 'function' && typeof config === 'string') return metricFrom(config, loss, argument);
    const known = typeof className === 'string' ? CLASSES.get(className) : undefined;
    if (!known) throw unknownName(argument, '.class_name', className, CLASSES.keys(), [...CLASSES.keys()]);
    [kind, name] = known;
    if (config !== undefined && config !== null) {
      if (typeof config !== 'object' || Array.isArray(config)) throw new ModelConfigError('compile', argument, `${argument}.config of ${String(className)} must be an object, got ${describe(config)}`);
      const c = config as Record<string, unknown>;
      const options = kind === 'binaryAccuracy' ? ['name', 'dtype', 'threshold'] : ['name', 'dtype'];
      for (const key of Object.keys(c)) {
        if (!options.includes(key)) throw new ModelConfigError('compile', argument, `${argument}.config.${key} is not an option of ${String(className)} (${options.join(', ')})`);
      }
      if (c.name !== undefined) {
        if (typeof c.name !== 'string' || c.name === '') throw new ModelConfigError('compile', argument, `${argument}.config.name must be a non-empty string, got ${describe(c.name)}`);
        name = c.name;
      }
      if (c.threshold !== undefined) {
        if (typeof c.threshold !== 'number' || !Number.isFinite(c.threshold)) throw new ModelConfigError('compile', argument, `${argument}.config.threshold must be a finite number, got ${describe(c.threshold)}`);
        threshold = c.threshold;
      }
    }
    saved = spec;
  } else {
    throw new ModelConfigError('compile', argument, `${argument} must be a metric name (${Object.keys(ALIASES).join(', ')}) or a {class_name, config} object, got ${describe(spec)}`);
  }
  if (kind === 'accuracy') kind = accuracyFor(loss);
  checkTargetsMatch(kind, loss, name, argument);
  return new KernelMetric(name, kind, threshold, saved);
}

// ---- metrics as plain functions ------------------------------------------------------------
// For a model's predictions outside fit(): `metrics.accuracy(yTest, model.predict(xTest))`.
// Plain IEEE arithmetic in JS, summed in float64 in index order, so the result is the same bits
// everywhere. The arguments are TF.js's (yTrue, yPred).

/** yTrue and yPred as tensors whose shapes agree, or differ only by a trailing axis of 1 ([N] and [N, 1]), as Keras accepts. */
function pair(yTrue: TensorLike, yPred: TensorLike): [Tensor, Tensor] {
  const t = toTensor(yTrue, 'yTrue');
  const p = toTensor(yPred, 'yPred');
  if (p.shape.length === 0) throw new DataError('yPred', 'expected at least one axis (samples), got a scalar');
  if (!sameShape(t.shape, p.shape) && !differByTrailingOne(t.shape, p.shape)) {
    throw new DataError('yTrue', `expected the shape of yPred [${p.shape.join(', ')}], got [${t.shape.join(', ')}]`);
  }
  if (p.data.length === 0) throw new DataError('yPred', 'has no values');
  return [t, p];
}

/** The mean of (yPred − yTrue)² over every value (Keras `mean_squared_error`, averaged over the samples too). */
function meanSquaredError(yTrue: TensorLike, yPred: TensorLike): number {
  const [t, p] = pair(yTrue, yPred);
  let sum = 0;
  for (let i = 0; i < p.data.length; i++) {
    const d = p.data[i] - t.data[i];
    sum += d * d;
  }
  return sum / p.data.length;
}

/** The mean of |yPred − yTrue| over every value. */
function meanAbsoluteError(yTrue: TensorLike, yPred: TensorLike): number {
  const [t, p] = pair(yTrue, yPred);
  let sum = 0;
  for (let i = 0; i < p.data.length; i++) sum += Math.abs(p.data[i] - t.data[i]);
  return sum / p.data.length;
}

/**
 * The fraction of rows predicted right, as compile()'s 'accuracy' decides it from the shapes:
 * class ids yTrue [N] (or [N, 1]) for yPred [N, C] → the argmax is the id (sparse); one-hot
 * yTrue of yPred's shape [N, C] → the argmaxes agree (categorical); one output per row
 * ([N, 1] or [N]) → yPred > 0.5 equals the 0/1 label (binary). Rows are the leading axes, so
 * sequence outputs [N, T, C] count every step.
 */
function accuracy(yTrue: TensorLike, yPred: TensorLike): number {
  const t = toTensor(yTrue, 'yTrue');
  const p = toTensor(yPred, 'yPred');
  const width = p.shape.length > 1 ? p.shape[p.shape.length - 1] : 1;
  const ids = p.shape.slice(0, -1);
  const sparse = width > 1 && (sameShape(t.shape, ids) || differByTrailingOne(t.shape, ids));
  if (!sparse) pair(t, p);
  const predicted = width === 1 ? p.data.map((v) => (v > 0.5 ? 1 : 0)) : argMax(p, 'yPred').data;
  const expected = sparse || width === 1 ? t.data : argMax(t, 'yTrue').data;
  if (predicted.length === 0) throw new DataError('yPred', 'has no values');
  let right = 0;
  for (let r = 0; r < predicted.length; r++) if (predicted[r] === expected[r]) right++;
  return right / predicted.length;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Metrics as plain functions of (yTrue, yPred) → a number (TF.js `tf.metrics`, Keras
 * `keras.metrics`), on any tensors or nested arrays: e.g. to score predict()'s output. Shapes
 * must agree (labels [N] and [N, 1] are the same); a mismatch is a DataError.
 *
 * @namespace
 *
 * @example
 * ```ts
 * const predictions = model.predict(xTest);
 * metrics.accuracy(yTest, predictions);
 * metrics.mae(yTest, predictions);
 * ```
 */
export const metrics = {
  /**
   * The mean of (yPred − yTrue)² over every value (alias of meanSquaredError).
   *
   * @example
   * ```ts
   * metrics.mse([[1], [2]], [[1.5], [2]]);   // 0.125
   * ```
   */
  mse: meanSquaredError,
  /**
   * The mean of |yPred − yTrue| over every value (alias of meanAbsoluteError).
   *
   * @example
   * ```ts
   * metrics.mae(yTest, model.predict(xTest));
   * ```
   */
  mae: meanAbsoluteError,
  /**
   * The mean of (yPred − yTrue)² over every value (Keras `mean_squared_error`, averaged over the samples too).
   *
   * @example
   * ```ts
   * metrics.meanSquaredError([0, 1], [0, 0.5]);   // 0.125
   * ```
   */
  meanSquaredError,
  /**
   * The mean of |yPred − yTrue| over every value.
   *
   * @example
   * ```ts
   * metrics.meanAbsoluteError([0, 1], [0, 0.5]);  // 0.25
   * ```
   */
  meanAbsoluteError,
  /**
   * The fraction of rows predicted right, decided from the shapes as compile()'s 'accuracy':
   * class ids [N] for yPred [N, C] (sparse), one-hot [N, C] (categorical), or one output per
   * row thresholded at 0.5 (binary). Sequence outputs [N, T, C] count every step.
   *
   * @example
   * ```ts
   * metrics.accuracy([2, 0], [[0.1, 0.2, 0.7], [0.8, 0.1, 0.1]]);   // 1: both argmaxes right
   * ```
   */
  accuracy,
};
