// Layer kinds the models only ask about, told apart by class name: an instanceof check would
// import the class, and with it the layer's code, into every bundle that builds a model (a
// page that predicts with an LSTM has no use for Bidirectional's or Embedding's).
import type { Bidirectional } from '../layers/bidirectional.js';
import type { Embedding } from '../layers/embedding.js';
import type { Layer } from '../layers/layer.js';
import type { RNN } from '../layers/rnn.js';
import type { TimeDistributed } from '../layers/time-distributed.js';

export function isEmbedding(layer: Layer | undefined): layer is Embedding {
  return layer?.className === 'Embedding';
}

export function isBidirectional(layer: Layer | undefined): layer is Bidirectional {
  return layer?.className === 'Bidirectional';
}

export function isTimeDistributed(layer: Layer | undefined): layer is TimeDistributed {
  return layer?.className === 'TimeDistributed';
}

export function isRNN(layer: Layer | undefined): layer is RNN {
  return layer?.className === 'RNN';
}
