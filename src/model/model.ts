// What every model kind shares: predict (src/model/predict.ts) and compile / fit / evaluate
// through the training code the entry installed (src/model/trainer.ts; 'seqwasm/inference'
// has none), the weights of all its layers in Keras order, and its life cycle. A kind
// (Sequential, EncoderDecoder) adds how its layers connect: the Network methods.
import { LayerError } from '../layers/errors.js';
import type { SavedModel, SavedWeight } from '../io/artifacts.js';
import { isDestination, saveToDestination } from '../io/save.js';
import type { IOHandler, SaveResult } from '../io/storage.js';
import { flag, type Option } from '../layers/options.js';
import { readOptions } from './options.js';
import { finiteTensor, type Layer, type Shape } from '../layers/layer.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { DEFAULT_SEED, Prng } from '../util/prng.js';
import { describe, ModelConfigError, ModelInputError, ModelStateError } from './errors.js';
import type { Logs } from '../training/callbacks.js';
import type { Loss, LossIdentifier } from '../training/losses.js';
import type { MetricIdentifier } from '../training/metrics.js';
import type { BatchPlan, Network } from './network.js';
import type { Optimizer, OptimizerName } from '../training/optimizers.js';
import type { BatchOptions, Compiled, EvaluateOptions, FitOptions, History, Trainable } from '../training/training.js';
import { predict, predictDataset } from './predict.js';
import { datasetOf, type BatchLike, type Dataset, type DatasetLike, type ModelInput, type ModelTargets, type PredictOptions } from './samples.js';
import { assertNotFitting, trainer } from './trainer.js';

/**
 * An optimizer by name: ours, or Keras's class name (any case works at run time).
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: 'mse' });          // Keras defaults; optimizers.adam(0.01) to set the rate
 * ```
 */
export type OptimizerIdentifier = OptimizerName | 'SGD' | 'RMSprop' | 'Adam' | 'AdamW' | 'Adagrad';

/**
 * A Keras-serialised object as model.json holds it: { class_name: 'Adam', config: { … } }.
 * compile() accepts one for the optimizer, the loss and each metric.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: { class_name: 'Adam', config: { learning_rate: 0.01 } }, loss: 'mse' });
 * ```
 */
export interface SerializedConfig {
  /** Keras class name, e.g. 'Adam', 'CategoricalCrossentropy'. */
  readonly class_name: string;
  /** The object's options in Keras's snake_case; omitted means the defaults. */
  readonly config?: unknown;
}

/** One loss: a name, one from `losses`, or a saved { class_name, config }. */
export type LossSpec = LossIdentifier | Loss | SerializedConfig;

/** One metric: a name or a saved { class_name, config }. */
export type MetricSpec = MetricIdentifier | SerializedConfig;

/**
 * What {@link Model.compile} takes: the optimizer and the loss are required, metrics optional.
 *
 * @example
 * ```ts
 * const options: CompileOptions = { optimizer: 'rmsprop', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] };
 * model.compile(options);
 * ```
 */
export interface CompileOptions {
  /** 'sgd', 'rmsprop', 'adam', 'adamw', 'adagrad' (or Keras's class name), an optimizer from `optimizers`, or a saved { class_name, config }. */
  optimizer: OptimizerIdentifier | Optimizer | SerializedConfig;
  /**
   * A loss name ('categoricalCrossentropy', 'mse', 'categorical_crossentropy', …), one from
   * `losses`, or a saved { class_name, config }; for a model with several outputs one for all,
   * an array (output order) or an object keyed by output name.
   */
  loss: LossSpec | readonly LossSpec[] | { readonly [outputName: string]: LossSpec };
  /**
   * Metric names ('accuracy', 'mae', 'mse', …) or saved { class_name, config } objects; with
   * several outputs a flat list applies to every output, or give one list per output (an
   * array of lists or an object keyed by output name).
   */
  metrics?: readonly MetricSpec[] | readonly (readonly MetricSpec[])[] | { readonly [outputName: string]: MetricSpec | readonly MetricSpec[] };
  /** Several outputs: each output's weight in the total loss (an array or an object keyed by output name). Default 1 each. */
  lossWeights?: readonly number[] | { readonly [outputName: string]: number };
}

/**
 * Options of {@link Model.save}.
 *
 * @example
 * ```ts
 * const weightsOnly = model.save({ includeOptimizer: false });   // smaller, not resumable
 * ```
 */
export interface SaveOptions {
  /** Also save the optimizer's state (a checkpoint to resume training from). Default true once compiled and trained. */
  includeOptimizer?: boolean;
}

/** Omitted: the default depends on the model (compiled and trained). */
const optionalFlag: Option<boolean | undefined> = { parse: (value) => (value === undefined ? undefined : flag(false).parse(value)) };
const SAVE_OPTIONS = { includeOptimizer: optionalFlag };

/**
 * What every model kind shares ({@link Sequential}, {@link EncoderDecoder}): compile, fit,
 * evaluate, predict, the weights of all its layers in Keras order, and dispose(). Use it as
 * the type of "any model", e.g. what {@link loadModel} resolves to is a Sequential.
 *
 * @example
 * ```ts
 * function accuracyOf(model: Model, x: TensorLike, y: TensorLike): number {
 *   return model.evaluate(x, y).accuracy;
 * }
 * ```
 */
export abstract class Model<Output extends Tensor | Tensor[] = Tensor | Tensor[]> implements Network, Trainable {
  /** The model's name, used in errors and saved files: the `name` option, or 'sequential', 'sequential_1', … */
  readonly name: string;
  /** Seeds weight initialisation, shuffling and dropout. */
  readonly seed: number;
  /** Set by a callback to end fit() after the current batch. */
  stopTraining = false;
  protected compiled: Compiled | undefined;
  private disposed = false;

  protected constructor(kind: string, name: unknown, seed: unknown) {
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw new ModelConfigError(kind, 'seed', `seed must be a safe integer, got ${describe(seed)}`);
    if (name !== undefined && (typeof name !== 'string' || name === '')) throw new ModelConfigError(kind, 'name', `name must be a non-empty string, got ${describe(name)}`);
    this.name = (name as string | undefined) ?? nextModelName(kind);
    this.seed = (seed as number | undefined) ?? DEFAULT_SEED;
  }

  // ---- Network: how the layers connect --------------------------------------------------

  /** Every layer whose weights the model holds, in order (both stacks' for an encoder–decoder). */
  abstract get layers(): readonly Layer[];
  /** Whether every layer has its weights: after the input shape became known (declared, build(), or the first data). */
  abstract get built(): boolean;
  /** @internal Network */
  abstract inputLayers(): readonly (Layer | undefined)[];
  /** @internal Network */
  abstract inputShapes(): Shape[];
  /** @internal Network */
  abstract inputNames(): readonly string[];
  /** @internal Network */
  abstract outputNames(): readonly string[];
  /** @internal Network */
  abstract outputShapes(shapes: readonly Shape[]): Shape[];
  /** @internal Network */
  abstract ensureBuilt(shapes: readonly Shape[]): void;
  /** @internal Network */
  abstract plan(shapes: readonly (readonly number[])[], training: boolean): BatchPlan;
  /** @internal Network */
  abstract finalActivations(): (string | undefined)[];

  /**
   * TF.js Layers artifacts: model.json (topology, weights manifest, training config) and one
   * float32 weights buffer, which {@link loadModel} (or TF.js) reads back bit-exactly. Given a
   * destination, writes them there and resolves to TF.js's SaveResult: 'file://dir' (Node; the
   * folder is created, with model.json and weights.bin), 'indexeddb://name',
   * 'localstorage://name' (TF.js's layouts: TF.js loads them too), 'downloads://name'
   * (name.json and name.weights.bin), or an {@link IOHandler} with save().
   *
   * @example
   * ```ts
   * const { modelJSON, weightData } = model.save();
   * await writeFile('model/model.json', JSON.stringify(modelJSON));
   * await writeFile('model/weights.bin', new Uint8Array(weightData));
   * await model.save('file://saved/model');         // Node; 'indexeddb://model' in a page
   * ```
   */
  save(options?: SaveOptions): SavedModel;
  save(destination: string | IOHandler, options?: SaveOptions): Promise<SaveResult>;
  save(first: SaveOptions | string | IOHandler = {}, options: SaveOptions = {}): SavedModel | Promise<SaveResult> {
    if (!isDestination(first)) return this.artifacts(first);
    try {
      // The weights as they are now; the write happens after.
      return saveToDestination(this.name, this.artifacts(options), first);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The TF.js Layers artifacts save() returns or writes: each kind of model writes its own topology. */
  protected abstract artifacts(options: SaveOptions): SavedModel;

  /** What save() writes besides the layers: the training config once compiled, and the optimizer's state when asked for (by default once trained). */
  protected trainingState(options: SaveOptions): { trainingConfig?: Record<string, unknown>; optimizerState?: readonly SavedWeight[] } {
    this.assertBuilt('save');
    const includeOptimizer = readOptions(this.name, options, SAVE_OPTIONS).includeOptimizer ?? this.compiled !== undefined;
    const compiled = this.compiled;
    if (includeOptimizer && !compiled) throw new ModelStateError(this.name, 'includeOptimizer', 'includeOptimizer needs a compiled model');
    return {
      trainingConfig: compiled && trainer(this.name, 'save').trainingConfig(compiled, this.outputNames()),
      optimizerState: includeOptimizer && compiled!.optimizer.iterations > 0 ? compiled!.optimizer.getState() : undefined,
    };
  }

  /** @internal Trainable: the model as the training loop sees it. */
  get network(): Network {
    return this;
  }

  /** @internal The root of training's random streams (shuffles, dropout masks). */
  get trainingRng(): Prng {
    return new Prng(this.seed).derive('training');
  }

  // ---- training ------------------------------------------------------------------------

  /**
   * Chooses the optimizer, loss and metrics for fit() and evaluate(). Compiling again starts a
   * fresh optimizer. A misspelt name is a ModelConfigError (and a type error in TypeScript).
   * From `seqwasm/inference`, this and every method that trains throw a ModelStateError: import
   * `seqwasm` to train.
   *
   * @example
   * ```ts
   * model.compile({ optimizer: optimizers.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
   * ```
   */
  compile(options: CompileOptions): void {
    this.assertLive();
    assertNotFitting(this.name, this.layers, 'compile');
    this.compiled = trainer(this.name, 'compile').compile(this.name, this.outputNames(), options, this.compiled);
  }

  /** The compiled optimizer (its learningRate can be read and set); throws a ModelStateError before compile(). */
  get optimizer(): Optimizer {
    return this.assertCompiled('optimizer').optimizer;
  }

  /** The compiled loss (the first output's), or undefined before compile(). */
  get loss(): Loss | undefined {
    return this.compiled?.losses[0];
  }

  /**
   * Trains on x (samples first; nested arrays or { shape, data }; an array of them for a model
   * with several inputs) and targets y, or on a Dataset: an array or (async) iterable of
   * { xs, ys } batches, options second (`fit(data.batches(x, y), { epochs: 5 })`).
   * Resolves to the History of every epoch. Throws a ModelStateError before compile() and a
   * ModelInputError naming the argument for data of the wrong shape or with NaN.
   *
   * @example
   * ```ts
   * const history = await model.fit(x, y, { epochs: 50, batchSize: 32, validationSplit: 0.1 });
   * await model.fit(data.batches(x, y, { batchSize: 32 }), { epochs: 5 });
   * history.history.loss;     // one value per epoch
   * ```
   */
  fit(x: ModelInput, y: ModelTargets, options?: FitOptions): Promise<History>;
  fit(dataset: Dataset, options?: FitOptions): Promise<History>;
  fit(dataset: Dataset, y: undefined, options?: FitOptions): Promise<History>;
  async fit(x: ModelInput | Dataset, y?: ModelTargets | FitOptions, options?: FitOptions): Promise<History> {
    this.assertLive();
    return trainer(this.name, 'fit').fit(this, this.assertCompiled('fit'), x, y, options);
  }

  /**
   * The loss and metrics on [x, y], or on every batch of an array or iterable of { xs, ys }
   * batches (each batch whole): { loss, accuracy, … }. For an async iterable use evaluateDataset().
   *
   * @example
   * ```ts
   * const { loss, accuracy } = model.evaluate(xTest, yTest);
   * ```
   */
  evaluate(x: ModelInput, y: ModelTargets, options?: EvaluateOptions): Logs;
  evaluate(dataset: Iterable<BatchLike>): Logs;
  evaluate(x: ModelInput | Iterable<BatchLike>, y?: ModelTargets, options?: EvaluateOptions): Logs {
    this.assertLive();
    return trainer(this.name, 'evaluate').evaluate(this, this.assertCompiled('evaluate'), x, y, options);
  }

  /**
   * evaluate() over a Dataset that may be async (TF.js evaluateDataset): resolves to { loss, accuracy, … }.
   *
   * @example
   * ```ts
   * const logs = await model.evaluateDataset(data.batches(xTest, yTest, { batchSize: 64 }));
   * ```
   */
  async evaluateDataset(dataset: Dataset | DatasetLike): Promise<Logs> {
    this.assertLive();
    return trainer(this.name, 'evaluateDataset').evaluateDataset(this, this.assertCompiled('evaluateDataset'), dataset);
  }

  /**
   * The outputs for every sample of x, batchSize at a time (any batch size gives the same
   * values); or for every batch of an array or iterable of { xs } batches, joined in order.
   * For an async iterable use predictDataset(). Returns a plain { shape, data: Float32Array }.
   *
   * @example
   * ```ts
   * const probs = model.predict(x);           // { shape: [N, 26], data: Float32Array }
   * argMax(probs);                            // the predicted class of every sample
   * ```
   */
  predict(x: ModelInput | Iterable<BatchLike>, options?: PredictOptions): Output {
    this.assertLive();
    return this.oneOrAll(predict(this, x, options));
  }

  /**
   * predict() over a Dataset that may be async: resolves to the outputs of every batch, joined in order.
   *
   * @example
   * ```ts
   * const outputs = await model.predictDataset(data.batches(x, undefined, { batchSize: 256 }));
   * ```
   */
  async predictDataset(dataset: Dataset | DatasetLike, options?: PredictOptions): Promise<Output> {
    this.assertLive();
    return this.oneOrAll(await predictDataset(this, dataset, options));
  }

  /** The output of a model with one output, all of them (in output order) otherwise, as Keras returns them. */
  private oneOrAll(outputs: Tensor[]): Output {
    return (outputs.length === 1 ? outputs[0] : outputs) as Output;
  }

  /**
   * fit() over a Dataset or a TF.js-style dataset (`iterator()`, as tf.data.Dataset): TF.js's
   * fitDataset. Each batch is used whole; fit's options (epochs, validationData, callbacks,
   * classWeight, …) apply.
   *
   * @example
   * ```ts
   * await model.fitDataset(tf.data.zip({ xs: tf.data.array(xs), ys: tf.data.array(ys) }).batch(32), { epochs: 5 });
   * ```
   */
  async fitDataset(dataset: Dataset | DatasetLike, options?: FitOptions): Promise<History> {
    this.assertLive();
    return trainer(this.name, 'fitDataset').fit(this, this.assertCompiled('fitDataset'), datasetOf(this.name, dataset), undefined, options);
  }

  /**
   * One gradient step on x and y taken whole (Keras train_on_batch, TF.js trainOnBatch): the
   * loss before the update, or Keras's [loss, <output>_loss…, metrics…] (the order of the
   * logs) when compiled with metrics or with several outputs.
   *
   * @example
   * ```ts
   * const loss = model.trainOnBatch(xBatch, yBatch, { sampleWeight: weights });
   * ```
   */
  trainOnBatch(x: ModelInput, y: ModelTargets, options?: BatchOptions): number | number[] {
    this.assertLive();
    return trainer(this.name, 'trainOnBatch').trainOnBatch(this, this.assertCompiled('trainOnBatch'), x, y, options);
  }

  /**
   * The loss on x and y taken whole, or [loss, <output>_loss…, metrics…] as trainOnBatch (Keras test_on_batch).
   *
   * @example
   * ```ts
   * const [loss, accuracy] = model.testOnBatch(xBatch, yBatch) as number[];
   * ```
   */
  testOnBatch(x: ModelInput, y: ModelTargets, options?: BatchOptions): number | number[] {
    this.assertLive();
    return trainer(this.name, 'testOnBatch').testOnBatch(this, this.assertCompiled('testOnBatch'), x, y, options);
  }

  /**
   * The outputs for x taken as one batch (Keras predict_on_batch): predict() with batchSize = the sample count.
   *
   * @example
   * ```ts
   * const probs = model.predictOnBatch(xBatch);
   * ```
   */
  predictOnBatch(x: ModelInput): Output {
    this.assertLive();
    return this.oneOrAll(predict(this, x, { batchSize: Number.MAX_SAFE_INTEGER }));
  }

  // ---- weights -------------------------------------------------------------------------

  /**
   * Every layer's weights, in Keras order (copies).
   *
   * @example
   * ```ts
   * const weights = model.getWeights();       // [lstm kernel, recurrent kernel, bias, dense kernel, bias]
   * other.setWeights(weights);
   * ```
   */
  getWeights(): Tensor[] {
    this.assertBuilt('getWeights');
    return this.layers.flatMap((layer) => layer.getWeights());
  }

  /**
   * Replaces every weight, in getWeights() order; all are checked (count, shapes, finite
   * values) before any changes, so a bad list changes nothing.
   *
   * @example
   * ```ts
   * model.setWeights(trained.getWeights());
   * ```
   */
  setWeights(weights: readonly TensorLike[]): void {
    this.assertBuilt('setWeights');
    const all = this.layers.flatMap((layer) => layer.weights);
    if (!Array.isArray(weights) || weights.length !== all.length) {
      throw new ModelInputError(this.name, 'weights', `expected an array of ${all.length} weights (${all.map((w) => w.name).join(', ')}), got ${describe(weights)}`);
    }
    const checked = all.map((w, i) => asModelError(this.name, () => finiteTensor(this.name, weights[i], `weights[${i}]`, w.shape, `weights[${i}] (${w.name})`)));
    let at = 0;
    for (const layer of this.layers) {
      const count = layer.weights.length;
      if (count > 0) layer.setWeights(checked.slice(at, at + count));
      at += count;
    }
  }

  /**
   * The number of weight values, as Keras counts them.
   *
   * @example
   * ```ts
   * model.countParams();      // 4·8·(26 + 8 + 1) + (8·26 + 26) for the README's alphabet model
   * ```
   */
  countParams(): number {
    this.assertBuilt('countParams');
    return this.layers.reduce((sum, layer) => sum + layer.countParams(), 0);
  }

  /**
   * Frees every layer's weights and buffers, and the optimizer's state, at once. Wasm memory is
   * not garbage-collected promptly, so call it when a program makes many models; using the
   * model afterwards throws a ModelStateError.
   *
   * @example
   * ```ts
   * const score = model.evaluate(x, y).loss;
   * model.dispose();
   * ```
   */
  dispose(): void {
    if (this.disposed) return;
    assertNotFitting(this.name, this.layers, 'dispose');
    this.release();
    this.compiled?.optimizer.dispose();
    for (const layer of this.layers) layer.dispose();
    this.disposed = true;
  }

  /** A kind's own buffers (plans, step states), freed by dispose(). */
  protected abstract release(): void;

  // ---- checks --------------------------------------------------------------------------

  protected assertLive(): void {
    if (this.disposed) throw new ModelStateError(this.name, 'model', 'the model was disposed');
  }

  protected assertBuilt(what: string): void {
    this.assertLive();
    if (!this.built) throw new ModelStateError(this.name, what, `${what}() needs a built model: give the first layer an inputShape, call build(inputShape), or fit/predict once`);
  }

  protected assertCompiled(what: string): Compiled {
    if (!this.compiled) throw new ModelStateError(this.name, what, `${what} needs a compiled model; call compile({ optimizer, loss }) first`);
    return this.compiled;
  }
}

const modelCounts = new Map<string, number>();

/** Keras naming: sequential, sequential_1, … */
function nextModelName(kind: string): string {
  const count = modelCounts.get(kind) ?? 0;
  modelCounts.set(kind, count + 1);
  return count === 0 ? kind : `${kind}_${count}`;
}

/**
 * Keras's summary table: a row per layer (a cell left undefined is the layer's parameter
 * count, the third column, right-aligned), then the totals.
 */
export function summaryTable(name: string, headers: readonly string[], widths: readonly number[], rows: readonly { layer: Layer; cells: readonly (string | undefined)[] }[]): string[] {
  const row = (cells: readonly string[]) => cells.map((c, i) => (i === 2 ? c.padStart(widths[i] - 2).padEnd(widths[i]) : ` ${c}`.padEnd(widths[i]))).join('');
  const rule = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b, 0));
  const lines = [`Model: "${name}"`, rule('_'), row(headers), rule('=')];
  let total = 0;
  let trainable = 0;
  rows.forEach(({ layer, cells }, i) => {
    const count = layer.countParams();
    total += count;
    if (layer.trainable) trainable += count;
    lines.push(row(cells.map((c) => c ?? count.toLocaleString('en-US'))));
    lines.push(i === rows.length - 1 ? rule('=') : '');
  });
  lines.push(`Total params: ${total.toLocaleString('en-US')}`, `Trainable params: ${trainable.toLocaleString('en-US')}`, `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`, rule('_'));
  return lines;
}

/** Layer errors raised on a model's behalf become ModelInputErrors of the model. */
export function asModelError<T>(owner: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof LayerError) throw new ModelInputError(owner, error.argument, error.message.slice(error.layer.length + 2));
    throw error;
  }
}
