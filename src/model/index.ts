// Models: Sequential, Functional (model() and input()) and EncoderDecoder, compile / fit / evaluate / predict (the loop lives in
// training/, file formats in io/), sampling. Re-exported at the top level by src/index.ts.

export { Sequential, sequential } from './sequential.js';
export type { SequentialOptions, StepOptions } from './sequential.js';
export { EncoderDecoder, encoderDecoder } from './encoder-decoder.js';
export type { EncoderDecoderOptions } from './encoder-decoder.js';
export { Functional, model } from './functional.js';
export type { FunctionalOptions } from './functional.js';
export { input, InputLayer } from './graph.js';
export { SymbolicTensor } from '../layers/layer.js';
export type { ApplyOptions, SymbolicInput } from '../layers/layer.js';
export type { InputOptions } from './graph.js';
export { Model } from './model.js';
export type { CompileOptions, LossSpec, MetricSpec, OptimizerIdentifier, SaveOptions, SerializedConfig } from './model.js';
export type { PredictOptions, ModelInput, ModelTargets, BatchLike, Dataset, DatasetLike, DatasetIterator, IteratorStep } from './samples.js';
export { sample } from './sampling.js';
export type { SampleOptions } from './sampling.js';
export { ModelError, ModelConfigError, ModelInputError, ModelStateError, ModelLoadError } from './errors.js';
