// Models: Sequential and EncoderDecoder, compile / fit / evaluate / predict (the loop lives in
// training/, file formats in io/), sampling. Re-exported at the top level by src/index.ts.

export { Sequential, sequential } from './sequential.js';
export type { SequentialOptions, StepOptions, SaveOptions } from './sequential.js';
export { EncoderDecoder, encoderDecoder } from './encoder-decoder.js';
export type { EncoderDecoderOptions } from './encoder-decoder.js';
export { Model } from './model.js';
export type { CompileOptions, OptimizerIdentifier, SerializedConfig } from './model.js';
export { sample } from './sampling.js';
export type { SampleOptions } from './sampling.js';
export { ModelError, ModelConfigError, ModelInputError, ModelStateError, ModelLoadError } from './errors.js';
