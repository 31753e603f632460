// brain.js as a peer, on the tasks nearest ours: it has no batches, no Dense head and no
// classification from a sequence, so it trains one sample at a time on its own model
// shapes (its own random weights). Its TimeStep networks learn next-step prediction: at
// every step the 28-feature output is fitted to the next step's input. The alphabet task
// is its character-level LSTM learning 6-letter strings.
import brain from 'brain.js';
import type { CellName } from '../workloads.js';

export const BRAIN_TRAIN_NOTE = 'brain.js: one sample at a time, next-step prediction at every step (28 outputs, no Dense head), own weights';
export const BRAIN_ALPHABET_NOTE = 'brain.js: character LSTM(8) on 6-letter strings, one string at a time, own weights';
export const BRAIN_INFER_NOTE = 'brain.js: run() one sequence at a time, next-step output (28 values), own weights';

const TIME_STEP = { LSTM: brain.recurrent.LSTMTimeStep, GRU: brain.recurrent.GRUTimeStep, SimpleRNN: brain.recurrent.RNNTimeStep } as const;
const TRAIN_ONE_PASS = { iterations: 1, errorThresh: 0, log: false } as const;
/**
 * brain.js's learning rate per cell: its default (0.01) makes RNNTimeStep (ReLU, 128 units)
 * diverge to NaN on the first pass over these inputs, and train() then throws.
 */
const LEARNING_RATE: Partial<Record<CellName, number>> = { SimpleRNN: 0.001 };

/** Rows of a [samples, steps, features] tensor as brain.js sequences (arrays of step arrays). */
export function brainSequences(data: Float32Array, samples: number, steps: number, features: number): number[][][] {
  return Array.from({ length: samples }, (_, s) => Array.from({ length: steps }, (_, t) => Array.from(data.subarray((s * steps + t) * features, (s * steps + t + 1) * features))));
}

export function brainTimeStep(cell: CellName, units: number, features: number): brain.recurrent.RNNTimeStep {
  return new TIME_STEP[cell]({ inputSize: features, hiddenLayers: [units], outputSize: features });
}

/** One pass over `sequences`, one at a time (`cell`: its learning rate, where brain.js's default diverges). */
export function brainTrain(net: brain.recurrent.RNN, sequences: unknown[], cell?: CellName): void {
  const learningRate = cell && LEARNING_RATE[cell];
  net.train(sequences, learningRate ? { ...TRAIN_ONE_PASS, learningRate } : TRAIN_ONE_PASS);
}

/** The alphabet lesson as brain.js trains it: the 21 six-letter windows of a…z as strings. */
export function brainAlphabet(): { net: brain.recurrent.LSTM; strings: string[] } {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const strings = Array.from({ length: letters.length - 5 }, (_, i) => letters.slice(i, i + 6));
  return { net: new brain.recurrent.LSTM({ hiddenLayers: [8] }), strings };
}
