// The `layers` namespace: TF.js-Layers-style factories, the layer classes, initializers,
// reading saved configs, and the layer errors. See layer.ts for a layer's life cycle.
import { Bidirectional, type BidirectionalOptions } from './bidirectional.js';
import { Dense, type DenseOptions } from './dense.js';
import { Dropout, type DropoutOptions } from './dropout.js';
import { Embedding, type EmbeddingOptions } from './embedding.js';
import { Layer, type LayerOptions } from './layer.js';
import { Masking, type MaskingOptions } from './masking.js';
import { GRU, LSTM, SimpleRNN, type GruOptions, type LstmOptions, type RecurrentLayer, type SimpleRnnOptions } from './recurrent.js';
import { TimeDistributed } from './time-distributed.js';

/** Densely connected layer: act(x·W + b) on the last axis (per timestep on sequences). */
export const dense = (options: DenseOptions): Dense => new Dense(options);
/** Integer ids → learned vectors; maskZero makes id 0 padding for the following layers. */
export const embedding = (options: EmbeddingOptions): Embedding => new Embedding(options);
/** Inverted dropout in training, identity otherwise. */
export const dropout = (options: DropoutOptions): Dropout => new Dropout(options);
/** Marks steps whose features all equal maskValue as padding. */
export const masking = (options?: MaskingOptions): Masking => new Masking(options);
/** Elman RNN: h_t = act(x_t·W + h_{t−1}·U + b). */
export const simpleRNN = (options: SimpleRnnOptions): SimpleRNN => new SimpleRNN(options);
/** Long short-term memory (gates i, f, c, o). */
export const lstm = (options: LstmOptions): LSTM => new LSTM(options);
/** Gated recurrent unit (gates z, r, h; resetAfter by default, as Keras 3). */
export const gru = (options: GruOptions): GRU => new GRU(options);

/** Applies `layer` to every timestep: timeDistributed(layer, options) or, as TF.js, timeDistributed({ layer, ...options }). */
export function timeDistributed(layer: Layer, options?: LayerOptions): TimeDistributed;
export function timeDistributed(options: LayerOptions & { layer: Layer }): TimeDistributed;
export function timeDistributed(first: Layer | (LayerOptions & { layer: Layer }), options?: LayerOptions): TimeDistributed {
  const [layer, rest] = wrapperArguments(first, options);
  return new TimeDistributed(layer, rest);
}

/** Runs a recurrent layer both ways and merges: bidirectional(layer, { mergeMode }) or bidirectional({ layer, mergeMode }). */
export function bidirectional(layer: RecurrentLayer, options?: BidirectionalOptions): Bidirectional;
export function bidirectional(options: BidirectionalOptions & { layer: RecurrentLayer }): Bidirectional;
export function bidirectional(first: RecurrentLayer | (BidirectionalOptions & { layer: RecurrentLayer }), options?: BidirectionalOptions): Bidirectional {
  const [layer, rest] = wrapperArguments(first, options);
  return new Bidirectional(layer as RecurrentLayer, rest);
}

/** The wrapped layer and the wrapper's own options, from either calling form. */
function wrapperArguments<O extends LayerOptions>(first: Layer | (O & { layer: Layer }), options: O | undefined): [Layer, O | undefined] {
  if (!(first instanceof Layer) && typeof first === 'object' && first !== null && 'layer' in first) {
    const { layer, ...rest } = first;
    return [layer, rest as unknown as O];
  }
  return [first as Layer, options];
}

export { Layer, LayerPlan } from './layer.js';
export type { Shape, Mask, LayerOptions, LayerWeight, PlanOptions, ForwardOptions, BackwardOptions } from './layer.js';
export { Dense, Embedding, Dropout, Masking, SimpleRNN, LSTM, GRU, TimeDistributed, Bidirectional };
export { RecurrentLayer } from './recurrent.js';
export type { DenseOptions, EmbeddingOptions, DropoutOptions, MaskingOptions, SimpleRnnOptions, LstmOptions, GruOptions, BidirectionalOptions };
export type { RecurrentOptions, RecurrentActivationName } from './recurrent.js';
export type { MergeMode } from './bidirectional.js';
export type { ActivationName } from './activations.js';
export { initializers, Initializer } from './initializers.js';
export type { InitializerSpec, InitializerJSON } from './initializers.js';
export { layerFromConfig } from './serialization.js';
export { LayerError, LayerConfigError, LayerInputError, LayerStateError } from './errors.js';
