// seqwasm's float64 reference implementation: plain TypeScript, written independently of
// the Wasm kernels, which are tested against it. Each layer is a forward and a backward
// function (backward recomputes the forward pass, so nothing is cached between calls).
//
// Data layout
// - Tensors are { shape, data } with row-major data, batch first: sequences [B][T][F],
//   states [B][U], masks [B][T] (truthy = real step). Inputs may be any ArrayLike<number>
//   (Float32Array views of Wasm memory work as they are); results are Float64Array.
// - Weights are flat arrays in Keras layout and order: kernel (F, G·U), recurrent_kernel
//   (U, G·U), bias (G·U) — GRU resetAfter (2, 3U) — with gates LSTM i,f,c,o and GRU z,r,h;
//   dense kernel (in, out), bias (out); embeddings (inputDim, outputDim). A missing bias
//   means useBias: false.
// - Recurrent forward returns { output, states } (states always, so returnState is only a
//   question of which results a test looks at). backward(x, weights, options, { dOutput,
//   dStates }) returns { dx, dInitialState, dWeights } for the gradient of a scalar loss
//   whose upstream gradients are given.
//
// Usage: ref.lstm.forward(x, { kernel, recurrentKernel, bias }, { returnSequences: true }),
//        ref.lstm.backward(x, weights, options, { dOutput }),
//        ref.bidirectional.forward(ref.gru, x, { forward, backward }, { mergeMode: 'sum' }).
// Semantics of masking, dropout masks and maxSteps truncation: see rnn.ts; of
// Bidirectional: see bidirectional.ts.
export { simpleRNN, type SimpleRnnOptions } from './simple-rnn.js';
export { lstm, type LstmOptions } from './lstm.js';
export { gru, type GruOptions } from './gru.js';
export type { RecurrentLayer, RnnBackward, RnnGradients, RnnOptions, RnnOutput, RnnUpstream, RnnWeightShapes, RnnWeights } from './rnn.js';
export * as bidirectional from './bidirectional.js';
export * as dense from './dense.js';
export * as embedding from './embedding.js';
export * as masking from './masking.js';
export * as sequential from './sequential.js';
export type { Activation, ElementwiseActivation } from './activations.js';
export { maskFromLengths, tensor, type Mask, type Tensor, type TensorLike } from './tensor.js';
export * as conv1d from './conv1d.js';
export * as pooling from './pooling.js';
export * as rearrange from './rearrange.js';
export * as layerNormalization from './layer-normalization.js';
export * as positionEmbedding from './position-embedding.js';
export * as merge from './merge.js';
export * as attention from './attention.js';
export * as multiHeadAttention from './multi-head-attention.js';
