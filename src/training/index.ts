// Training: the fit/evaluate loop, losses, metrics, optimizers, learning-rate schedules,
// callbacks and progress bars. Re-exported at the top level by src/index.ts.
import { csvLogger, earlyStopping, learningRateScheduler, modelCheckpoint, reduceLROnPlateau, terminateOnNaN } from './callbacks.js';
import { exponentialDecay, piecewiseConstantDecay } from './schedules.js';
export { History } from './training.js';
export type { FitOptions, EvaluateOptions, BatchOptions, CallbackList, ClassWeight } from './training.js';
export { losses, Loss } from './losses.js';
export type { LossName, LossIdentifier, CrossentropyOptions, HuberOptions } from './losses.js';
export { metrics } from './metrics.js';
export type { Metric, MetricIdentifier } from './metrics.js';
export { optimizers, Optimizer } from './optimizers.js';
export type { OptimizerName, OptimizerStateEntry, OptimizerOptions, SgdOptions, RmspropOptions, AdamOptions, AdamwOptions, AdagradOptions } from './optimizers.js';
export type { LearningRateSchedule, ExponentialDecayOptions, PiecewiseConstantDecayOptions } from './schedules.js';
export { Callback } from './callbacks.js';
export type { Logs, CallbackHooks, TrainingParams, EarlyStoppingOptions, ModelCheckpointOptions, ReduceLROnPlateauOptions, ReduceLROnPlateauState } from './callbacks.js';
export type { CallbackModel, CheckpointArtifacts, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, TerminateOnNaN, LearningRateScheduler, LearningRateSchedulerOptions, CsvLogger, CsvLoggerOptions } from './callbacks.js';
export type { ExponentialDecay, PiecewiseConstantDecay } from './schedules.js';

/**
 * Learning-rate schedules (Keras names): pass one as an optimizer's learningRate. An optimizer
 * evaluates it at its step count (0 for the first step) before every step; powers come from
 * the Wasm module, so the rates are the same bits in every runtime.
 *
 * @namespace
 *
 * @example
 * ```ts
 * optimizers.adam({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.01, decaySteps: 100, decayRate: 0.5 }) });
 * ```
 */
export const schedules = {
  /**
   * An exponentially decaying learning rate (Keras `ExponentialDecay`):
   * initialLearningRate · decayRate^(step / decaySteps), the exponent floored with staircase.
   * Bad options are a ModelConfigError.
   *
   * @example
   * ```ts
   * const learningRate = schedules.exponentialDecay({ initialLearningRate: 0.01, decaySteps: 1000, decayRate: 0.96 });
   * model.compile({ optimizer: optimizers.adam({ learningRate }), loss: 'mse' });
   * ```
   */
  exponentialDecay,
  /**
   * A step schedule (Keras `PiecewiseConstantDecay`): values[i] for the steps up to
   * boundaries[i], the last value after.
   *
   * @example
   * ```ts
   * const learningRate = schedules.piecewiseConstantDecay({ boundaries: [1000, 2000], values: [0.01, 0.005, 0.001] });
   * optimizers.sgd({ learningRate, momentum: 0.9 });
   * ```
   */
  piecewiseConstantDecay,
};

/**
 * Built-in callbacks for fit() (TF.js `tf.callbacks`), with Keras 3 semantics and exact
 * comparisons. A monitored key that fit will not log is a ModelConfigError before the first
 * update, naming the keys there are.
 *
 * @namespace
 *
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.1, callbacks: [callbacks.earlyStopping({ patience: 5 })] });
 * ```
 */
export const callbacks = {
  /**
   * Stops training when `monitor` (default 'val_loss') has not improved by more than minDelta
   * for `patience` epochs; restoreBestWeights puts the best epoch's weights back at the end.
   *
   * @example
   * ```ts
   * await model.fit(x, y, { epochs: 100, validationSplit: 0.1,
   *   callbacks: [callbacks.earlyStopping({ monitor: 'val_loss', patience: 5, restoreBestWeights: true })] });
   * ```
   */
  earlyStopping,
  /**
   * Stops training at the end of a batch whose loss is NaN or ±Infinity.
   *
   * @example
   * ```ts
   * await model.fit(x, y, { epochs: 100, callbacks: [callbacks.terminateOnNaN()] });
   * ```
   */
  terminateOnNaN,
  /**
   * Hands model.save()'s artifacts to your `save` function at the end of every epoch (or, with
   * saveBestOnly, when `monitor` improved); the artifacts include the optimizer state, so
   * training can resume from them with loadModel and initialEpoch.
   *
   * @example
   * ```ts
   * const checkpoint = callbacks.modelCheckpoint({
   *   save: async ({ modelJSON, weightData }) => {
   *     await writeFile('ckpt/model.json', JSON.stringify(modelJSON));
   *     await writeFile('ckpt/weights.bin', new Uint8Array(weightData));
   *   },
   *   saveBestOnly: true,
   * });
   * ```
   */
  modelCheckpoint,
  /**
   * Multiplies the learning rate by `factor` (default 0.1, not below minLr) when `monitor` has
   * not improved for `patience` epochs (default 10), and logs 'learning_rate' every epoch. List
   * modelCheckpoint after it so that checkpoints carry its state.
   *
   * @example
   * ```ts
   * await model.fit(x, y, { epochs: 50, validationSplit: 0.2,
   *   callbacks: [callbacks.reduceLROnPlateau({ factor: 0.5, patience: 3, minLr: 1e-5 })] });
   * ```
   */
  reduceLROnPlateau,
  /**
   * Sets the learning rate at every epoch's start to schedule(epoch, rate) and logs it as
   * 'learning_rate' (Keras LearningRateScheduler).
   *
   * @example
   * ```ts
   * await model.fit(x, y, { epochs: 30, callbacks: [callbacks.learningRateScheduler({ schedule: (epoch, lr) => (epoch < 10 ? lr : lr * 0.9) })] });
   * ```
   */
  learningRateScheduler,
  /**
   * One CSV row of logs per epoch (Keras CSVLogger): written to `filename` in Node, Deno and
   * Bun, and always kept in the callback's `text` (the way to get it in a browser).
   *
   * @example
   * ```ts
   * const logger = callbacks.csvLogger({ filename: 'training.csv' });
   * await model.fit(x, y, { epochs: 10, callbacks: [logger] });
   * console.log(logger.text);
   * ```
   */
  csvLogger,
};
