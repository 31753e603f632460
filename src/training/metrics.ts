// The metrics a model reports in its logs and history. Each is a per-row value (accuracy 1 or
// 0 per row, binary accuracy and mae/mse the mean over the row's last axis) summed over rows
// in Wasm (src/kernels/losses.ts); the model divides an epoch's total by its row count. With a
// mask (a sequence output of padded input) only the valid rows are summed, and counted.
// precision, recall and auc are Keras's stateful metrics instead: each batch adds confusion
// counts (exact integers, counted in JS by comparisons alone) to the epoch's, and the value
// comes from the epoch's totals, not from an average of batch values.
import * as kernels from '../kernels/losses.js';
import { closestName } from '../layers/errors.js';
import { sameShape } from '../layers/layer.js';
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
  /**
   * Confusion-count metrics (precision, recall, auc) only: the batch's counts, which the model
   * adds up over the epoch and hands to fromTally (Keras's stateful update_state / result).
   */
  tally?(pred: F32Region, target: F32Region, rows: number, width: number, mask?: F32Region): Float64Array;
  /** The metric from counts added up by tally. */
  fromTally?(tally: Float64Array): number;
}

/** @internal 'accuracy' is resolved by the loss (and, for losses that are not cross-entropies, by the output width). */
type MetricKind = 'accuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy' | 'binaryAccuracy' | 'meanAbsoluteError' | 'meanSquaredError' | CountingKind | TopKKind;
type CountingKind = 'precision' | 'recall' | 'auc';
type TopKKind = 'topKCategoricalAccuracy' | 'sparseTopKCategoricalAccuracy';

/** @internal every metric's accepted names (MetricIdentifier is derived from it). */
const ALIASES = {
  accuracy: ['accuracy', 'acc'],
  categoricalAccuracy: ['categoricalAccuracy', 'categorical_accuracy', 'CategoricalAccuracy'],
  sparseCategoricalAccuracy: ['sparseCategoricalAccuracy', 'sparse_categorical_accuracy', 'SparseCategoricalAccuracy'],
  binaryAccuracy: ['binaryAccuracy', 'binary_accuracy', 'BinaryAccuracy'],
  meanAbsoluteError: ['mae', 'MAE', 'meanAbsoluteError', 'mean_absolute_error', 'MeanAbsoluteError'],
  meanSquaredError: ['mse', 'MSE', 'meanSquaredError', 'mean_squared_error', 'MeanSquaredError'],
  precision: ['precision', 'Precision'],
  recall: ['recall', 'Recall'],
  auc: ['auc', 'AUC'],
  topKCategoricalAccuracy: ['topKCategoricalAccuracy', 'top_k_categorical_accuracy', 'TopKCategoricalAccuracy'],
  sparseTopKCategoricalAccuracy: ['sparseTopKCategoricalAccuracy', 'sparse_top_k_categorical_accuracy', 'SparseTopKCategoricalAccuracy'],
} as const satisfies Record<MetricKind, readonly string[]>;

/** The log key of the metrics Keras names by its own default whatever the spelling asked for. */
const KERAS_NAMES: Partial<Record<MetricKind, string>> = {
  precision: 'precision',
  recall: 'recall',
  auc: 'auc',
  topKCategoricalAccuracy: 'top_k_categorical_accuracy',
  sparseTopKCategoricalAccuracy: 'sparse_top_k_categorical_accuracy',
};

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
  ['Precision', ['precision', 'precision']],
  ['Recall', ['recall', 'recall']],
  ['AUC', ['auc', 'auc']],
  ['TopKCategoricalAccuracy', ['topKCategoricalAccuracy', 'top_k_categorical_accuracy']],
  ['SparseTopKCategoricalAccuracy', ['sparseTopKCategoricalAccuracy', 'sparse_top_k_categorical_accuracy']],
]);

/** The config keys of a saved class beyond name and dtype (Keras's, with the values seqwasm can follow). */
const CONFIG_OPTIONS: Partial<Record<MetricKind, readonly string[]>> = {
  binaryAccuracy: ['threshold'],
  precision: ['thresholds'],
  recall: ['thresholds'],
  auc: ['num_thresholds', 'curve', 'summation_method'],
  topKCategoricalAccuracy: ['k'],
  sparseTopKCategoricalAccuracy: ['k'],
};

// ---- confusion counts and top-k, shared by compiled metrics and the plain functions ------
// Keras 3 (keras/src/metrics/confusion_metrics.py, metrics_utils.py): every value of yPred is
// one prediction, positive when > threshold; a label is positive when nonzero. Thresholds
// are float32 as Keras's. Counts are exact; ratios are divide_no_nan (0 for 0/0).

/** The Keras AUC thresholds for numThresholds: −ε, i/(n − 1) for i = 1 … n − 2, 1 + ε, as float32. */
function aucThresholds(numThresholds: number): Float32Array {
  const t = new Float32Array(numThresholds);
  t[0] = -1e-7;
  for (let i = 1; i < numThresholds - 1; i++) t[i] = i / (numThresholds - 1);
  t[numThresholds - 1] = 1 + 1e-7;
  return t;
}

/**
 * Confusion counts at every threshold (ascending): [tp…, fp…, tn…, fn…], each numThresholds
 * long, over the values of the rows `keep` accepts. A prediction p counts as positive at the
 * thresholds below it, found by binary search, so a batch costs O(values · log thresholds).
 */
function confusionCounts(pred: ArrayLike<number>, target: ArrayLike<number>, rows: number, width: number, thresholds: Float32Array, keep: (row: number) => boolean): Float64Array {
  const n = thresholds.length;
  // above[k]: positives / negatives whose prediction exceeds exactly the k lowest thresholds.
  const positives = new Float64Array(n + 1);
  const negatives = new Float64Array(n + 1);
  for (let row = 0; row < rows; row++) {
    if (!keep(row)) continue;
    for (let j = row * width; j < (row + 1) * width; j++) {
      const p = pred[j];
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (p > thresholds[mid]) lo = mid + 1;
        else hi = mid;
      }
      if (target[j] !== 0) positives[lo]++;
      else negatives[lo]++;
    }
  }
  const counts = new Float64Array(4 * n);
  let tp = 0;
  let fp = 0;
  let allPositives = 0;
  let allNegatives = 0;
  for (let k = 0; k <= n; k++) {
    allPositives += positives[k];
    allNegatives += negatives[k];
  }
  // Threshold i counts as positive the predictions above at least i + 1 thresholds.
  for (let i = n - 1; i >= 0; i--) {
    tp += positives[i + 1];
    fp += negatives[i + 1];
    counts[i] = tp;
    counts[n + i] = fp;
    counts[2 * n + i] = allNegatives - fp;
    counts[3 * n + i] = allPositives - tp;
  }
  return counts;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Keras's ROC AUC from [tp, fp, tn, fn] counts: the trapezoidal sum over the thresholds (summation_method 'interpolation'). */
function aucFromCounts(counts: Float64Array): number {
  const n = counts.length / 4;
  let auc = 0;
  for (let i = 0; i < n - 1; i++) {
    const tpr = (k: number) => ratio(counts[k], counts[k] + counts[3 * n + k]);
    const fpr = (k: number) => ratio(counts[n + k], counts[n + k] + counts[2 * n + k]);
    auc += (fpr(i) - fpr(i + 1)) * ((tpr(i) + tpr(i + 1)) / 2);
  }
  return auc;
}

/** Whether the target class of a row is among the k largest predictions: fewer than k classes score strictly higher (TF's in_top_k; a non-finite score never is). */
function inTopK(pred: ArrayLike<number>, start: number, width: number, target: number, k: number): boolean {
  const score = pred[start + target];
  if (!Number.isFinite(score)) return false;
  let higher = 0;
  for (let j = 0; j < width; j++) if (pred[start + j] > score) higher++;
  return higher < k;
}

/** The number of rows `keep` accepts whose target class (an id when sparse, else the target row's first argmax) is in the top k. */
function topKHits(pred: ArrayLike<number>, target: ArrayLike<number>, rows: number, width: number, k: number, sparse: boolean, keep: (row: number) => boolean): number {
  let hits = 0;
  for (let row = 0; row < rows; row++) {
    if (!keep(row)) continue;
    const label = sparse ? target[row] : firstMaximum(target, row * width, width);
    if (inTopK(pred, row * width, width, label, k)) hits++;
  }
  return hits;
}

function firstMaximum(values: ArrayLike<number>, start: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[start + j] > values[start + best]) best = j;
  return best;
}

/** The rows a mask keeps (all without one). */
function keeper(mask: Float32Array | undefined): (row: number) => boolean {
  return mask ? (row) => mask[row] !== 0 : () => true;
}

/** A region's values. */
const valuesOf = (region: F32Region, length: number): Float32Array => region.view().subarray(0, length);

/** precision, recall and auc as compiled metrics: confusion counts per batch, the value from the epoch's totals. */
class CountingMetric implements Metric {
  private readonly thresholds: Float32Array;

  constructor(
    readonly name: string,
    private readonly kind: CountingKind,
    thresholdOrCount: number,
    private readonly saved: unknown,
  ) {
    this.thresholds = kind === 'auc' ? aucThresholds(thresholdOrCount) : Float32Array.of(thresholdOrCount);
  }

  tally(pred: F32Region, target: F32Region, rows: number, width: number, mask?: F32Region): Float64Array {
    const keep = keeper(mask && valuesOf(mask, rows));
    return confusionCounts(valuesOf(pred, rows * width), valuesOf(target, rows * width), rows, width, this.thresholds, keep);
  }

  fromTally(counts: Float64Array): number {
    // One threshold: [tp, fp, tn, fn].
    if (this.kind === 'precision') return ratio(counts[0], counts[0] + counts[1]);
    if (this.kind === 'recall') return ratio(counts[0], counts[0] + counts[3]);
    return aucFromCounts(counts);
  }

  /** A caller that averages batch values gets the batch's value per valid row (the model itself adds tallies). */
  sum(pred: F32Region, target: F32Region, rows: number, width: number, mask?: F32Region): number {
    const valid = mask ? valuesOf(mask, rows).reduce((n, m) => n + (m !== 0 ? 1 : 0), 0) : rows;
    return this.fromTally(this.tally(pred, target, rows, width, mask)) * valid;
  }

  toJSON(): unknown {
    return this.saved;
  }
}

/** topKCategoricalAccuracy and sparseTopKCategoricalAccuracy: rows whose class is in the top k, averaged like accuracy. */
class TopKMetric implements Metric {
  constructor(
    readonly name: string,
    private readonly sparse: boolean,
    private readonly k: number,
    private readonly saved: unknown,
  ) {}

  sum(pred: F32Region, target: F32Region, rows: number, width: number, mask?: F32Region): number {
    return topKHits(valuesOf(pred, rows * width), valuesOf(target, this.sparse ? rows : rows * width), rows, width, this.k, this.sparse, keeper(mask && valuesOf(mask, rows)));
  }

  toJSON(): unknown {
    return this.saved;
  }
}

type Resolved = Exclude<MetricKind, 'accuracy' | CountingKind | TopKKind>;

class KernelMetric implements Metric {
  constructor(
    readonly name: string,
    private readonly kind: Resolved | 'accuracy',
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
  const sparseKind = kind === 'sparseCategoricalAccuracy' || kind === 'sparseTopKCategoricalAccuracy';
  if (sparseLoss && !sparseKind) {
    throw new ModelConfigError('compile', argument, `${argument}: '${name}' compares predictions with targets of the output's shape, but sparseCategoricalCrossentropy takes class ids; use 'accuracy', 'sparseCategoricalAccuracy' or 'sparseTopKCategoricalAccuracy'`);
  }
  if (!sparseLoss && sparseKind) {
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
  let config: Record<string, unknown> = {};
  if (typeof spec === 'string') {
    kind = BY_NAME.get(spec);
    if (!kind) throw unknownName(argument, '', spec, BY_NAME.keys(), Object.keys(ALIASES));
    name = KERAS_NAMES[kind] ?? spec;
    saved = kerasSpelling(spec);
  } else if (spec !== null && typeof spec === 'object' && !Array.isArray(spec) && 'class_name' in spec) {
    const { class_name: className, config: savedConfig } = spec as { class_name: unknown; config?: unknown };
    if (className === 'function' && typeof savedConfig === 'string') return metricFrom(savedConfig, loss, argument);
    const known = typeof className === 'string' ? CLASSES.get(className) : undefined;
    if (!known) throw unknownName(argument, '.class_name', className, CLASSES.keys(), [...CLASSES.keys()]);
    [kind, name] = known;
    if (savedConfig !== undefined && savedConfig !== null) {
      if (typeof savedConfig !== 'object' || Array.isArray(savedConfig)) throw new ModelConfigError('compile', argument, `${argument}.config of ${String(className)} must be an object, got ${describe(savedConfig)}`);
      const c = (config = savedConfig as Record<string, unknown>);
      const options = ['name', 'dtype', ...(CONFIG_OPTIONS[kind] ?? [])];
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
  const option = (key: string, fallback: number, valid: (v: number) => boolean, expected: string): number => {
    const value = config[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !valid(value)) throw new ModelConfigError('compile', argument, `${argument}.config.${key} must be ${expected}, got ${describe(value)}`);
    return value;
  };
  const fixed = (key: string, only: string): void => {
    if (config[key] !== undefined && config[key] !== only) throw new ModelConfigError('compile', argument, `${argument}.config.${key} must be '${only}' (the only one seqwasm has), got ${describe(config[key])}`);
  };
  switch (kind) {
    case 'precision':
    case 'recall':
      return new CountingMetric(name, kind, option('thresholds', 0.5, Number.isFinite, 'one finite number'), saved);
    case 'auc':
      fixed('curve', 'ROC');
      fixed('summation_method', 'interpolation');
      return new CountingMetric(name, kind, option('num_thresholds', 200, (v) => Number.isSafeInteger(v) && v > 1, 'an integer > 1'), saved);
    case 'topKCategoricalAccuracy':
    case 'sparseTopKCategoricalAccuracy':
      return new TopKMetric(name, kind === 'sparseTopKCategoricalAccuracy', option('k', 5, (v) => Number.isSafeInteger(v) && v >= 1, 'an integer >= 1'), saved);
    default:
      return new KernelMetric(name, kind, threshold, saved);
  }
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

/** The confusion counts of yPred against yTrue (same shapes) at `thresholds`. */
function countsOf(yTrue: TensorLike, yPred: TensorLike, thresholds: Float32Array): Float64Array {
  const [t, p] = pair(yTrue, yPred);
  return confusionCounts(p.data, t.data, 1, p.data.length, thresholds, () => true);
}

/** Keras `Precision` (one update): TP / (TP + FP), a prediction positive when > threshold (default 0.5), a label when nonzero; 0 with no positive prediction. */
function precision(yTrue: TensorLike, yPred: TensorLike, threshold = 0.5): number {
  const counts = countsOf(yTrue, yPred, Float32Array.of(finiteArgument('threshold', threshold)));
  return ratio(counts[0], counts[0] + counts[1]);
}

/** Keras `Recall` (one update): TP / (TP + FN); 0 with no positive label. */
function recall(yTrue: TensorLike, yPred: TensorLike, threshold = 0.5): number {
  const counts = countsOf(yTrue, yPred, Float32Array.of(finiteArgument('threshold', threshold)));
  return ratio(counts[0], counts[0] + counts[3]);
}

/** Keras `AUC` (ROC, interpolation) over numThresholds (default 200) thresholds. */
function auc(yTrue: TensorLike, yPred: TensorLike, numThresholds = 200): number {
  if (!(Number.isSafeInteger(numThresholds) && numThresholds > 1)) throw new DataError('numThresholds', `expected an integer > 1, got ${describe(numThresholds)}`);
  return aucFromCounts(countsOf(yTrue, yPred, aucThresholds(numThresholds)));
}

/** The fraction of rows of yPred [..., C] whose target class is among the k highest scores; `sparse`: yTrue holds class ids. */
function topKAccuracy(yTrue: TensorLike, yPred: TensorLike, k: number, sparse: boolean): number {
  if (!(Number.isSafeInteger(k) && k >= 1)) throw new DataError('k', `expected an integer >= 1, got ${describe(k)}`);
  const p = toTensor(yPred, 'yPred');
  if (p.shape.length < 2) throw new DataError('yPred', `expected [samples, …, classes], got [${p.shape.join(', ')}]`);
  const width = p.shape[p.shape.length - 1];
  const rows = p.data.length / width;
  let t = toTensor(yTrue, 'yTrue');
  if (sparse) {
    const ids = p.shape.slice(0, -1);
    if (!sameShape(t.shape, ids) && !differByTrailingOne(t.shape, ids)) throw new DataError('yTrue', `expected class ids of shape [${ids.join(', ')}], got [${t.shape.join(', ')}]`);
    const bad = t.data.findIndex((id) => !(Number.isInteger(id) && id >= 0 && id < width));
    if (bad >= 0) throw new DataError('yTrue', `expected class ids in [0, ${width}), element ${bad} is ${t.data[bad]}`);
  } else {
    [t] = pair(t, p);
  }
  if (rows === 0) throw new DataError('yPred', 'has no values');
  return topKHits(p.data, t.data, rows, width, k, sparse, () => true) / rows;
}

function finiteArgument(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new DataError(name, `expected a finite number, got ${describe(value)}`);
  return value;
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
  /**
   * TP / (TP + FP) over every value (Keras `Precision` after one update): a prediction is
   * positive when > threshold (default 0.5), a label when nonzero; 0 when nothing is predicted
   * positive. As a compile() metric ('precision') it counts over the whole epoch.
   *
   * @example
   * ```ts
   * metrics.precision([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1]);   // 0.5
   * ```
   */
  precision,
  /**
   * TP / (TP + FN) over every value (Keras `Recall`); 0 when there is no positive label.
   *
   * @example
   * ```ts
   * metrics.recall([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1]);   // 0.5
   * ```
   */
  recall,
  /**
   * The area under the ROC curve (Keras `AUC`: numThresholds thresholds, default 200, evenly
   * spaced in [0, 1], trapezoids between them), labels nonzero = positive.
   *
   * @example
   * ```ts
   * metrics.auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);   // ≈ 0.75
   * ```
   */
  auc,
  /**
   * The fraction of rows whose one-hot target's class is among the k (default 5) highest
   * predictions; classes tied with the k-th count as in (TF's in_top_k).
   *
   * @example
   * ```ts
   * metrics.topKCategoricalAccuracy([[0, 0, 1]], [[0.5, 0.3, 0.2]], 2);   // 0: class 2 is third
   * ```
   */
  topKCategoricalAccuracy: (yTrue: TensorLike, yPred: TensorLike, k = 5): number => topKAccuracy(yTrue, yPred, k, false),
  /**
   * topKCategoricalAccuracy with class-id targets ([N] or [N, 1] for yPred [N, C]).
   *
   * @example
   * ```ts
   * metrics.sparseTopKCategoricalAccuracy([2, 0], [[0.5, 0.3, 0.2], [0.6, 0.3, 0.1]], 2);   // 0.5
   * ```
   */
  sparseTopKCategoricalAccuracy: (yTrue: TensorLike, yPred: TensorLike, k = 5): number => topKAccuracy(yTrue, yPred, k, true),
};
