// Parity with TensorFlow.js Layers 4.22 (cpu backend): the same weights in both, outputs
// within 1e-5 and the gradients of L = Σ dy·y (w.r.t. the input and every weight) within
// 1e-4, relative with a floor of 1 (test/util/compare.ts). TF.js cannot build GRU with
// resetAfter true (recurrent.test.ts checks it against the reference) and defaults
// recurrentActivation to hardSigmoid, so both sides are given every option explicitly.
// Where TF.js lacks a gradient or gets one wrong (dilated conv1d, 'same' average pooling)
// only the outputs are compared, and the reference (sequence-layers.test.ts) checks ours.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as layers from '../../src/layers/index.js';
import type { Layer } from '../../src/layers/index.js';
import { sequential } from '../../src/model/index.js';
import { uniform } from '../util/random.js';
import { expectClose, freeAll, planned, randomFor, region } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(freeAll);

interface Case {
  name: string;
  ours: () => Layer;
  theirs: () => tf.layers.Layer;
  shape: number[];
  ids?: number;
  /** Why only the output is compared (a gradient TF.js lacks or gets wrong; the reference checks ours). */
  forwardOnly?: string;
  /** Pass a [B, T] mask with holes and fully padded rows (TF.js carries the last output at padded steps). */
  masked?: boolean;
}

const [B, T, F] = [3, 5, 4];
const cases: Case[] = [
  { name: 'dense relu', ours: () => layers.dense({ units: 6, activation: 'relu' }), theirs: () => tf.layers.dense({ units: 6, activation: 'relu' }), shape: [B, F] },
  { name: 'dense softmax on sequences', ours: () => layers.dense({ units: 6, activation: 'softmax' }), theirs: () => tf.layers.dense({ units: 6, activation: 'softmax' }), shape: [B, T, F] },
  { name: 'dense tanh, no bias', ours: () => layers.dense({ units: 2, activation: 'tanh', useBias: false }), theirs: () => tf.layers.dense({ units: 2, activation: 'tanh', useBias: false }), shape: [B, F] },
  { name: 'embedding', ours: () => layers.embedding({ inputDim: 11, outputDim: 3 }), theirs: () => tf.layers.embedding({ inputDim: 11, outputDim: 3 }), shape: [B, T], ids: 11 },
  { name: 'simpleRNN sequence', ours: () => layers.simpleRNN({ units: 4, returnSequences: true }), theirs: () => tf.layers.simpleRNN({ units: 4, returnSequences: true }), shape: [B, T, F] },
  {
    name: 'lstm hardSigmoid',
    ours: () => layers.lstm({ units: 4, recurrentActivation: 'hardSigmoid' }),
    theirs: () => tf.layers.lstm({ units: 4, recurrentActivation: 'hardSigmoid' }),
    shape: [B, T, F],
  },
  {
    name: 'lstm sigmoid, goBackwards',
    ours: () => layers.lstm({ units: 3, recurrentActivation: 'sigmoid', goBackwards: true, returnSequences: true }),
    theirs: () => tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', goBackwards: true, returnSequences: true }),
    shape: [B, T, F],
  },
  {
    name: 'gru resetAfter false',
    ours: () => layers.gru({ units: 4, recurrentActivation: 'sigmoid', resetAfter: false, returnSequences: true }),
    theirs: () => tf.layers.gru({ units: 4, recurrentActivation: 'sigmoid', returnSequences: true }), // TF.js's GRU is resetAfter false
    shape: [B, T, F],
  },
  {
    name: 'bidirectional lstm concat',
    ours: () => layers.bidirectional(layers.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true })),
    theirs: () => tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true }) as tf.RNN, mergeMode: 'concat' }),
    shape: [B, T, F],
  },
  // Keras's default zeroOutputForMask: false, TF.js's only behaviour: padded steps carry the last output.
  { name: 'simpleRNN sequence, masked', ours: () => layers.simpleRNN({ units: 4, returnSequences: true }), theirs: () => tf.layers.simpleRNN({ units: 4, returnSequences: true }), shape: [B, T, F], masked: true },
  {
    name: 'lstm goBackwards sequence, masked',
    ours: () => layers.lstm({ units: 3, recurrentActivation: 'sigmoid', goBackwards: true, returnSequences: true }),
    theirs: () => tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', goBackwards: true, returnSequences: true }),
    shape: [B, T, F],
    masked: true,
  },
  {
    name: 'gru sequence, masked',
    ours: () => layers.gru({ units: 4, recurrentActivation: 'hardSigmoid', resetAfter: false, returnSequences: true }),
    theirs: () => tf.layers.gru({ units: 4, recurrentActivation: 'hardSigmoid', returnSequences: true }),
    shape: [B, T, F],
    masked: true,
  },
  {
    name: 'bidirectional of a goBackwards lstm, sequence',
    ours: () => layers.bidirectional(layers.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true, goBackwards: true }), { mergeMode: 'mul' }),
    theirs: () => tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true, goBackwards: true }) as tf.RNN, mergeMode: 'mul' }),
    shape: [B, T, F],
  },
  {
    name: 'bidirectional gru ave',
    ours: () => layers.bidirectional(layers.gru({ units: 3, recurrentActivation: 'sigmoid', resetAfter: false }), { mergeMode: 'ave' }),
    theirs: () => tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, recurrentActivation: 'sigmoid' }) as tf.RNN, mergeMode: 'ave' }),
    shape: [B, T, F],
  },
  // The sequence layers (conv1d, pooling, rearranging, layer normalization):
  { name: 'conv1d valid relu', ours: () => layers.conv1d({ filters: 3, kernelSize: 2, activation: 'relu' }), theirs: () => tf.layers.conv1d({ filters: 3, kernelSize: 2, activation: 'relu' }), shape: [B, T, F] },
  { name: 'conv1d same, strides 2, tanh', ours: () => layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }), theirs: () => tf.layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }), shape: [B, T, F] },
  // TF.js has no 'causal' padding ("not implemented yet"): that one is checked against the reference only.
  {
    name: 'conv1d same, dilation 2, no bias',
    ours: () => layers.conv1d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false }),
    theirs: () => tf.layers.conv1d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false }),
    shape: [B, T, F],
    forwardOnly: 'TF.js: "dilation rates greater than 1 are not yet supported in gradients"',
  },
  { name: 'maxPooling1d same', ours: () => layers.maxPooling1d({ poolSize: 2, padding: 'same' }), theirs: () => tf.layers.maxPooling1d({ poolSize: 2, padding: 'same' }), shape: [B, T, F] },
  {
    name: 'averagePooling1d same, strides 1',
    ours: () => layers.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' }),
    theirs: () => tf.layers.averagePooling1d({ poolSize: 3, strides: 1, padding: 'same' }),
    shape: [B, T, F],
    forwardOnly: "TF.js's avgPool gradient divides by the whole window at the edges, where its forward divides by the real steps",
  },
  { name: 'averagePooling1d valid', ours: () => layers.averagePooling1d({ poolSize: 2 }), theirs: () => tf.layers.averagePooling1d({ poolSize: 2 }), shape: [B, T, F] },
  { name: 'globalAveragePooling1d', ours: () => layers.globalAveragePooling1d(), theirs: () => tf.layers.globalAveragePooling1d(), shape: [B, T, F] },
  { name: 'globalMaxPooling1d', ours: () => layers.globalMaxPooling1d(), theirs: () => tf.layers.globalMaxPooling1d(), shape: [B, T, F] },
  { name: 'repeatVector', ours: () => layers.repeatVector({ n: 3 }), theirs: () => tf.layers.repeatVector({ n: 3 }), shape: [B, F] },
  { name: 'reshape', ours: () => layers.reshape({ targetShape: [2, -1] }), theirs: () => tf.layers.reshape({ targetShape: [2, -1] }), shape: [B, T, F] },
  { name: 'flatten', ours: () => layers.flatten(), theirs: () => tf.layers.flatten(), shape: [B, T, F] },
  { name: 'permute', ours: () => layers.permute({ dims: [2, 1] }), theirs: () => tf.layers.permute({ dims: [2, 1] }), shape: [B, T, F] },
  { name: 'layerNormalization', ours: () => layers.layerNormalization(), theirs: () => tf.layers.layerNormalization(), shape: [B, T, F] },
  { name: 'layerNormalization on vectors', ours: () => layers.layerNormalization({ epsilon: 1e-5 }), theirs: () => tf.layers.layerNormalization({ epsilon: 1e-5 }), shape: [B, F] },
];

describe('TF.js parity on identical weights', () => {
  for (const c of cases) {
    it(c.name, () => {
      const random = randomFor(`tfjs ${c.name}`);
      const size = c.shape.reduce((a, b) => a * b);
      const x = c.ids ? Float32Array.from({ length: size }, () => Math.floor(random() * c.ids!)) : uniform(random, size);
      const { layer, plan } = planned(c.ours(), c.shape);
      layer.setWeights(layer.getWeights().map((t) => ({ shape: t.shape, data: uniform(random, t.data.length, -0.8, 0.8) })));
      // Sample 0 has holes, sample 1 is all padding, sample 2 is padded at the end.
      const mask = c.masked ? Uint8Array.from({ length: B * T }, (_, i) => [[1, 0, 1, 0, 1], [0, 0, 0, 0, 0], [1, 1, 1, 0, 0]][Math.floor(i / T)][i % T]) : undefined;
      plan.forward(region(x), { mask });
      const dy = uniform(random, plan.output.length);
      plan.backward(region(dy));

      const theirs = c.theirs();
      tf.tidy(() => {
        theirs.apply(tf.zeros(c.shape, c.ids ? 'int32' : 'float32'));
      });
      expect(theirs.getWeights().map((w) => w.shape)).toEqual(layer.weights.map((w) => w.shape));
      const values = layer.getWeights().map((t) => tf.tensor(t.data, [...t.shape]));
      theirs.setWeights(values);
      tf.dispose(values);
      const theirMask = () => (mask ? { mask: tf.tensor(mask, [B, T], 'bool') } : {});
      const input = c.ids ? tf.tensor(Int32Array.from(x), c.shape, 'int32') : tf.variable(tf.tensor(x, c.shape), true, `parity_${c.name}`);
      if (c.forwardOnly) {
        const output = tf.tidy(() => (theirs.apply(input, theirMask()) as tf.Tensor).dataSync() as Float32Array);
        expectClose('output', plan.output.toArray(), output, 1e-5);
        tf.dispose(input);
      } else {
        const weightVariables = theirs.trainableWeights.map((w) => w.read() as tf.Variable);
        const outputs: Float32Array[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const y = theirs.apply(input, theirMask()) as tf.Tensor;
          outputs.push(y.dataSync() as Float32Array);
          return tf.sum(tf.mul(y, tf.tensor(dy, y.shape))) as tf.Scalar;
        }, c.ids ? weightVariables : [input as tf.Variable, ...weightVariables]);

        expectClose('output', plan.output.toArray(), outputs[0], 1e-5);
        if (!c.ids) expectClose('dx', plan.dInput!.toArray(), grads[(input as tf.Variable).name].dataSync(), 1e-4);
        weightVariables.forEach((v, i) => expectClose(layer.weights[i].name, layer.weights[i].grad.toArray(), grads[v.name].dataSync(), 1e-4));
        tf.dispose([value, input, ...Object.values(grads)]);
      }
      theirs.dispose();
      layer.dispose();
    });
  }
});

describe('TF.js parity outside training', () => {
  it('dropout with a noiseShape and spatialDropout1d are the identity at inference, as in TF.js', () => {
    const x = uniform(randomFor('tfjs dropout inference'), B * T * F);
    const pairs: [Layer, tf.layers.Layer][] = [
      [layers.dropout({ rate: 0.5, noiseShape: [null, 1, F] }), tf.layers.dropout({ rate: 0.5, noiseShape: [B, 1, F] })],
      [layers.spatialDropout1d({ rate: 0.5 }), tf.layers.spatialDropout1d({ rate: 0.5 })],
    ];
    for (const [ours, theirs] of pairs) {
      const { plan } = planned(ours, [B, T, F], {});
      plan.forward(region(x));
      const output = tf.tidy(() => (theirs.apply(tf.tensor(x, [B, T, F])) as tf.Tensor).dataSync() as Float32Array);
      expect(plan.output.toArray()).toEqual(output);
      ours.dispose();
    }
  });
});

describe('Embedding takes integer ids, as TF.js does', () => {
  it("an Embedding of dtype 'int32' fed an Int32Array predicts what TF.js predicts from an int32 tensor", () => {
    const [vocab, steps] = [9, 4];
    const ids = Int32Array.from({ length: B * steps }, (_, i) => (i * 5 + 2) % vocab);
    const ours = sequential([layers.embedding({ inputDim: vocab, outputDim: 3, inputLength: steps, dtype: 'int32' }), layers.lstm({ units: 2, recurrentActivation: 'sigmoid' })]);
    ours.setWeights(ours.getWeights().map((t) => ({ shape: t.shape, data: uniform(randomFor(`int32 ids ${t.shape}`), t.data.length, -0.8, 0.8) })));
    const theirs = tf.sequential({ layers: [tf.layers.embedding({ inputDim: vocab, outputDim: 3, inputShape: [steps] }), tf.layers.lstm({ units: 2, recurrentActivation: 'sigmoid' })] });
    const values = ours.getWeights().map((t) => tf.tensor(t.data, [...t.shape]));
    theirs.setWeights(values);
    const expected = tf.tidy(() => (theirs.predict(tf.tensor(ids, [B, steps], 'int32')) as tf.Tensor).dataSync() as Float32Array);
    expectClose('output', ours.predict({ shape: [B, steps], data: ids }).data, expected, 1e-5);
    tf.dispose(values);
    theirs.dispose();
    ours.dispose();
  });
});
