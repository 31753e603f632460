// The data and models the training and inference suites share: MNIST-shaped and alphabet
// data (seeded), and one architecture built both in seqwasm and, from the same initial
// weights, in TF.js Layers.
import * as tf from '@tensorflow/tfjs';
import { layers, Prng, sequential, type Sequential, type Tensor } from '../src/node.js';

/** The part of seqwasm's API that builds models: this copy's, or the built one a threaded child loads. */
type ModelApi = { sequential: typeof sequential; layers: typeof layers };

export const SEED = 1;

// ---- data ------------------------------------------------------------------------------

/** MNIST-shaped data: pixels uniform in [0, 1), one-hot labels; seeded. */
export function mnistLike(samples: number): { x: Tensor; y: Tensor } {
  const rng = new Prng(SEED).derive('mnist-like');
  const x = new Float32Array(samples * 28 * 28);
  for (let i = 0; i < x.length; i++) x[i] = rng.float();
  const y = new Float32Array(samples * 10);
  for (let i = 0; i < samples; i++) y[i * 10 + rng.int(10)] = 1;
  return { x: { shape: [samples, 28, 28], data: x }, y: { shape: [samples, 10], data: y } };
}

/** The alphabet lesson: every window of 5 one-hot letters → the next letter (21 windows), repeated `copies` times. */
export function alphabet(copies: number): { x: Tensor; y: Tensor } {
  const windows = 26 - 5;
  const samples = windows * copies;
  const x = new Float32Array(samples * 5 * 26);
  const y = new Float32Array(samples * 26);
  for (let s = 0; s < samples; s++) {
    const first = s % windows;
    for (let t = 0; t < 5; t++) x[(s * 5 + t) * 26 + first + t] = 1;
    y[s * 26 + first + 5] = 1;
  }
  return { x: { shape: [samples, 5, 26], data: x }, y: { shape: [samples, 26], data: y } };
}

// ---- models ----------------------------------------------------------------------------

export const CELLS = {
  LSTM: { ours: 'lstm', tfjs: tf.layers.lstm, options: {} },
  GRU: { ours: 'gru', tfjs: tf.layers.gru, options: { resetAfter: false } },
  SimpleRNN: { ours: 'simpleRNN', tfjs: tf.layers.simpleRNN, options: {} },
} as const;
export type CellName = keyof typeof CELLS;

export interface Architecture {
  cell: CellName;
  units: number;
  inputShape: [number, number];
  classes: number;
  optimizer: 'adam' | 'rmsprop';
}

export function ourModel(a: Architecture, api: ModelApi = { sequential, layers }): Sequential {
  const model = api.sequential({ seed: SEED });
  const cell = CELLS[a.cell];
  model.add(api.layers[cell.ours]({ units: a.units, inputShape: a.inputShape, ...cell.options }));
  model.add(api.layers.dense({ units: a.classes, activation: 'softmax' }));
  model.compile({ optimizer: a.optimizer, loss: 'categoricalCrossentropy' });
  model.build();
  return model;
}

/** The same architecture in TF.js, starting from `initial`'s weights (same order: kernel, recurrent kernel, bias per layer). */
export function tfjsModel(a: Architecture, initial: Sequential): tf.LayersModel {
  const model = tf.sequential();
  const gates = a.cell === 'SimpleRNN' ? {} : { recurrentActivation: 'sigmoid' as const };
  // Zero initializers: the weights are overwritten below (and TF.js's orthogonal initializer is slow and warns).
  const zeros = { kernelInitializer: 'zeros', recurrentInitializer: 'zeros' } as const;
  model.add(CELLS[a.cell].tfjs({ units: a.units, inputShape: a.inputShape, ...gates, ...zeros }));
  model.add(tf.layers.dense({ units: a.classes, activation: 'softmax', kernelInitializer: 'zeros' }));
  model.compile({ optimizer: a.optimizer, loss: 'categoricalCrossentropy' });
  const weights = initial.getWeights().map((w) => tf.tensor(w.data, [...w.shape]));
  model.setWeights(weights);
  tf.dispose(weights);
  return model;
}

/** The first `samples` samples of `t`, without copying. */
export function prefix(t: Tensor, samples: number): { data: Float32Array; shape: number[] } {
  const row = t.data.length / t.shape[0];
  return { data: t.data.subarray(0, samples * row), shape: [samples, ...t.shape.slice(1)] };
}
