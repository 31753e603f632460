// The training loop, shared by every model kind (a Network): fit, evaluate and predict over
// in-memory tensors or an (async) iterable of batches. One batch, top to bottom:
//
//   copy the batch's samples into the plan's input regions (a seeded permutation when shuffling)
//   forward through the planned layers                 (Wasm, one call per layer)
//   loss and its gradient at the output, metrics        (Wasm, fused with softmax/sigmoid when it can)
//   zero the weight gradients, backward in reverse      (Wasm)
//   the optimizer updates every weight                  (Wasm, one call per weight tensor)
//
// Randomness is a function of the model's seed and the epoch and batch numbers only (the
// shuffle of epoch e, the dropout masks of batch b of epoch e), so a run resumed at
// initialEpoch from a checkpoint repeats the bits of a run that never stopped.
import { elementPath } from '../data/validate.js';
import type { Layer, LayerWeight, Shape } from '../layers/layer.js';
import { formatShape } from '../layers/layer.js';
import { DataError } from '../data/errors.js';
import type { Option } from '../layers/options.js';
import type { F32Region } from '../runtime/arena.js';
import { scale } from '../kernels/elementwise.js';
import { concat, differByTrailingOne, shapeSize, toTensor, type Tensor, type TensorLike } from '../tensor.js';
import type { Prng } from '../util/prng.js';
import type { Callback, CallbackHooks, CallbackModel, Logs, TrainingParams } from './callbacks.js';
import { describe, ModelConfigError, ModelInputError, ModelStateError } from '../model/errors.js';
import { isEmbedding } from '../model/layer-kinds.js';
import { asModelError } from '../model/model.js';
import type { Loss } from './losses.js';
import type { Metric } from './metrics.js';
import type { BatchPlan, Network } from '../model/network.js';
import { atLeast, readOptions } from '../model/options.js';
import type { Optimizer } from './optimizers.js';

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
 * Options of {@link Model.trainOnBatch} and {@link Model.testOnBatch}.
 *
 * @example
 * ```ts
 * model.trainOnBatch(x, y, { classWeight: { 0: 1, 1: 4 } });
 * ```
 */
export interface BatchOptions {
  /** A weight per sample (or per step), as fit()'s sampleWeight. */
  sampleWeight?: TensorLike;
  /** Class index → weight, as fit()'s classWeight. */
  classWeight?: ClassWeight;
}

/**
 * What fit()'s `callbacks` option takes: a Callback, an object of hooks, or an array of these.
 *
 * @example
 * ```ts
 * const list: CallbackList = [callbacks.earlyStopping({ patience: 3 }), { onEpochEnd: (epoch, logs) => console.log(epoch, logs?.loss) }];
 * ```
 */
export type CallbackList = Callback | CallbackHooks | readonly (Callback | CallbackHooks)[];

/**
 * Weights of the classes for fit()'s and evaluate()'s `classWeight`: class index → weight
 * (finite, >= 0). A class left out weighs 1, as Keras.
 *
 * @example
 * ```ts
 * const weights: ClassWeight = { 0: 1, 1: 9 };    // class 1 is 9 times rarer
 * await model.fit(x, y, { classWeight: weights });
 * ```
 */
export type ClassWeight = Readonly<Record<number, number>>;

/**
 * Options of {@link Model.fit} (TF.js names, Keras defaults).
 *
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 20, batchSize: 64, shuffle: true, validationData: [xVal, yVal], verbose: 2 });
 * ```
 */
export interface FitOptions {
  /** Passes over the data. Default 1. */
  epochs?: number;
  /** Samples per gradient step. Default 32. */
  batchSize?: number;
  /** Visit samples in a new seeded order every epoch. Default true. */
  shuffle?: boolean;
  /** Fraction of the samples, taken from the end before shuffling (as Keras), held out for validation. */
  validationSplit?: number;
  /** [x, y] or [x, y, sampleWeight] to evaluate after every epoch (instead of validationSplit). */
  validationData?: readonly [ModelInput, ModelTargets] | readonly [ModelInput, ModelTargets, TensorLike];
  /**
   * A weight per sample ([N]; [N, T] for a sequence output: one per step), finite and >= 0,
   * multiplying that sample's loss and gradient (Keras `sample_weight`: the batch loss is
   * Σ weight·loss over the batch's rows divided by their count, masked steps left out).
   * With several outputs it weighs every output's loss (Keras).
   * Metrics stay unweighted, as Keras's compile metrics. Not with classWeight (Keras 3).
   */
  sampleWeight?: TensorLike;
  /**
   * Class index → weight ({@link ClassWeight}): each target row weighs its class's weight (the
   * class id for sparse targets, the argmax of a one-hot row, the rounded label of a single
   * binary output); a model with one output only. Applies to the training data, not to validation data (Keras).
   */
  classWeight?: ClassWeight;
  /** Called at the start and end of training, epochs and batches (see {@link Callback}); none by default. */
  callbacks?: CallbackList;
  /** 0 silent, 1 progress bar (Node, on a terminal; one line per epoch otherwise), 2 one line per epoch. Default 1. */
  verbose?: 0 | 1 | 2;
  /** The epoch to start at (resuming): epochs counts from 0, so this trains epochs − initialEpoch epochs. Default 0. */
  initialEpoch?: number;
}

/**
 * Options of {@link Model.evaluate}.
 *
 * @example
 * ```ts
 * model.evaluate(xTest, yTest, { batchSize: 256 });
 * ```
 */
export interface EvaluateOptions {
  /** Samples per internal batch; the loss is the mean over all samples either way. Default 32. */
  batchSize?: number;
  /** A weight per sample (or per step), as fit()'s sampleWeight. */
  sampleWeight?: TensorLike;
  /** Class index → weight, as fit()'s classWeight. */
  classWeight?: ClassWeight;
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

/**
 * What fit() returns: the logs of every epoch.
 *
 * @example
 * ```ts
 * const history = await model.fit(x, y, { epochs: 30, validationSplit: 0.1, verbose: 0 });
 * history.history.val_loss.at(-1);     // the last epoch's validation loss
 * ```
 */
export class History {
  /** The epoch numbers, from initialEpoch. */
  readonly epoch: number[] = [];
  /** Every log key ('loss', 'accuracy', 'val_loss', …) → its value at each epoch. */
  readonly history: Record<string, number[]> = {};

  constructor(
    /** The parameters of the fit() call: epochs, initialEpoch, steps, batchSize, samples, verbose. */
    readonly params: TrainingParams,
  ) {}

  /** @internal called by the training loop once per epoch. */
  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }
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

const EVALUATE_OPTIONS = { ...BATCH_OPTIONS, sampleWeight: unchecked, classWeight: unchecked };

/** The compiled parts of a model and what the loop reports to. */
export interface Compiled {
  /** One loss per output. */
  readonly losses: readonly Loss[];
  /** Each output's weight in the total loss. */
  readonly lossWeights: readonly number[];
  /** Each output's metrics. */
  readonly metrics: readonly (readonly Metric[])[];
  readonly optimizer: Optimizer;
}

/** @internal A model as the loop drives it: the network, its compiled parts, its seed and the face callbacks see. */
export interface Trainable extends CallbackModel {
  readonly network: Network;
  /** The root of every random stream training draws (shuffles, dropout). */
  readonly trainingRng: Prng;
}

/** The layers of every model inside fit(): a second fit and the calls that change the model are refused while it trains. */
const fitting = new WeakSet<Layer>();

/** A ModelStateError when any of `layers` belongs to a model that fit() is training (from its callbacks too). */
export function assertNotFitting(owner: string, layers: readonly Layer[], what: string): void {
  if (layers.some((layer) => fitting.has(layer))) {
    throw new ModelStateError(owner, what, `${what}() cannot run while fit() is training this model; await fit() first (a callback ends it early by setting model.stopTraining = true)`);
  }
}

export async function fit(model: Trainable, compiled: Compiled, x: unknown, y: unknown, fitOptions?: FitOptions): Promise<History> {
  const network = model.network;
  assertNotFitting(network.name, network.layers, 'fit');
  const layers = [...network.layers];
  for (const layer of layers) fitting.add(layer);
  try {
    const { fitUnguarded } = await import('./fit.js'); // the epochs, callbacks and progress: loaded on the first fit()
    return await fitUnguarded(model, compiled, x, y, fitOptions);
  } finally {
    for (const layer of layers) fitting.delete(layer);
  }
}

/**
 * One gradient step on one batch: forward (dropout from `rng`), loss and metrics, backward and
 * the optimizer's update. A non-finite loss has no usable gradient: the update is not applied,
 * so the weights stay as they were (the caller decides whether that is an error).
 */
export function trainStep(network: Network, compiled: Compiled, data: Batch, rng: Prng, weights: readonly LayerWeight[], fused: readonly boolean[]): BatchValues {
  const plan = network.plan(data.shapes, true);
  const targets = targetBuffers(plan, compiled.losses);
  data.load(plan, targets);
  plan.forward(rng);
  const dOutputs = plan.outputs.map((output, k) => plan.buffer(`dOutput ${k}`, output.region.length));
  const result = lossAndMetrics(plan, compiled, targets, dOutputs, fused, data);
  if (Number.isFinite(result.values[0])) {
    for (const layer of network.layers) layer.zeroGradients();
    plan.backward(dOutputs, fused);
    compiled.optimizer.apply(weights);
    for (const layer of network.layers) layer.weightsChanged();
  }
  return result;
}

const BATCH_WEIGHT_OPTIONS = { sampleWeight: unchecked, classWeight: unchecked };

/** Keras's and TF.js's result of a batch method: the loss alone when it is the only log, else the logs' values in order, [loss, <output>_loss…, metrics…]. */
function batchResult(network: Network, compiled: Compiled, batch: BatchValues): number | number[] {
  const totals = new Totals(network, compiled);
  totals.add(batch);
  const values = Object.values(totals.means());
  return values.length === 1 ? values[0] : values;
}

/**
 * One gradient step on x and y taken whole (Keras train_on_batch): dropout from the model's
 * seed and the optimizer's step count, the loss and metrics computed before the update.
 */
export function trainOnBatch(model: Trainable, compiled: Compiled, x: unknown, y: unknown, batchOptions?: BatchOptions): number | number[] {
  const network = model.network;
  assertNotFitting(network.name, network.layers, 'trainOnBatch');
  if (isBatchSource(x)) throw new ModelInputError(network.name, 'x', 'trainOnBatch takes x and y in memory; for batches use fit(dataset)');
  const options = readOptions(network.name, batchOptions ?? {}, BATCH_WEIGHT_OPTIONS);
  const samples = samplesOf(network, compiled.losses, x, y, 'x', 'y', weightingOf(network.name, options));
  const weights = network.layers.flatMap((layer) => layer.weights);
  compiled.optimizer.build(weights);
  const rng = model.trainingRng.derive('trainOnBatch').derive(compiled.optimizer.iterations);
  const [data] = inMemoryBatches(samples, samples.count, undefined);
  const batch = trainStep(network, compiled, data, rng, weights, fusedActivations(network, compiled));
  const loss = batch.values[0];
  if (!Number.isFinite(loss)) throw new ModelStateError(network.name, 'loss', `trainOnBatch: the loss is ${loss}, so its update was not applied and the weights are unchanged; lower the learning rate or clip gradients`);
  return batchResult(network, compiled, batch);
}

/** The losses and metrics on x and y taken whole (Keras test_on_batch), as batchResult gives them. */
export function testOnBatch(network: Network, compiled: Compiled, x: unknown, y: unknown, batchOptions?: BatchOptions): number | number[] {
  if (isBatchSource(x)) throw new ModelInputError(network.name, 'x', 'testOnBatch takes x and y in memory; for batches use evaluate(dataset)');
  const options = readOptions(network.name, batchOptions ?? {}, BATCH_WEIGHT_OPTIONS);
  const samples = samplesOf(network, compiled.losses, x, y, 'x', 'y', weightingOf(network.name, options));
  const [data] = inMemoryBatches(samples, samples.count, undefined);
  return batchResult(network, compiled, evaluateBatch(network, compiled, data));
}

/** The loss and metrics of a compiled model on [x, y] (or on a sync Dataset, each batch whole), as logs: { loss, accuracy, … }. */
export function evaluate(network: Network, compiled: Compiled, x: unknown, y: unknown, evaluateOptions?: EvaluateOptions): Logs {
  const { source, y: targets, options } = datasetArguments<EvaluateOptions>(network, x, y, evaluateOptions, 'evaluate');
  const { batchSize } = readOptions(network.name, options, EVALUATE_OPTIONS);
  if (source && options.batchSize !== undefined) throw new ModelConfigError(network.name, 'batchSize', "a dataset's batches are evaluated whole; batchSize applies to x and y in memory");
  const weighting = weightingOf(network.name, options);
  if (source && options.sampleWeight !== undefined) throw sampleWeightOfBatches(network.name);
  const totals = new Totals(network, compiled);
  if (!source) evaluateInto(totals, network, compiled, samplesOf(network, compiled.losses, x, targets, 'x', 'y', weighting), batchSize);
  else forEachSyncItem(network.name, source, 'evaluate', (item, where) => evaluateInto(totals, network, compiled, batchSamples(network, compiled.losses, item, where, weighting)));
  return totals.means();
}

/** evaluate() over a Dataset that may be async (TF.js evaluateDataset): each batch whole. */
export async function evaluateDataset(network: Network, compiled: Compiled, dataset: unknown): Promise<Logs> {
  const totals = new Totals(network, compiled);
  await forEachItem(network.name, datasetOf(network.name, dataset), (item, where) => evaluateInto(totals, network, compiled, batchSamples(network, compiled.losses, item, where)));
  return totals.means();
}

/** The model's outputs (one tensor per output) for every sample of x (or of every batch of a sync Dataset, joined in order), computed batchSize samples at a time. */
export function predict(network: Network, x: unknown, options: PredictOptions = {}): Tensor[] {
  const { batchSize } = readOptions(network.name, options, BATCH_OPTIONS);
  if (!isBatchSource(x)) return predictSamples(network, samplesOf(network, undefined, x, undefined, 'x', 'y'), batchSize);
  const outputs: Tensor[][] = [];
  forEachSyncItem(network.name, x, 'predict', (item, where) => outputs.push(predictSamples(network, batchSamples(network, undefined, item, where), batchSize)));
  return joinOutputs(network.name, outputs);
}

/** predict() over a Dataset that may be async: the outputs of every batch, joined in order. */
export async function predictDataset(network: Network, dataset: unknown, options: PredictOptions = {}): Promise<Tensor[]> {
  const { batchSize } = readOptions(network.name, options, BATCH_OPTIONS);
  const outputs: Tensor[][] = [];
  await forEachItem(network.name, datasetOf(network.name, dataset), (item, where) => outputs.push(predictSamples(network, batchSamples(network, undefined, item, where), batchSize)));
  return joinOutputs(network.name, outputs);
}

function predictSamples(network: Network, samples: Samples, batchSize: number): Tensor[] {
  let results: Tensor[] | undefined;
  visitBatches(network, samples, batchSize, (plan, start, count) => {
    results ??= plan.outputs.map(({ region, shape }) => ({ shape: [samples.count, ...shape.slice(1)], data: new Float32Array(samples.count * (region.length / count)) }));
    plan.outputs.forEach(({ region }, k) => results![k].data.set(region.view().subarray(0, region.length), start * (region.length / count)));
  });
  for (const result of results!) {
    // Finite weights and inputs can still overflow float32 (a corrupt file's 1e38 weight): say so rather than return it.
    const bad = result.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ModelStateError(network.name, 'predict', `predict() output${elementPath(result.shape, bad)} is ${result.data[bad]}: the model's weights or the input overflow float32`);
  }
  return results!;
}

/** Runs the network's inference plans over x, batchSize samples at a time, in order; `visit` reads each batch's results from the plan. */
export function forEachBatch(network: Network, x: unknown, options: PredictOptions, visit: (plan: BatchPlan, start: number, count: number, samples: number) => void): void {
  const { batchSize } = readOptions(network.name, options, BATCH_OPTIONS);
  const samples = samplesOf(network, undefined, x, undefined, 'x', 'y');
  visitBatches(network, samples, batchSize, (plan, start, count) => visit(plan, start, count, samples.count));
}

function visitBatches(network: Network, samples: Samples, batchSize: number, visit: (plan: BatchPlan, start: number, count: number) => void): void {
  for (const data of inMemoryBatches(samples, batchSize, undefined)) {
    const plan = network.plan(data.shapes, false);
    data.load(plan, undefined);
    plan.forward();
    visit(plan, data.start, data.count);
  }
}

/** The outputs of a Dataset's batches, each output as one tensor, samples in order; their other dimensions must agree. */
function joinOutputs(owner: string, batches: readonly Tensor[][]): Tensor[] {
  return batches[0].map((first, k) => {
    const rest = first.shape.slice(1);
    const parts = batches.map((outputs) => outputs[k]);
    parts.forEach((t, i) => {
      if (t.shape.length !== first.shape.length || rest.some((d, axis) => d !== t.shape[axis + 1])) {
        throw new ModelInputError(owner, 'x', `batch ${i} gives outputs of shape ${formatShape(t.shape)} and batch 0 ${formatShape(first.shape)}; predict() joins the batches along the samples axis, so the other dimensions must agree`);
      }
    });
    return concat(parts);
  });
}

// ---- one batch -------------------------------------------------------------------------

/**
 * A batch's log values (losses and metric sums), each with the count it is a total over, and
 * per metric (in log order) the confusion counts of the metrics that tally.
 */
interface BatchValues {
  readonly values: number[];
  readonly counts: number[];
  readonly tallies: readonly (Float64Array | undefined)[];
}

/** The plan's region for each output's targets (its loss's target shape for that output). */
function targetBuffers(plan: BatchPlan, losses: readonly Loss[]): F32Region[] {
  return plan.outputs.map((output, k) => plan.buffer(`targets ${k}`, shapeSize(losses[k].targetShape(output.shape))));
}

/**
 * The batch's losses and every metric's sum, all from Wasm, each with the count it is a
 * total over (the logs are sums over counts): the total loss (Σ lossWeight·loss, the
 * gradients into dOutputs when given, scaled by the weights), then with several outputs
 * each output's loss, then each output's metrics over the rows they cover: a sequence output
 * whose input had padding counts only its real steps (Keras applies the mask to losses and metrics).
 * A weighted batch weighs each output's loss by its row weights; metrics stay unweighted.
 */
function lossAndMetrics(plan: BatchPlan, compiled: Compiled, targets: readonly F32Region[], dOutputs: readonly F32Region[] | undefined, fused: readonly boolean[], data: Batch): BatchValues {
  const samples = plan.outputs[0].shape[0];
  const losses: number[] = [];
  const metricValues: number[] = [];
  const metricCounts: number[] = [];
  const tallies: (Float64Array | undefined)[] = [];
  plan.outputs.forEach((output, k) => {
    const width = output.shape[output.shape.length - 1];
    const rows = output.region.length / width;
    const mask = output.mask && output.shape.length === 3 ? plan.buffer(`mask ${k}`, rows) : undefined;
    let valid = rows;
    if (mask) {
      const view = mask.view();
      valid = 0;
      output.mask!.forEach((m, i) => (valid += view[i] = m ? 1 : 0));
    }
    let weights: F32Region | undefined;
    if (data.weighted) {
      weights = plan.buffer(`sampleWeights ${k}`, rows);
      data.loadWeights(k, weights);
    }
    const dOutput = dOutputs?.[k];
    losses.push(compiled.losses[k].compute(output.region, targets[k], rows, width, dOutput, fused[k], mask, weights));
    if (dOutput && compiled.lossWeights[k] !== 1) scale(compiled.lossWeights[k], dOutput);
    for (const metric of compiled.metrics[k]) {
      const tally = metric.tally?.(output.region, targets[k], rows, width, mask);
      tallies.push(tally);
      metricValues.push(tally ? 0 : metric.sum(output.region, targets[k], rows, width, mask));
      metricCounts.push(valid);
    }
  });
  const total = losses.reduce((sum, loss, k) => sum + compiled.lossWeights[k] * loss, 0);
  const lossValues = losses.length === 1 ? [total] : [total, ...losses];
  return { values: [...lossValues.map((loss) => loss * samples), ...metricValues], counts: [...lossValues.map(() => samples), ...metricCounts], tallies: [...lossValues.map(() => undefined), ...tallies] };
}

/** Per output: whether its loss fuses with its final activation (softmax + crossentropy): backward then starts at the logits. */
export function fusedActivations(network: Network, compiled: Compiled): boolean[] {
  return network.finalActivations().map((activation, k) => activation !== undefined && compiled.losses[k].fusesWith(activation));
}

/**
 * The names of the logs as Keras names them: 'loss' and every metric's name for one output;
 * with several, 'loss', '<output>_loss' for each, then '<output>_<metric>'.
 */
export function logNames(network: Network, compiled: Compiled): string[] {
  if (compiled.losses.length === 1) return ['loss', ...compiled.metrics[0].map((m) => m.name)];
  const outputs = network.outputNames();
  return ['loss', ...outputs.map((name) => `${name}_loss`), ...compiled.metrics.flatMap((metrics, k) => metrics.map((m) => `${outputs[k]}_${m.name}`))];
}

export function evaluateSamples(network: Network, compiled: Compiled, samples: Samples, batchSize: number): Logs {
  const totals = new Totals(network, compiled);
  evaluateInto(totals, network, compiled, samples, batchSize);
  return totals.means();
}

/** Adds the loss and metrics of `samples` (batchSize at a time, by default all at once) to `totals`. */
function evaluateInto(totals: Totals, network: Network, compiled: Compiled, samples: Samples, batchSize = samples.count): void {
  for (const data of inMemoryBatches(samples, batchSize, undefined)) totals.add(evaluateBatch(network, compiled, data));
}

/** The losses and metric sums of one batch, inference mode (no dropout, no gradient). */
function evaluateBatch(network: Network, compiled: Compiled, data: Batch): BatchValues {
  const plan = network.plan(data.shapes, false);
  const targets = targetBuffers(plan, compiled.losses);
  data.load(plan, targets);
  plan.forward();
  return lossAndMetrics(plan, compiled, targets, undefined, [], data);
}

/**
 * Running sums over an epoch, each log over its own count: losses by samples (Keras averages
 * batch means by batch size), metrics per output row, and the confusion counts of
 * precision/recall/auc added up (their value comes from the epoch's counts, as Keras's
 * stateful metrics).
 */
export class Totals {
  private readonly names: readonly string[];
  /** Per log, the metric that turns its added-up tallies into a value (undefined for losses). */
  private readonly metrics: readonly (Metric | undefined)[];
  private readonly sums: number[];
  private readonly counts: number[];
  private readonly tallies: (Float64Array | undefined)[] = [];

  constructor(network: Network, compiled: Compiled) {
    this.names = logNames(network, compiled);
    const metrics = compiled.metrics.flat();
    const lossCount = this.names.length - metrics.length;
    this.metrics = [...new Array<undefined>(lossCount).fill(undefined), ...metrics];
    this.sums = this.names.map(() => 0);
    this.counts = this.names.map(() => 0);
  }

  add({ values, counts, tallies }: BatchValues): void {
    values.forEach((value, i) => {
      this.sums[i] += value;
      this.counts[i] += counts[i];
    });
    tallies.forEach((tally, i) => {
      if (!tally) return;
      const total = (this.tallies[i] ??= new Float64Array(tally.length));
      for (let j = 0; j < tally.length; j++) total[j] += tally[j];
    });
  }

  means(): Logs {
    const logs: Logs = {};
    this.names.forEach((name, i) => {
      const tally = this.tallies[i];
      logs[name] = tally ? this.metrics[i]!.fromTally!(tally) : this.sums[i] / this.counts[i];
    });
    return logs;
  }
}

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
function isBatchSource(x: unknown): x is BatchSource {
  if (Array.isArray(x)) return x.length > 0 && isBatchObject(x[0]);
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return false;
  return typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isBatchObject(item: unknown): boolean {
  return typeof item === 'object' && item !== null && !Array.isArray(item) && ('xs' in item || 'x' in item);
}

/** A plain options object, not data (a tensor, nested arrays or typed arrays). */
function isOptionsObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !('shape' in value && 'data' in value);
}

/**
 * fit/evaluate's (x, y, options), where x may be a Dataset: its batches carry their targets,
 * so options come second, `fit(batches, { epochs })` as TF.js's fitDataset (`(batches,
 * undefined, options)` works too).
 */
export function datasetArguments<O extends object>(network: Network, x: unknown, y: unknown, options: O | undefined, what: string): { source: BatchSource | undefined; y: unknown; options: O } {
  const owner = network.name;
  if (!isBatchSource(x)) {
    if (isOptionsObject(y) && !isKeyedByOutput(network, y)) throw new ModelInputError(owner, 'y', `y must be the targets (nested arrays or { shape, data }), got an options object; in-memory data is ${what}(x, y, options)`);
    return { source: undefined, y, options: options === undefined ? ({} as O) : options };
  }
  if (y === undefined) return { source: x, y, options: options === undefined ? ({} as O) : options };
  // Checked by the caller's option table like any options object.
  if (options === undefined && isOptionsObject(y)) return { source: x, y: undefined, options: y as O };
  throw new ModelInputError(owner, 'y', `an iterable of batches carries its own targets ({ xs, ys }); give no y: ${what}(batches, options)`);
}

/** Targets given as an object keyed by output names (a model with several outputs), not options. */
function isKeyedByOutput(network: Network, y: object): boolean {
  const outputs = network.outputNames();
  return outputs.length > 1 && Object.keys(y).some((key) => outputs.includes(key));
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
function forEachSyncItem(owner: string, source: BatchSource, what: string, visit: (item: unknown, where: string) => void): void {
  if (typeof (source as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new ModelInputError(owner, 'x', `${what}() returns its result at once and cannot wait for an async iterable; use ${what}Dataset(), which returns a Promise`);
  }
  let index = 0;
  for (const item of source as Iterable<unknown>) visit(item, `batch ${index++}`);
  if (index === 0) throw noBatches(owner, 'the dataset', true);
}

/** Calls `visit` on every item of a sync or async source, in order. */
async function forEachItem(owner: string, source: BatchSource, visit: (item: unknown, where: string) => void): Promise<void> {
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

// ---- loss weights ------------------------------------------------------------------------

/** How a call weights its samples: sampleWeight (with the argument name errors give) or classWeight. */
export interface Weighting {
  readonly sampleWeight?: unknown;
  readonly name?: string;
  readonly classWeight?: ReadonlyMap<number, number>;
}

/** fit/evaluate's sampleWeight and classWeight, checked (the values against the data later, in rowWeights); undefined when neither is given. */
export function weightingOf(owner: string, options: { sampleWeight?: unknown; classWeight?: unknown }): Weighting | undefined {
  const { sampleWeight, classWeight } = options;
  if (sampleWeight !== undefined && classWeight !== undefined) throw new ModelConfigError(owner, 'classWeight', 'give sampleWeight or classWeight, not both (as Keras 3); fold the class weights into sampleWeight');
  if (sampleWeight !== undefined) return { sampleWeight, name: 'sampleWeight' };
  if (classWeight === undefined) return undefined;
  if (typeof classWeight !== 'object' || classWeight === null || Array.isArray(classWeight) || ArrayBuffer.isView(classWeight)) {
    throw new ModelConfigError(owner, 'classWeight', `classWeight must be an object of class index → weight, e.g. { 0: 1, 1: 5 }, got ${describe(classWeight)}`);
  }
  const byClass = new Map<number, number>();
  for (const [key, weight] of Object.entries(classWeight)) {
    const index = Number(key);
    if (!(Number.isSafeInteger(index) && index >= 0 && String(index) === key)) throw new ModelConfigError(owner, 'classWeight', `classWeight's keys must be class indices (integers >= 0), got '${key}'`);
    if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) throw new ModelConfigError(owner, 'classWeight', `classWeight[${key}] must be a finite number >= 0, got ${describe(weight)}`);
    byClass.set(index, weight);
  }
  return { classWeight: byClass };
}

/** sampleWeight given with an iterable of batches, whose rows it cannot be matched to. */
export function sampleWeightOfBatches(owner: string): ModelConfigError {
  return new ModelConfigError(owner, 'sampleWeight', 'sampleWeight applies to x and y in memory; an iterable of batches is weighted by classWeight only');
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
