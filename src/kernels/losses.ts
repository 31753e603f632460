// Typed wrappers around the loss and metric kernels of assembly/losses.ts (Keras 3 semantics,
// documented there). Predictions and targets are row-major [rows, width]; sparse targets are
// [rows] class ids. Every argument is checked before any Wasm runs, so a bad size, region or
// class id is a RangeError/TypeError naming the argument, and no gradient is touched. Losses
// return the mean over rows in float64 and, given `grad` (rows·width floats, not overlapping
// pred, target or mask), write d(loss)/d(pred) there; metrics return a sum over rows.
//
// Every function takes an optional last `mask`: [rows] floats, 1 for a row that counts and 0
// for padding (a sequence output whose input was masked). Any nonzero float counts as 1; the
// elements are not checked, so no O(rows) pass per batch is spent on them. With a mask a loss
// is the mean over the valid rows only (Keras 3 apply_mask, 'sum_over_batch_size'): the
// gradient is 0 on masked rows and scaled by 1/valid instead of 1/rows elsewhere, and with no
// valid row the loss is 0 and the gradient all zeros. The kernels do not read masked rows
// (sparse ids are still checked in every row). A metric sums over the valid rows (the caller
// divides by its own valid count). A mask of all ones gives the same bits as no mask.
//
// Every loss also takes an optional `weights` after the mask: [rows] floats, finite and >= 0
// (checked), one per row (Keras sample_weight, class_weight). Each row's loss and gradient are
// multiplied by its weight; the divisor stays rows (valid rows under a mask), as Keras's
// 'sum_over_batch_size' reduction. Metrics take no weights (Keras's compile metrics do not).
import type { F32Region } from '../runtime/arena.js';
import { arena } from '../runtime/module.js';
import { apart, exportsOf, scalar } from './buffers.js';
import { dim } from './validate.js';

/**
 * What a cross-entropy's `pred` holds and what its gradient is with respect to:
 * 'probabilities' (grad w.r.t. them), 'fused' (pred is the output of the model's final softmax,
 * or sigmoid for binary; grad w.r.t. the logits before it) or 'logits' (grad w.r.t. them).
 *
 * @example
 * ```ts
 * const mode: kernels.CrossentropyMode = 'fused';   // pred came from a softmax; grad w.r.t. its logits
 * ```
 */
export type CrossentropyMode = 'probabilities' | 'fused' | 'logits';
const MODES: Record<CrossentropyMode, number> = { probabilities: 0, fused: 1, logits: 2 };

/** Byte offsets first (grad and mask 0 for none), then the sizes, then the loss's option if it has one. */
type Kernel = (pred: number, target: number, grad: number, mask: number, rows: number, width: number, extra: number) => number;
type MetricKernel = (pred: number, target: number, mask: number, rows: number, width: number, extra: number) => number;
type WeightedKernel = (loss: number, pred: number, target: number, grad: number, mask: number, weights: number, rows: number, width: number, extra: number) => number;
interface LossExports {
  lossWeighted: WeightedKernel;
  lossMeanSquaredError: Kernel;
  lossMeanAbsoluteError: Kernel;
  lossHuber: Kernel;
  lossBinaryCrossentropy: Kernel;
  lossCategoricalCrossentropy: Kernel;
  lossSparseCategoricalCrossentropy: Kernel;
  metricCategoricalAccuracy: MetricKernel;
  metricSparseCategoricalAccuracy: MetricKernel;
  metricBinaryAccuracy: MetricKernel;
  metricMeanSquaredError: MetricKernel;
  metricMeanAbsoluteError: MetricKernel;
}

type TargetKind = 'dense' | 'sparse';

/**
 * The shared checks: live regions, rows (>= minRows) and width (>= 1), pred and grad holding
 * rows·width floats, target rows·width (dense) or rows (sparse) with valid class ids, mask rows
 * floats, grad apart from every input. Returns the byte offsets [pred, target, grad or 0, mask or 0].
 */
function check(what: string, minRows: number, kind: TargetKind, pred: F32Region, target: F32Region, rows: number, width: number, grad: F32Region | undefined, mask: F32Region | undefined): [number, number, number, number] {
  const memory = arena(what);
  memory.assertLive(`${what}(pred)`, pred);
  memory.assertLive(`${what}(target)`, target);
  if (grad !== undefined) memory.assertLive(`${what}(grad)`, grad);
  if (mask !== undefined) memory.assertLive(`${what}(mask)`, mask);
  dim(`${what}(rows)`, rows, minRows);
  dim(`${what}(width)`, width, 1);
  const floats = rows * width;
  const targetFloats = kind === 'sparse' ? rows : floats;
  const predOffset = memory.checkArgument(what, 'pred', pred, floats);
  const targetOffset = memory.checkArgument(what, 'target', target, targetFloats);
  if (kind === 'sparse') {
    const ids = memory.f32;
    const first = targetOffset >> 2;
    for (let i = 0; i < rows; i++) {
      const id = ids[first + i];
      if (!(Number.isInteger(id) && id >= 0 && id < width)) {
        throw new RangeError(`${what}(target): expected class ids, integers in [0, ${width}), got target[${i}] = ${id}`);
      }
    }
  }
  const maskOffset = mask === undefined ? 0 : memory.checkArgument(what, 'mask', mask, rows);
  if (grad === undefined) return [predOffset, targetOffset, 0, maskOffset];
  const gradOffset = memory.checkArgument(what, 'grad', grad, floats);
  apart(what, ['grad', gradOffset, floats], ['pred', predOffset, floats]);
  apart(what, ['grad', gradOffset, floats], ['target', targetOffset, targetFloats]);
  // The kernel reads a row's mask after writing earlier rows' gradients.
  if (mask !== undefined) apart(what, ['grad', gradOffset, floats], ['mask', maskOffset, rows]);
  return [predOffset, targetOffset, gradOffset, maskOffset];
}

function crossentropyMode(what: string, mode: CrossentropyMode): number {
  const code = MODES[mode];
  if (typeof mode !== 'string' || code === undefined) {
    throw new RangeError(`${what}(mode): expected one of ${Object.keys(MODES).join(', ')}, got ${String(mode)}`);
  }
  return code;
}

/** lossWeighted's code of each loss export (assembly/losses.ts LOSS_MSE …). */
const WEIGHTED_CODES: Record<Exclude<keyof LossExports & `loss${string}`, 'lossWeighted'>, number> = {
  lossMeanSquaredError: 0,
  lossMeanAbsoluteError: 1,
  lossHuber: 2,
  lossBinaryCrossentropy: 3,
  lossCategoricalCrossentropy: 4,
  lossSparseCategoricalCrossentropy: 5,
};

function loss(what: keyof typeof WEIGHTED_CODES, kind: TargetKind, pred: F32Region, target: F32Region, rows: number, width: number, grad: F32Region | undefined, mask: F32Region | undefined, weights: F32Region | undefined, extra = 0): number {
  const [p, t, g, m] = check(what, 1, kind, pred, target, rows, width, grad, mask);
  if (weights === undefined) return exportsOf<LossExports>(what)[what](p, t, g, m, rows, width, extra);
  const w = checkWeights(what, weights, rows, g, rows * width);
  return exportsOf<LossExports>('lossWeighted').lossWeighted(WEIGHTED_CODES[what], p, t, g, m, w, rows, width, extra);
}

/** The byte offset of `weights`: live, `rows` floats, each finite and >= 0, apart from the gradient (written while weights are read). */
function checkWeights(what: string, weights: F32Region, rows: number, gradOffset: number, gradFloats: number): number {
  const memory = arena(what);
  const offset = memory.checkArgument(what, 'weights', weights, rows);
  const values = memory.f32;
  const first = offset >> 2;
  for (let i = 0; i < rows; i++) {
    const w = values[first + i];
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`${what}(weights): expected finite weights >= 0, got weights[${i}] = ${w}`);
  }
  if (gradOffset !== 0) apart(what, ['grad', gradOffset, gradFloats], ['weights', offset, rows]);
  return offset;
}

function metric(what: keyof LossExports & `metric${string}`, kind: TargetKind, pred: F32Region, target: F32Region, rows: number, width: number, mask: F32Region | undefined, extra = 0): number {
  const [p, t, , m] = check(what, 0, kind, pred, target, rows, width, undefined, mask);
  return exportsOf<LossExports>(what)[what](p, t, m, rows, width, extra);
}

/**
 * Mean over rows of mean_j (pred − target)²; grad = 2(pred − target)/(rows·width).
 *
 * @example
 * ```ts
 * const loss = kernels.meanSquaredError(pred, target, rows, width, grad);   // grad = ∂loss/∂pred
 * ```
 */
export function meanSquaredError(pred: F32Region, target: F32Region, rows: number, width: number, grad?: F32Region, mask?: F32Region, weights?: F32Region): number {
  return loss('lossMeanSquaredError', 'dense', pred, target, rows, width, grad, mask, weights);
}

/**
 * Mean over rows of mean_j |pred − target|; grad = sign(pred − target)/(rows·width), 0 where equal.
 *
 * @example
 * ```ts
 * const loss = kernels.meanAbsoluteError(pred, target, rows, width);
 * ```
 */
export function meanAbsoluteError(pred: F32Region, target: F32Region, rows: number, width: number, grad?: F32Region, mask?: F32Region, weights?: F32Region): number {
  return loss('lossMeanAbsoluteError', 'dense', pred, target, rows, width, grad, mask, weights);
}

/**
 * Huber: ½d² where |d| <= delta, else delta·|d| − ½delta² (d = pred − target, delta > 0 as float32).
 *
 * @example
 * ```ts
 * const loss = kernels.huber(pred, target, rows, width, 1.0, grad);
 * ```
 */
export function huber(pred: F32Region, target: F32Region, rows: number, width: number, delta = 1, grad?: F32Region, mask?: F32Region, weights?: F32Region): number {
  scalar('lossHuber', 'delta', delta);
  if (!(Number.isFinite(delta) && delta > 0)) throw new RangeError(`lossHuber(delta): expected a finite number > 0, got ${delta}`);
  return loss('lossHuber', 'dense', pred, target, rows, width, grad, mask, weights, delta);
}

/**
 * Binary cross-entropy, the mean over each row's elements then over rows; see CrossentropyMode.
 *
 * @example
 * ```ts
 * const loss = kernels.binaryCrossentropy(probs, target, rows, 1, 'probabilities', grad);
 * ```
 */
export function binaryCrossentropy(pred: F32Region, target: F32Region, rows: number, width: number, mode: CrossentropyMode = 'probabilities', grad?: F32Region, mask?: F32Region, weights?: F32Region): number {
  const what = 'lossBinaryCrossentropy';
  return loss(what, 'dense', pred, target, rows, width, grad, mask, weights, crossentropyMode(what, mode));
}

/**
 * Categorical cross-entropy with [rows, width] targets (one-hot or soft); see CrossentropyMode.
 *
 * @example
 * ```ts
 * const loss = kernels.categoricalCrossentropy(probs, oneHot, rows, classes, 'fused', dLogits);
 * ```
 */
export function categoricalCrossentropy(pred: F32Region, target: F32Region, rows: number, width: number, mode: CrossentropyMode = 'probabilities', grad?: F32Region, mask?: F32Region, weights?: F32Region): number {
  const what = 'lossCategoricalCrossentropy';
  return loss(what, 'dense', pred, target, rows, width, grad, mask, weights, crossentropyMode(what, mode));
}

/**
 * Categorical cross-entropy with [rows] integer class ids in [0, width); see CrossentropyMode.
 *
 * @example
 * ```ts
 * const loss = kernels.sparseCategoricalCrossentropy(logits, ids, rows, classes, 'logits', grad);
 * ```
 */
export function sparseCategoricalCrossentropy(pred: F32Region, ids: F32Region, rows: number, width: number, mode: CrossentropyMode = 'probabilities', grad?: F32Region, mask?: F32Region, weights?: F32Region): number {
  const what = 'lossSparseCategoricalCrossentropy';
  return loss(what, 'sparse', pred, ids, rows, width, grad, mask, weights, crossentropyMode(what, mode));
}

/**
 * The number of rows whose argmax (first maximum wins) of pred equals that of target.
 *
 * @example
 * ```ts
 * const accuracy = kernels.categoricalAccuracySum(probs, oneHot, rows, classes) / rows;
 * ```
 */
export function categoricalAccuracySum(pred: F32Region, target: F32Region, rows: number, width: number, mask?: F32Region): number {
  return metric('metricCategoricalAccuracy', 'dense', pred, target, rows, width, mask);
}

/**
 * The number of rows whose argmax of pred equals the class id.
 *
 * @example
 * ```ts
 * const accuracy = kernels.sparseCategoricalAccuracySum(probs, ids, rows, classes) / rows;
 * ```
 */
export function sparseCategoricalAccuracySum(pred: F32Region, ids: F32Region, rows: number, width: number, mask?: F32Region): number {
  return metric('metricSparseCategoricalAccuracy', 'sparse', pred, ids, rows, width, mask);
}

/**
 * Σ over rows of the fraction of elements where target == (pred > threshold ? 1 : 0).
 *
 * @example
 * ```ts
 * const accuracy = kernels.binaryAccuracySum(probs, labels, rows, 1) / rows;
 * ```
 */
export function binaryAccuracySum(pred: F32Region, target: F32Region, rows: number, width: number, threshold = 0.5, mask?: F32Region): number {
  const what = 'metricBinaryAccuracy';
  scalar(what, 'threshold', threshold);
  if (!Number.isFinite(threshold)) throw new RangeError(`${what}(threshold): expected a finite number, got ${threshold}`);
  return metric(what, 'dense', pred, target, rows, width, mask, threshold);
}

/**
 * Σ over rows of mean_j (pred − target)².
 *
 * @example
 * ```ts
 * const mse = kernels.meanSquaredErrorSum(pred, target, rows, width) / rows;
 * ```
 */
export function meanSquaredErrorSum(pred: F32Region, target: F32Region, rows: number, width: number, mask?: F32Region): number {
  return metric('metricMeanSquaredError', 'dense', pred, target, rows, width, mask);
}

/**
 * Σ over rows of mean_j |pred − target|.
 *
 * @example
 * ```ts
 * const mae = kernels.meanAbsoluteErrorSum(pred, target, rows, width) / rows;
 * ```
 */
export function meanAbsoluteErrorSum(pred: F32Region, target: F32Region, rows: number, width: number, mask?: F32Region): number {
  return metric('metricMeanAbsoluteError', 'dense', pred, target, rows, width, mask);
}
