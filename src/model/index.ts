// Models and training: Sequential and EncoderDecoder, compile / fit / evaluate / predict,
// losses, metrics, optimizers and schedules, callbacks, saving and loading, sampling.
import { earlyStopping, modelCheckpoint, reduceLROnPlateau, terminateOnNaN } from './callbacks.js';
import { exponentialDecay, piecewiseConstantDecay } from './schedules.js';

export { Sequential, sequential } from './sequential.js';
export type { SequentialOptions, StepOptions, SaveOptions } from './sequential.js';
export { EncoderDecoder, encoderDecoder } from './encoder-decoder.js';
export type { EncoderDecoderOptions } from './encoder-decoder.js';
export { Model } from './model.js';
export type { CompileOptions, OptimizerIdentifier, SerializedConfig } from './model.js';
export { History } from './training.js';
export type { FitOptions, EvaluateOptions, PredictOptions, ModelInput, BatchLike, Dataset, CallbackList } from './training.js';
export { loadModel } from './load.js';
export type { LoadOptions } from './load.js';
export type { SavedModel, ModelJSON, SavedWeight } from './artifacts.js';
export { sample } from './sampling.js';
export type { SampleOptions } from './sampling.js';
export { ModelError, ModelConfigError, ModelInputError, ModelStateError, ModelLoadError } from './errors.js';
export { losses, Loss } from './losses.js';
export type { LossName, LossIdentifier } from './losses.js';
export { metrics } from './metrics.js';
export type { Metric, MetricIdentifier } from './metrics.js';
export { optimizers, Optimizer } from './optimizers.js';
export type { OptimizerName, OptimizerOptions, SgdOptions, RmspropOptions, AdamOptions, AdamwOptions, AdagradOptions } from './optimizers.js';
export type { LearningRateSchedule, ExponentialDecayOptions, PiecewiseConstantDecayOptions } from './schedules.js';
export { Callback } from './callbacks.js';
export type { Logs, CallbackHooks, TrainingParams, EarlyStoppingOptions, ModelCheckpointOptions, ReduceLROnPlateauOptions, ReduceLROnPlateauState } from './callbacks.js';

/** Learning-rate schedules (Keras names): pass one as an optimizer's learningRate. */
export const schedules = { exponentialDecay, piecewiseConstantDecay };

/** Built-in callbacks for fit() (TF.js `tf.callbacks`). */
export const callbacks = { earlyStopping, terminateOnNaN, modelCheckpoint, reduceLROnPlateau };
