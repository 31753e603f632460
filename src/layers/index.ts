/**
 * The `layers` namespace: TF.js-Layers-style factories (`layers.lstm({ units: 8 })`), the layer
 * classes, initializers, reading saved configs, and the layer errors. Keras 3 semantics and
 * weight layouts, so Keras and TF.js weights load unchanged. Bad options are a
 * {@link LayerConfigError} naming the layer and the option. See {@link layers.Layer} for a
 * layer's life cycle when driven by hand.
 *
 * @example
 * ```ts
 * import { sequential, layers } from 'seqwasm';
 * const model = sequential([
 *   layers.embedding({ inputDim: 1000, outputDim: 32, maskZero: true }),
 *   layers.bidirectional(layers.lstm({ units: 16 })),
 *   layers.dense({ units: 1, activation: 'sigmoid' }),
 * ]);
 * ```
 *
 * @module
 */
import { Bidirectional, type BidirectionalOptions } from './bidirectional.js';
import { Dense, type DenseOptions } from './dense.js';
import { Dropout, SpatialDropout1D, type DropoutOptions, type SpatialDropout1dOptions } from './dropout.js';
import { Embedding, type EmbeddingOptions } from './embedding.js';
import { Layer, type LayerOptions } from './layer.js';
import { Masking, type MaskingOptions } from './masking.js';
import { GRU, LSTM, SimpleRNN, type GruOptions, type LstmOptions, type RecurrentLayer, type SimpleRnnOptions } from './recurrent.js';
import { TimeDistributed } from './time-distributed.js';
import { Conv1D, type Conv1DOptions, type Padding } from './conv.js';
import { GlobalPooling1D, Pooling1D, type GlobalPooling1DOptions, type Pooling1DOptions, type PoolingKind } from './pooling.js';
import { Flatten, Permute, RepeatVector, Reshape, type FlattenOptions, type PermuteOptions, type RepeatVectorOptions, type ReshapeOptions } from './reshape.js';
import { LayerNormalization, type LayerNormalizationOptions } from './normalization.js';
import { PositionEmbedding, type PositionEmbeddingOptions } from './position-embedding.js';
import { Concatenate, Dot, ElementwiseMergeLayer, type ConcatenateOptions, type DotOptions } from './merge.js';
import { GRUCell, LSTMCell, RNN, SimpleRNNCell, StackedRNNCells, type GruCellOptions, type LstmCellOptions, type RnnOptions, type SimpleRnnCellOptions, type StackedRnnCellsOptions } from './rnn.js';
import { AdditiveAttention, Attention, type AdditiveAttentionOptions, type AttentionOptions } from './attention.js';

/**
 * Densely connected layer: act(x·W + b) on the last axis (per timestep on sequences). `units`
 * is required; activation defaults to 'linear'.
 *
 * @example
 * ```ts
 * layers.dense({ units: 26, activation: 'softmax' });
 * ```
 */
export const dense = (options: DenseOptions): Dense => new Dense(options);
/**
 * Integer ids → learned vectors; maskZero makes id 0 padding for the following layers. Input
 * [batch, steps] of ids in [0, inputDim), output [batch, steps, outputDim].
 *
 * @example
 * ```ts
 * layers.embedding({ inputDim: vocab.size, outputDim: 16, maskZero: true });
 * ```
 */
export const embedding = (options: EmbeddingOptions): Embedding => new Embedding(options);
/**
 * Inverted dropout in training, identity otherwise. `rate` in [0, 1) is required.
 *
 * @example
 * ```ts
 * sequential([layers.lstm({ units: 32, inputShape: [10, 4] }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 1 })]);
 * ```
 */
export const dropout = (options: DropoutOptions): Dropout => new Dropout(options);
/**
 * Drops whole channels of each sample in training (Keras `SpatialDropout1D`, noise shape
 * [batch, 1, channels]); identity otherwise. Input [batch, steps, channels].
 *
 * @example
 * ```ts
 * sequential([layers.embedding({ inputDim: 100, outputDim: 16, inputLength: 20 }), layers.spatialDropout1d({ rate: 0.2 }), layers.lstm({ units: 8 })]);
 * ```
 */
export const spatialDropout1d = (options: SpatialDropout1dOptions): SpatialDropout1D => new SpatialDropout1D(options);
/**
 * Marks steps whose features all equal maskValue (default 0) as padding, so the recurrent
 * layers after it skip them.
 *
 * @example
 * ```ts
 * sequential([layers.masking({ maskValue: -1, inputShape: [null, 3] }), layers.gru({ units: 8 })]);
 * ```
 */
export const masking = (options?: MaskingOptions): Masking => new Masking(options);
/**
 * Elman RNN: h_t = act(x_t·W + h_{t−1}·U + b). Input [batch, steps, features]; output
 * [batch, units], or [batch, steps, units] with returnSequences.
 *
 * @example
 * ```ts
 * layers.simpleRNN({ units: 16, inputShape: [null, 3] });
 * ```
 */
export const simpleRNN = (options: SimpleRnnOptions): SimpleRNN => new SimpleRNN(options);
/**
 * Long short-term memory (gates i, f, c, o), Keras 3 defaults (sigmoid gates, unitForgetBias).
 * Input [batch, steps, features]; output [batch, units], or [batch, steps, units] with
 * returnSequences.
 *
 * @example
 * ```ts
 * layers.lstm({ units: 8, inputShape: [5, 26] });
 * layers.lstm({ units: 128, returnSequences: true, dropout: 0.1 });
 * ```
 */
export const lstm = (options: LstmOptions): LSTM => new LSTM(options);
/**
 * Gated recurrent unit (gates z, r, h; resetAfter by default, as Keras 3; pass
 * `resetAfter: false` for TF.js's GRU).
 *
 * @example
 * ```ts
 * layers.gru({ units: 16, inputShape: [16, 1] });
 * ```
 */
export const gru = (options: GruOptions): GRU => new GRU(options);

/**
 * 1-D convolution over time on [batch, steps, channels]: padding 'valid', 'same' or 'causal',
 * strides, dilationRate; Keras kernel (kernelSize, channels, filters).
 *
 * @example
 * ```ts
 * layers.conv1d({ filters: 32, kernelSize: 5, padding: 'same', activation: 'relu', inputShape: [128, 16] });
 * ```
 */
export const conv1d = (options: Conv1DOptions): Conv1D => new Conv1D(options);
/**
 * The maximum of each window of poolSize steps (default 2; strides default poolSize).
 *
 * @example
 * ```ts
 * layers.maxPooling1d({ poolSize: 2 });   // [B, 128, C] → [B, 64, C]
 * ```
 */
export const maxPooling1d = (options?: Pooling1DOptions): Pooling1D => new Pooling1D('max', options);
/**
 * The mean of each window of poolSize steps (padded steps not counted).
 *
 * @example
 * ```ts
 * layers.averagePooling1d({ poolSize: 4, padding: 'same' });
 * ```
 */
export const averagePooling1d = (options?: Pooling1DOptions): Pooling1D => new Pooling1D('average', options);
/**
 * The mean over time, [batch, steps, channels] → [batch, channels]; masked steps are left out.
 *
 * @example
 * ```ts
 * sequential([layers.embedding({ inputDim: 100, outputDim: 8, maskZero: true }), layers.globalAveragePooling1d(), layers.dense({ units: 1, activation: 'sigmoid' })]);
 * ```
 */
export const globalAveragePooling1d = (options?: GlobalPooling1DOptions): GlobalPooling1D => new GlobalPooling1D('average', options);
/**
 * The maximum over time, [batch, steps, channels] → [batch, channels]; masked steps are left out.
 *
 * @example
 * ```ts
 * layers.globalMaxPooling1d();
 * ```
 */
export const globalMaxPooling1d = (options?: GlobalPooling1DOptions): GlobalPooling1D => new GlobalPooling1D('max', options);
/**
 * Repeats a [batch, features] input n times: [batch, n, features] (one-to-many, autoencoder decoders).
 *
 * @example
 * ```ts
 * layers.repeatVector({ n: 10 });
 * ```
 */
export const repeatVector = (options: RepeatVectorOptions): RepeatVector => new RepeatVector(options);
/**
 * A new shape for each sample, same values in the same order; one −1 is inferred.
 *
 * @example
 * ```ts
 * layers.reshape({ targetShape: [-1, 4] });
 * ```
 */
export const reshape = (options: ReshapeOptions): Reshape => new Reshape(options);
/**
 * Every axis after the batch joined into one.
 *
 * @example
 * ```ts
 * layers.flatten();   // [B, 10, 4] → [B, 40]
 * ```
 */
export const flatten = (options?: FlattenOptions): Flatten => new Flatten(options);
/**
 * Reorders the axes after the batch (1-based dims, as Keras).
 *
 * @example
 * ```ts
 * layers.permute({ dims: [2, 1] });   // [B, T, F] → [B, F, T]
 * ```
 */
export const permute = (options: PermuteOptions): Permute => new Permute(options);
/**
 * Normalizes each position's features (the last axis) to mean 0, variance 1, then gamma and beta.
 *
 * @example
 * ```ts
 * layers.layerNormalization({ epsilon: 1e-6 });
 * ```
 */
export const layerNormalization = (options?: LayerNormalizationOptions): LayerNormalization => new LayerNormalization(options);
/**
 * Adds a learned vector per position (sequenceLength rows) to a [batch, steps, features] input.
 *
 * @example
 * ```ts
 * layers.positionEmbedding({ sequenceLength: 64 });
 * ```
 */
export const positionEmbedding = (options: PositionEmbeddingOptions): PositionEmbedding => new PositionEmbedding(options);

/**
 * Applies `layer` to every timestep: timeDistributed(layer, options) or, as TF.js,
 * timeDistributed({ layer, ...options }). The wrapped layer must not be built or wrapped yet.
 *
 * @example
 * ```ts
 * layers.timeDistributed(layers.dense({ units: 26, activation: 'softmax' }));   // [B, T, U] → [B, T, 26]
 * ```
 */
export function timeDistributed(layer: Layer, options?: LayerOptions): TimeDistributed;
export function timeDistributed(options: LayerOptions & { layer: Layer }): TimeDistributed;
export function timeDistributed(first: Layer | (LayerOptions & { layer: Layer }), options?: LayerOptions): TimeDistributed {
  const [layer, rest] = wrapperArguments(first, options);
  return new TimeDistributed(layer, rest);
}

/**
 * Runs a recurrent layer both ways and merges: bidirectional(layer, { mergeMode }) or
 * bidirectional({ layer, mergeMode }). `layer` is a template for both directions (it must not
 * have goBackwards); mergeMode defaults to 'concat'.
 *
 * @example
 * ```ts
 * layers.bidirectional(layers.lstm({ units: 16, inputShape: [null, 8] }), { mergeMode: 'concat' });   // output [B, 32]
 * ```
 */
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
// What a layer of your own extends and returns (see Layer's "Writing your own layer").
export { initializedWeight, Regions } from './layer.js';
export type { LayerKind, PlanSetup, WeightSpec } from './layer.js';
export type { Option, OptionTable, Settings } from './options.js';
export { OptionProblem, positiveInteger, flag, finiteNumber } from './options.js';
export { Dense, Embedding, Dropout, SpatialDropout1D, Masking, SimpleRNN, LSTM, GRU, TimeDistributed, Bidirectional };
export { RecurrentLayer } from './recurrent.js';
export type { DenseOptions, EmbeddingOptions, DropoutOptions, SpatialDropout1dOptions, MaskingOptions, SimpleRnnOptions, LstmOptions, GruOptions, BidirectionalOptions };
export type { RecurrentOptions, RecurrentActivationName } from './recurrent.js';
export type { MergeMode } from './bidirectional.js';
export { Conv1D, Pooling1D, GlobalPooling1D, RepeatVector, Reshape, Flatten, Permute, LayerNormalization, PositionEmbedding };
export type { Conv1DOptions, Padding, Pooling1DOptions, GlobalPooling1DOptions, PoolingKind, RepeatVectorOptions, ReshapeOptions, FlattenOptions, PermuteOptions, LayerNormalizationOptions, PositionEmbeddingOptions };
export type { ActivationName } from './activations.js';
export { initializers, Initializer } from './initializers.js';
export type { InitializerSpec, InitializerJSON, SeedOption, FanMode, Distribution } from './initializers.js';
export { layerFromConfig, registerClass } from './serialization.js';
export type { SerializableLayerClass } from './serialization.js';
export { LayerError, LayerConfigError, LayerInputError, LayerStateError } from './errors.js';

// ---- merge layers (several inputs; functional models) ----------------------------------------

/**
 * Joins its inputs along `axis` (default -1, the features); the other dimensions must agree.
 *
 * @example
 * ```ts
 * const joined = layers.concatenate().apply([textFeatures, numbers]);
 * ```
 */
export const concatenate = (options?: ConcatenateOptions): Concatenate => new Concatenate(options);
/**
 * The element-wise sum of two or more inputs of one shape.
 *
 * @example
 * ```ts
 * const residual = layers.add().apply([x, layers.dense({ units: 8 }).apply(x)]);
 * ```
 */
export const add = (options?: LayerOptions): ElementwiseMergeLayer => new ElementwiseMergeLayer('Add', options);
/**
 * Input 0 minus input 1 (two inputs of one shape).
 *
 * @example
 * ```ts
 * const difference = layers.subtract().apply([a, b]);
 * ```
 */
export const subtract = (options?: LayerOptions): ElementwiseMergeLayer => new ElementwiseMergeLayer('Subtract', options);
/**
 * The element-wise product of two or more inputs of one shape.
 *
 * @example
 * ```ts
 * const gated = layers.multiply().apply([values, gates]);
 * ```
 */
export const multiply = (options?: LayerOptions): ElementwiseMergeLayer => new ElementwiseMergeLayer('Multiply', options);
/**
 * The element-wise mean of two or more inputs of one shape.
 *
 * @example
 * ```ts
 * const ensemble = layers.average().apply([first, second]);
 * ```
 */
export const average = (options?: LayerOptions): ElementwiseMergeLayer => new ElementwiseMergeLayer('Average', options);
/**
 * The element-wise maximum of two or more inputs of one shape.
 *
 * @example
 * ```ts
 * const strongest = layers.maximum().apply([a, b, c]);
 * ```
 */
export const maximum = (options?: LayerOptions): ElementwiseMergeLayer => new ElementwiseMergeLayer('Maximum', options);
/**
 * The per-sample dot product of two inputs along `axes`: [B, k]·[B, k] → [B, 1]; sequences
 * [B, m, d]·[B, n, d] with axes [2, 2] → [B, m, n].
 *
 * @example
 * ```ts
 * const scores = layers.dot({ axes: [2, 2] }).apply([decoderStates, encoderStates]);
 * ```
 */
export const dot = (options: DotOptions): Dot => new Dot(options);

// ---- rnn({ cell }): built-in, stacked and user-written cells ---------------------------------

/**
 * Keras's generic recurrent layer: runs `cell` over a sequence. A built-in cell runs as its
 * layer's whole-sequence Wasm kernel (`rnn({ cell: lstmCell(o) })` gives the bits of
 * `lstm(o)`); a list of cells or {@link stackedRNNCells} feeds each cell's output to the next at
 * every step; your own {@link RNNCell} runs in a time loop that calls it once per step.
 *
 * @example
 * ```ts
 * layers.rnn({ cell: layers.lstmCell({ units: 8 }), inputShape: [null, 3] });
 * layers.rnn({ cell: [layers.gruCell({ units: 16 }), layers.gruCell({ units: 8 })], returnState: true });
 * ```
 */
export const rnn = (options: RnnOptions): RNN => new RNN(options);
/**
 * One step of an Elman RNN, for {@link rnn}: the options of {@link simpleRNN} without the sequence ones.
 *
 * @example
 * ```ts
 * layers.rnn({ cell: layers.simpleRNNCell({ units: 4 }) });
 * ```
 */
export const simpleRNNCell = (options: SimpleRnnCellOptions): SimpleRNNCell => new SimpleRNNCell(options);
/**
 * One step of an LSTM (states h and c), for {@link rnn}: the options of {@link lstm} without the sequence ones.
 *
 * @example
 * ```ts
 * layers.rnn({ cell: layers.lstmCell({ units: 8 }), returnSequences: true });
 * ```
 */
export const lstmCell = (options: LstmCellOptions): LSTMCell => new LSTMCell(options);
/**
 * One step of a GRU, for {@link rnn}: the options of {@link gru} without the sequence ones.
 *
 * @example
 * ```ts
 * layers.rnn({ cell: layers.gruCell({ units: 8, resetAfter: false }) });
 * ```
 */
export const gruCell = (options: GruCellOptions): GRUCell => new GRUCell(options);
/**
 * Cells run as one (Keras `StackedRNNCells`): each step's output of a cell is the next cell's
 * input; the states are every cell's, in order.
 *
 * @example
 * ```ts
 * layers.rnn({ cell: layers.stackedRNNCells({ cells: [layers.lstmCell({ units: 8 }), layers.lstmCell({ units: 8 })] }) });
 * ```
 */
export const stackedRNNCells = (options: StackedRnnCellsOptions): StackedRNNCells => new StackedRNNCells(options);

export { RNN, RNNCell, RNNCellPlan, BuiltInCell, SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells } from './rnn.js';
export type { Cell, RnnOptions, SimpleRnnCellOptions, LstmCellOptions, GruCellOptions, StackedRnnCellsOptions } from './rnn.js';

export { Concatenate, Dot, ElementwiseMergeLayer } from './merge.js';
export type { ConcatenateOptions, DotOptions, ElementwiseMerge } from './merge.js';
export { MultiInputLayer, MultiInputPlan, SymbolicTensor } from './layer.js';
export type { ApplyOptions, LayerNode, MultiInputPlanOptions, MultiInputForwardOptions, SymbolicInput } from './layer.js';

// ---- multi-head attention ------------------------------------------------------------------
import { MultiHeadAttention, type MultiHeadAttentionOptions } from './multi-head-attention.js';
/**
 * Multi-head scaled dot-product attention (Keras `MultiHeadAttention`): `numHeads` and
 * `keyDim` are required. Call it on [query, value] or [query, value, key] with
 * `{ attentionMask, useCausalMask, returnAttentionScores }`.
 *
 * @example
 * ```ts
 * const x = input({ shape: [12, 16] });
 * const attended = layers.multiHeadAttention({ numHeads: 2, keyDim: 8 }).apply([x, x]);
 * ```
 */
export const multiHeadAttention = (options: MultiHeadAttentionOptions): MultiHeadAttention => new MultiHeadAttention(options);
export { MultiHeadAttention } from './multi-head-attention.js';
export type { MultiHeadAttentionCall, MultiHeadAttentionOptions } from './multi-head-attention.js';

// ---- attention layers (several inputs; functional models) ------------------------------------

/**
 * Dot-product (Luong) attention, Keras `Attention`: inputs [query, value] or [query, value,
 * key]; each query step's output is the softmax-weighted mean of the values, weighted by
 * query·key (scoreMode 'concat': Σ tanh(query + key)). Masks: the value's masks keys, the
 * query's zeroes output steps; `useCausalMask` lets step i see keys up to i only. Call it with
 * `{ returnAttentionScores: true }` for [output, attention weights].
 *
 * @example
 * ```ts
 * const context = layers.attention().apply([decoderOutputs, encoderOutputs]);   // [B, Tq, units]
 * ```
 */
export const attention = (options?: AttentionOptions): Attention => new Attention(options);
/**
 * Additive (Bahdanau) attention, Keras `AdditiveAttention`: scores Σ scale·tanh(query + key)
 * with a trainable `scale` per feature (useScale, default true); inputs and masks as
 * {@link attention}.
 *
 * @example
 * ```ts
 * const context = layers.additiveAttention().apply([decoderOutputs, encoderOutputs]);
 * ```
 */
export const additiveAttention = (options?: AdditiveAttentionOptions): AdditiveAttention => new AdditiveAttention(options);

export { AdditiveAttention, Attention, AttentionLayer } from './attention.js';
export type { AdditiveAttentionOptions, AttentionCall, AttentionOptions } from './attention.js';
