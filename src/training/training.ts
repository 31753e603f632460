// The training loop, shared by every model kind (a Network): fit, evaluate, trainOnBatch and
// testOnBatch over in-memory tensors or an (async) iterable of batches (predict, which needs
// none of this, is src/model/predict.ts). One batch, top to bottom:
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
import type { LayerWeight } from '../layers/layer.js';
import type { F32Region } from '../runtime/arena.js';
import { scale } from '../kernels/elementwise.js';
import { shapeSize, type TensorLike } from '../tensor.js';
import type { Prng } from '../util/prng.js';
import type { Callback, CallbackHooks, CallbackModel, Logs, TrainingParams } from './callbacks.js';
import { describe, ModelConfigError, ModelInputError, ModelStateError } from '../model/errors.js';
import type { Loss } from './losses.js';
import type { Metric } from './metrics.js';
import type { BatchPlan, Network } from '../model/network.js';
import { readOptions } from '../model/options.js';
import { BATCH_OPTIONS, batchSamples, datasetOf, forEachItem, forEachSyncItem, inMemoryBatches, isBatchSource, isOptionsObject, samplesOf, unchecked, type Batch, type BatchSource, type ModelInput, type ModelTargets, type Samples, type Weighting } from '../model/samples.js';
import { assertNotFitting, whileFitting } from '../model/trainer.js';
import type { Optimizer } from './optimizers.js';

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


export async function fit(model: Trainable, compiled: Compiled, x: unknown, y: unknown, fitOptions?: FitOptions): Promise<History> {
  const network = model.network;
  assertNotFitting(network.name, network.layers, 'fit');
  // The epochs, callbacks and progress: loaded on the first fit().
  return whileFitting(network.layers, async () => (await import('./fit.js')).fitUnguarded(model, compiled, x, y, fitOptions));
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
// ---- loss weights ------------------------------------------------------------------------

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

