// A model's data before it reaches the layers: the input and target types every model method
// takes, checked against the network (shapes, finite values, embedding ids, targets against
// the loss), and cut into batches that copy straight into a plan's regions. Shared by
// predict (src/model/predict.ts) and the training loop (src/training/training.ts).
import { elementPath } from '../data/validate.js';
import { DataError } from '../data/errors.js';
import { formatShape, type Shape } from '../layers/layer.js';
import type { Option } from '../layers/options.js';
import type { F32Region } from '../runtime/arena.js';
import { differByTrailingOne, shapeSize, toTensor, type Tensor, type TensorLike } from '../tensor.js';
import type { Loss } from '../training/losses.js';
import type { Prng } from '../util/prng.js';
import { describe, ModelConfigError, ModelInputError } from './errors.js';
import { isEmbedding } from './layer-kinds.js';
import { asModelError } from './model.js';
import type { BatchPlan, Network } from './network.js';
import { atLeast } from './options.js';

/**
 * A model's inputs: one tensor (samples first), or an array of them for a model with several inputs.
 *
 * @example
 * ```ts
 * const single: ModelInput = [[[0.1], [0.2], [0.3]]];              // 1 sample, 3 steps, 1 feature
 * const pair: ModelInput = [sources, decoderInputs];               // an encoder–decoder's two inputs
 * ```
 */
export type ModelInput = TensorLike | readonly TensorLike[] | { readonly [inputName: string]: TensorLike };

/**
 * A model's targets: one tensor, or for a model with several outputs an array of them (in
 * output order) or an object keyed by output name.
 *
 * @example
 * ```ts
 * const targets: ModelTargets = { category: labels, score: values };
 * ```
 */
export type ModelTargets = TensorLike | readonly TensorLike[] | { readonly [outputName: string]: TensorLike };

/**
 * One batch of a Dataset: TF.js's `{ xs, ys }` (what data.batches() and timeseriesWindows
 * with batchSize yield), or `{ x, y }`. fit and evaluate need the targets; predict ignores them.
 *
 * @example
 * ```ts
 * const batches: BatchLike[] = [{ xs: x1, ys: y1 }, { xs: x2, ys: y2 }];
 * await model.fit(batches, { epochs: 3 });
 * ```
 */
export type BatchLike =
  | {
      /** The batch's inputs, samples first. */
      readonly xs: ModelInput;
      /** The batch's targets, samples first (not needed by predict). */
      readonly ys?: ModelTargets;
    }
  | {
      /** The batch's inputs, samples first (the `{ x, y }` spelling). */
      readonly x: ModelInput;
      /** The batch's targets, samples first (not needed by predict). */
      readonly y?: ModelTargets;
    };

/**
 * Batches for data larger than memory: an array, an iterable or an async iterable of them.
 * Each batch is used whole (batchSize does not cut it); fit iterates it once per epoch, so
 * every iteration must start over (data.batches() and timeseriesWindows do).
 *
 * @example
 * ```ts
 * const dataset: Dataset = data.batches(x, y, { batchSize: 64, shuffle: true, seed: 1 });
 * await model.fit(dataset, { epochs: 10 });
 * ```
 */
export type Dataset = Iterable<BatchLike> | AsyncIterable<BatchLike>;

/**
 * A TF.js `tf.data.Dataset` or anything shaped like one: `iterator()` (sync or a Promise)
 * returns an iterator whose `next()` resolves to `{ value, done }`, each value a batch
 * `{ xs, ys }`. fitDataset, evaluateDataset and predictDataset take it; every call of
 * iterator() must start over.
 *
 * @example
 * ```ts
 * const dataset: DatasetLike = tf.data.zip({ xs: tf.data.array(xs), ys: tf.data.array(ys) }).batch(32);
 * await model.fitDataset(dataset, { epochs: 5 });
 * ```
 */
export interface DatasetLike {
  /** A fresh iterator over the batches. */
  iterator(): DatasetIterator | Promise<DatasetIterator>;
}

/** What {@link DatasetLike.iterator} returns (TF.js's LazyIterator has this shape). */
export interface DatasetIterator {
  /** The next batch, or `done: true` after the last. */
  next(): Promise<IteratorStep> | IteratorStep;
}

/** One step of a {@link DatasetIterator}. */
export interface IteratorStep {
  /** A batch: `{ xs, ys }` or `{ x, y }`. */
  value: unknown;
  /** true after the last batch. */
  done?: boolean;
}


/**
 * Options of {@link Model.predict}.
 *
 * @example
 * ```ts
 * model.predict(x, { batchSize: 1024 });   // same values as any other batch size
 * ```
 */
export interface PredictOptions {
  /** Samples per internal batch; any value gives the same results. Default 32. */
  batchSize?: number;
}

/** Samples in memory: one tensor per model input, one of targets per output (absent for predict) and their loss weights. */
export class Samples {
  readonly count: number;

  constructor(
    readonly inputs: readonly Tensor[],
    readonly targets: readonly Tensor[] | undefined,
    /** Per output, one weight per output row: [N, rows per sample] (from sampleWeight or classWeight), or none. */
    readonly weights: readonly Tensor[] | undefined = undefined,
  ) {
    this.count = inputs[0].shape[0];
  }

  /** Samples [from, to) (validationSplit): views, no copies. */
  slice(from: number, to: number): Samples {
    const cut = (t: Tensor): Tensor => {
      const row = rowSize(t);
      return { shape: [to - from, ...t.shape.slice(1)], data: t.data.subarray(from * row, to * row) };
    };
    return new Samples(this.inputs.map(cut), this.targets?.map(cut), this.weights?.map(cut));
  }
}

/** One batch: its sample count, the shape of each input, and how to copy it into a plan. */
export interface Batch {
  readonly count: number;
  readonly shapes: readonly (readonly number[])[];
  /** Index of the first sample (in-memory batches in natural order; predict places outputs by it). */
  readonly start: number;
  /** Whether the batch carries loss weights (loaded by loadWeights). */
  readonly weighted: boolean;
  /** Copies the inputs into plan.inputs and, when `targets` is given, each output's targets into its region. */
  load(plan: BatchPlan, targets: readonly F32Region[] | undefined): void;
  /** Copies output `k`'s row weights into `weights` (one float per row). */
  loadWeights(k: number, weights: F32Region): void;
}

/** Anything: checked where it is used (validation data, callbacks, step's initialState). */
export const unchecked: Option<unknown> = { parse: (value) => value };

export const BATCH_OPTIONS = { batchSize: atLeast(1, 32, true) };

// ---- batches ---------------------------------------------------------------------------

/** Batches of in-memory samples in natural order, or in `rng`'s permutation; samples are copied straight into the plan. */
export function* inMemoryBatches(samples: Samples, batchSize: number, rng: Prng | undefined): Generator<Batch> {
  const order = rng ? rng.permutation(samples.count) : undefined;
  for (let start = 0; start < samples.count; start += batchSize) {
    const count = Math.min(batchSize, samples.count - start);
    yield {
      count,
      start,
      shapes: samples.inputs.map((t) => [count, ...t.shape.slice(1)]),
      weighted: samples.weights !== undefined,
      load(plan, targets) {
        samples.inputs.forEach((t, i) => gatherRows(t, order, start, count, plan.inputs[i]));
        if (targets && samples.targets) samples.targets.forEach((t, k) => gatherRows(t, order, start, count, targets[k]));
      },
      loadWeights(k, weights) {
        if (samples.weights) gatherRows(samples.weights[k], order, start, count, weights);
      },
    };
  }
}

/** Rows start … start+count of `t` (through `order` when given) into `region`. */
function gatherRows(t: Tensor, order: Uint32Array | undefined, start: number, count: number, region: F32Region): void {
  const row = rowSize(t);
  const view = region.view();
  if (!order) {
    view.set(t.data.subarray(start * row, (start + count) * row));
    return;
  }
  for (let j = 0; j < count; j++) {
    const i = order[start + j];
    view.set(t.data.subarray(i * row, (i + 1) * row), j * row);
  }
}

/** An array, iterable or async iterable of batches (a Dataset, checked batch by batch). */
export type BatchSource = AsyncIterable<unknown> | Iterable<unknown>;

/** A Dataset: an (async) iterable that is not an array, or an array of batch objects (by its first: data arrays hold no { xs } or { x }). */
export function isBatchSource(x: unknown): x is BatchSource {
  if (Array.isArray(x)) return x.length > 0 && isBatchObject(x[0]);
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return false;
  return typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isBatchObject(item: unknown): boolean {
  return typeof item === 'object' && item !== null && !Array.isArray(item) && ('xs' in item || 'x' in item);
}

/** A plain options object, not data (a tensor, nested arrays or typed arrays). */
export function isOptionsObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !('shape' in value && 'data' in value);
}


/** A Dataset argument of fitDataset / evaluateDataset / predictDataset, checked; a TF.js-style dataset (iterator()) becomes an async iterable. */
export function datasetOf(owner: string, dataset: unknown): BatchSource {
  if (isBatchSource(dataset)) return dataset;
  if (typeof dataset === 'object' && dataset !== null && typeof (dataset as DatasetLike).iterator === 'function') return tfDatasetBatches(dataset as DatasetLike);
  throw new ModelInputError(owner, 'dataset', `dataset must be an array, iterable or async iterable of { xs, ys } batches, or a TF.js-style dataset with iterator(), got ${describe(dataset)}`);
}

/** The batches of a TF.js-style dataset, a fresh iterator() per pass. */
function tfDatasetBatches(dataset: DatasetLike): AsyncIterable<unknown> {
  return {
    async *[Symbol.asyncIterator]() {
      const iterator = await dataset.iterator();
      for (;;) {
        const { value, done } = await iterator.next();
        if (done) return;
        yield value;
      }
    },
  };
}

/** Calls `visit` on every item of a sync source (evaluate, predict); an async one is an error that names the method to use. */
export function forEachSyncItem(owner: string, source: BatchSource, what: string, visit: (item: unknown, where: string) => void): void {
  if (typeof (source as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new ModelInputError(owner, 'x', `${what}() returns its result at once and cannot wait for an async iterable; use ${what}Dataset(), which returns a Promise`);
  }
  let index = 0;
  for (const item of source as Iterable<unknown>) visit(item, `batch ${index++}`);
  if (index === 0) throw noBatches(owner, 'the dataset', true);
}

/** Calls `visit` on every item of a sync or async source, in order. */
export async function forEachItem(owner: string, source: BatchSource, visit: (item: unknown, where: string) => void): Promise<void> {
  let index = 0;
  for await (const item of source as AsyncIterable<unknown>) visit(item, `batch ${index++}`);
  if (index === 0) throw noBatches(owner, 'the dataset', true);
}

export function noBatches(owner: string, what: string, dataset: boolean): ModelInputError {
  const hint = dataset ? '; an iterable of batches must start over on every iteration (an object whose [Symbol.asyncIterator]() or [Symbol.iterator]() returns a new iterator each time)' : '';
  return new ModelInputError(owner, 'x', `${what} received no batches${hint}`);
}

/** One batch of a Dataset as samples: `{ xs, ys }` (TF.js) first, else `{ x, y }`; the targets are checked when there is a loss. */
export function batchSamples(network: Network, losses: readonly Loss[] | undefined, item: unknown, where: string, weighting?: Weighting): Samples {
  if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
    const batch = item as { xs?: unknown; ys?: unknown; x?: unknown; y?: unknown };
    if ('xs' in batch) return samplesOf(network, losses, batch.xs, batch.ys, `${where}.xs`, `${where}.ys`, weighting);
    if ('x' in batch) return samplesOf(network, losses, batch.x, batch.y, `${where}.x`, `${where}.y`, weighting);
  }
  throw new ModelInputError(network.name, 'x', `${where}: each batch must be { xs, ys } (or { x, y }), got ${describe(item)}`);
}

// ---- checking data ---------------------------------------------------------------------

/**
 * `value` as one entry per name: a single value when there is one name; else an array in
 * order, or an object keyed by the names (every name present, no other key).
 */
function byName(owner: string, value: unknown, names: readonly string[], argument: string, what: string): { values: unknown[]; labels: string[] } {
  if (names.length === 1) return { values: [value], labels: [argument] };
  if (Array.isArray(value) && value.length === names.length && !isNumberList(value)) return { values: value, labels: names.map((_, i) => `${argument}[${i}]`) };
  if (isOptionsObject(value)) {
    const given = value as Record<string, unknown>;
    const extra = Object.keys(given).find((key) => !names.includes(key));
    if (extra !== undefined) throw new ModelInputError(owner, argument, `${argument} has a key '${extra}' that is not one of the model's ${what} (${names.join(', ')})`);
    const missing = names.find((name) => !Object.hasOwn(given, name));
    if (missing !== undefined) throw new ModelInputError(owner, argument, `${argument} has no entry for ${what.slice(0, -1)} '${missing}'`);
    return { values: names.map((name) => given[name]), labels: names.map((name) => `${argument}.${name}`) };
  }
  throw new ModelInputError(owner, argument, `expected ${names.length} ${what} (${names.join(', ')}) as an array or an object keyed by name, got ${describe(value)}`);
}

/** A flat list of numbers (one sample's values), not a list of tensors. */
function isNumberList(value: readonly unknown[]): boolean {
  return value.every((v) => typeof v === 'number');
}

/** x (one tensor, or one per input) and y (one per output), checked against the network (built from x's shape if needed) and the losses. */
export function samplesOf(network: Network, losses: readonly Loss[] | undefined, x: unknown, y: unknown, xName: string, yName: string, weighting?: Weighting): Samples {
  const owner = network.name;
  const declared = network.inputShapes();
  const { values: given, labels } = byName(owner, x, network.inputNames(), xName, 'inputs');
  const inputs = given.map((value, i) => samplesTensor(owner, value, labels[i]));
  const count = inputs[0].shape[0];
  inputs.forEach((t, i) => {
    const name = labels[i];
    const shape = declared[i];
    const known = shape.length > 0; // [] until a model without a declared input shape has seen data
    if (known && (t.shape.length !== shape.length || shape.some((d, axis) => d !== null && axis > 0 && d !== t.shape[axis]))) {
      throw new ModelInputError(owner, name, `${name} must have shape ${formatShape([null, ...shape.slice(1)])} (samples first), got ${formatShape(t.shape)}`);
    }
    if (t.shape[0] < 1) throw new ModelInputError(owner, name, `${name} has no samples`);
    if (t.shape[0] !== count) throw new ModelInputError(owner, name, `${name} has ${t.shape[0]} samples but ${labels[0]} has ${count}`);
  });
  network.ensureBuilt(inputs.map((t) => openShape(t.shape)));
  network.inputLayers().forEach((layer, i) => {
    if (isEmbedding(layer)) asModelError(owner, () => layer.checkIds(inputs[i], labels[i]));
  });
  if (!losses) return new Samples(inputs, undefined);
  if (y === undefined) throw new ModelInputError(owner, yName, `${yName} (the targets) is required`);
  const outputShapes = network.outputShapes(inputs.map((t) => t.shape)) as (readonly number[])[];
  const { values: givenTargets, labels: targetLabels } = byName(owner, y, network.outputNames(), yName, 'outputs');
  const targets = givenTargets.map((value, k) => {
    const label = targetLabels[k];
    const labels = samplesTensor(owner, value, label);
    const loss = losses[k];
    const outputShape = outputShapes[k];
    const expected = loss.targetShape(outputShape);
    // Keras squeezes or expands a trailing axis of 1: binary labels [N] for outputs [N, 1], sparse labels [N, 1] for ids [N].
    const target = differByTrailingOne(labels.shape, expected) ? { shape: expected, data: labels.data } : labels;
    if (target.shape.length !== expected.length || expected.some((d, axis) => d !== target.shape[axis])) {
      throw new ModelInputError(owner, label, `${label} must have shape ${formatShape(expected)} for outputs of shape ${formatShape(outputShape)} and loss ${loss.name}, got ${formatShape(target.shape)}`);
    }
    loss.checkTargets(target.data, outputShape[outputShape.length - 1], owner, label);
    return target;
  });
  if (weighting?.classWeight && targets.length > 1) {
    throw new ModelConfigError(owner, 'classWeight', `classWeight applies to a model with one output; this one has ${targets.length} (${network.outputNames().join(', ')}): give sampleWeight, which weighs every output`);
  }
  const weights = weighting && targets.map((target, k) => rowWeights(owner, losses[k], target, outputShapes[k], weighting));
  return new Samples(inputs, targets, weights);
}


/** How a call weights its samples: sampleWeight (with the argument name errors give) or classWeight. */
export interface Weighting {
  readonly sampleWeight?: unknown;
  readonly name?: string;
  readonly classWeight?: ReadonlyMap<number, number>;
}

/**
 * One loss weight per output row, [N, rows per sample]: sampleWeight ([N], or the output's
 * leading axes [N, T] for a sequence output; a trailing axis of 1 is dropped) repeated over a
 * sample's rows, or each target row's class weight (1 for a class classWeight leaves out).
 */
function rowWeights(owner: string, loss: Loss, targets: Tensor, outputShape: readonly number[], weighting: Weighting): Tensor {
  const count = outputShape[0];
  const width = outputShape[outputShape.length - 1];
  const rowShape = outputShape.slice(0, -1);
  const perSample = shapeSize(rowShape) / count;
  const data = new Float32Array(count * perSample);
  if (weighting.classWeight) {
    const sparse = loss.name === 'sparseCategoricalCrossentropy';
    for (let row = 0; row < data.length; row++) {
      const label = sparse ? targets.data[row] : width === 1 ? Math.round(targets.data[row]) : firstArgmax(targets.data, row * width, width);
      data[row] = weighting.classWeight.get(label) ?? 1;
    }
    return { shape: [count, perSample], data };
  }
  const name = weighting.name ?? 'sampleWeight';
  const given = finiteTensorOf(owner, weighting.sampleWeight, name);
  const perStep = given.shape.length === rowShape.length && rowShape.every((d, axis) => d === given.shape[axis]);
  const perSampleOnly = given.shape.length >= 1 && given.shape[0] === count && shapeSize(given.shape) === count;
  if (!perStep && !perSampleOnly) {
    const stepShape = rowShape.length > 1 ? ` or ${formatShape(rowShape)} (one per step)` : '';
    throw new ModelInputError(owner, name, `${name} must have shape [${count}] (one weight per sample)${stepShape}, got ${formatShape(given.shape)}`);
  }
  for (let i = 0; i < given.data.length; i++) {
    if (given.data[i] < 0) throw new ModelInputError(owner, name, `${name}${elementPath(given.shape, i)} is ${given.data[i]}; weights must be >= 0`);
  }
  if (perStep) data.set(given.data);
  else for (let sample = 0; sample < count; sample++) data.fill(given.data[sample], sample * perSample, (sample + 1) * perSample);
  return { shape: [count, perSample], data };
}

/** The index of the first maximum of `width` values from `start` (Keras's argmax of a one-hot row). */
function firstArgmax(values: Float32Array, start: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[start + j] > values[start + best]) best = j;
  return best;
}

/** finiteTensorOf for data with samples first (not a scalar). */
function samplesTensor(owner: string, value: unknown, name: string): Tensor {
  const t = finiteTensorOf(owner, value, name);
  if (t.shape.length === 0) throw new ModelInputError(owner, name, `${name} must have a samples dimension, got a scalar`);
  return t;
}

/** A data tensor as the model's error: conversion problems and non-finite values name the element. */
export function finiteTensorOf(owner: string, value: unknown, name: string): Tensor {
  let t: Tensor;
  try {
    t = toTensor(value as TensorLike, name);
  } catch (error) {
    if (error instanceof DataError) throw new ModelInputError(owner, error.argument, error.message);
    throw error;
  }
  const data = t.data;
  // A plain loop: findIndex with a callback costs ~17 ns a value, a noticeable share of fit() on small models.
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ModelInputError(owner, name, `${name}${elementPath(t.shape, i)} is ${data[i]}; data must be finite`);
  }
  return t;
}

/** The shape layers are built for from data: the batch and any time axis left open, so other batch sizes and lengths work later. */
function openShape(shape: readonly number[]): Shape {
  return shape.map((d, axis) => (axis === shape.length - 1 && axis > 0 ? d : axis === 0 || shape.length > 2 ? null : d));
}

function rowSize(t: Tensor): number {
  return shapeSize(t.shape.slice(1));
}
