// exportONNX of the milestone-10 single-input layers (conv1d, pooling, global pooling with and
// without masks, layer normalization, position embedding, repeatVector, reshape, flatten,
// permute, spatialDropout1d, timeDistributed of any of them), alone, in every option, on both layouts they meet (batch-major
// from the input, time-major after a recurrent layer) and chained with recurrent layers, run
// in onnxruntime-node and onnxruntime-web (Wasm, in Node) and compared with predict() to 1e-5
// on random weights, at batch sizes and time lengths the graph does not name.
import * as ortNode from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { exportONNX, layers, sequential } from '../../src/node.js';
import type { Layer } from '../../src/layers/layer.js';
import { rng, testSeed } from '../util/random.js';
import { ENGINES, randomlyWeighted, runExported } from './onnx-helpers.js';

const seed = testSeed();
const TOLERANCE = 1e-5;
const [F, VOCAB] = [3, 9];

interface Case {
  name: string;
  layers: () => Layer[];
  /** Integer ids [B, T] rather than features [B, T, …]. */
  ids?: boolean;
  /** Trailing padding (zeros / id 0) on some samples, one of them padded throughout. */
  padded?: boolean;
  /** Each step's features within 5e-4 of each other (an ill-conditioned layer normalization). */
  nearlyEqualFeatures?: boolean;
}

const conv = (more: object) => layers.conv1d({ filters: 4, kernelSize: 3, inputShape: [null, F], ...more });
const seq = (units: number) => ({ units, returnSequences: true });
const open = [null, F];

const CASES: Case[] = [
  // conv1d: every padding, strides, dilation, activation, bias, odd and even windows
  { name: 'conv1d valid relu', layers: () => [conv({ activation: 'relu' })] },
  { name: 'conv1d same, odd window', layers: () => [conv({ padding: 'same' })] },
  { name: 'conv1d same, even window, tanh', layers: () => [conv({ padding: 'same', kernelSize: 4, activation: 'tanh' })] },
  { name: 'conv1d same, dilation 2', layers: () => [conv({ padding: 'same', dilationRate: 2 })] },
  { name: 'conv1d same, strides 3, window 5', layers: () => [conv({ padding: 'same', kernelSize: 5, strides: 3 })] },
  { name: 'conv1d valid, strides 2', layers: () => [conv({ strides: 2, activation: 'sigmoid' })] },
  { name: 'conv1d causal, dilation 2', layers: () => [conv({ padding: 'causal', dilationRate: 2 })] },
  { name: 'conv1d causal, strides 2, window 2', layers: () => [conv({ padding: 'causal', kernelSize: 2, strides: 2 })] },
  { name: 'conv1d window 1, no bias, softmax', layers: () => [conv({ kernelSize: 1, useBias: false, activation: 'softmax' })] },
  { name: 'conv1d hardSigmoid → conv1d causal', layers: () => [conv({ activation: 'hardSigmoid', filters: 5 }), layers.conv1d({ filters: 2, kernelSize: 2, padding: 'causal' })] },
  { name: 'lstm sequences → conv1d same (time-major input) → gru', layers: () => [layers.lstm({ ...seq(4), inputShape: open }), layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same' }), layers.gru({ units: 2 })] },
  // timeDistributed of layers other than dense: batch and time folded into one axis, run, unfolded
  { name: 'timeDistributed(dropout)', layers: () => [layers.timeDistributed(layers.dropout({ rate: 0.3 }), { inputShape: open })] },
  { name: 'timeDistributed(layerNormalization) → lstm', layers: () => [layers.timeDistributed(layers.layerNormalization(), { inputShape: open }), layers.lstm({ units: 3 })] },
  { name: 'timeDistributed(lstm) over [B, 3, T, F]', layers: () => [layers.timeDistributed(layers.lstm({ units: 4 }), { inputShape: [3, null, F] })] },
  { name: 'timeDistributed(conv1d same) → timeDistributed(globalMaxPooling1d) over [B, 2, T, F]', layers: () => [layers.timeDistributed(layers.conv1d({ filters: 2, kernelSize: 3, padding: 'same' }), { inputShape: [2, null, F] }), layers.timeDistributed(layers.globalMaxPooling1d())] },
  { name: 'gru sequences → timeDistributed(repeatVector) → timeDistributed(flatten) (time-major input)', layers: () => [layers.gru({ ...seq(3), inputShape: open }), layers.timeDistributed(layers.repeatVector({ n: 2 })), layers.timeDistributed(layers.flatten())] },
  { name: 'masking (post-padded) → timeDistributed(layerNormalization) → gru', padded: true, layers: () => [layers.masking({ inputShape: open }), layers.timeDistributed(layers.layerNormalization()), layers.gru({ units: 2 })] },
  // pooling
  { name: 'maxPooling1d default (2, valid)', layers: () => [layers.maxPooling1d({ inputShape: open })] },
  { name: 'maxPooling1d 3, strides 2, same', layers: () => [layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same', inputShape: open })] },
  { name: 'maxPooling1d 4, strides 1, same', layers: () => [layers.maxPooling1d({ poolSize: 4, strides: 1, padding: 'same', inputShape: open })] },
  { name: 'averagePooling1d default (2, valid)', layers: () => [layers.averagePooling1d({ inputShape: open })] },
  { name: 'averagePooling1d 3, same (padding not counted)', layers: () => [layers.averagePooling1d({ poolSize: 3, padding: 'same', inputShape: open })] },
  { name: 'averagePooling1d 4, strides 1, same', layers: () => [layers.averagePooling1d({ poolSize: 4, strides: 1, padding: 'same', inputShape: open })] },
  { name: 'averagePooling1d 3, strides 2, valid', layers: () => [layers.averagePooling1d({ poolSize: 3, strides: 2, inputShape: open })] },
  { name: 'gru sequences → averagePooling1d same (time-major input)', layers: () => [layers.gru({ ...seq(3), inputShape: open }), layers.averagePooling1d({ poolSize: 2, padding: 'same' })] },
  // global pooling, with masks
  { name: 'globalAveragePooling1d', layers: () => [layers.globalAveragePooling1d({ inputShape: open })] },
  { name: 'globalMaxPooling1d keepdims', layers: () => [layers.globalMaxPooling1d({ keepdims: true, inputShape: open })] },
  { name: 'lstm sequences → globalMaxPooling1d (time-major input)', layers: () => [layers.lstm({ ...seq(4), inputShape: open }), layers.globalMaxPooling1d()] },
  { name: 'lstm sequences → globalAveragePooling1d keepdims (time-major input)', layers: () => [layers.lstm({ ...seq(4), inputShape: open }), layers.globalAveragePooling1d({ keepdims: true })] },
  { name: 'masking (post-padded) → globalAveragePooling1d', padded: true, layers: () => [layers.masking({ inputShape: open }), layers.globalAveragePooling1d()] },
  { name: 'masking (post-padded) → globalMaxPooling1d keepdims', padded: true, layers: () => [layers.masking({ inputShape: open }), layers.globalMaxPooling1d({ keepdims: true })] },
  { name: 'embedding maskZero (post-padded) → gru sequences → globalMaxPooling1d (masked, time-major)', ids: true, padded: true, layers: () => [layers.embedding({ inputDim: VOCAB, outputDim: 4, maskZero: true, inputShape: [null] }), layers.gru(seq(3)), layers.globalMaxPooling1d()] },
  { name: 'embedding maskZero (post-padded) → lstm sequences → globalAveragePooling1d keepdims (masked, time-major)', ids: true, padded: true, layers: () => [layers.embedding({ inputDim: VOCAB, outputDim: 4, maskZero: true, inputShape: [null] }), layers.lstm(seq(3)), layers.globalAveragePooling1d({ keepdims: true })] },
  { name: 'masking (post-padded) → conv1d causal → globalAveragePooling1d (the conv drops the mask)', padded: true, layers: () => [layers.masking({ inputShape: open }), layers.conv1d({ filters: 3, kernelSize: 2, padding: 'causal' }), layers.globalAveragePooling1d()] },
  { name: 'masking (post-padded) → layerNormalization → positionEmbedding → spatialDropout1d → globalMaxPooling1d (the mask passes)', padded: true, layers: () => [layers.masking({ inputShape: open }), layers.layerNormalization(), layers.positionEmbedding({ sequenceLength: 17 }), layers.spatialDropout1d({ rate: 0.5 }), layers.globalMaxPooling1d()] },
  // layer normalization
  { name: 'layerNormalization', layers: () => [layers.layerNormalization({ inputShape: open })] },
  { name: 'layerNormalization epsilon 1e-6, no center', layers: () => [layers.layerNormalization({ epsilon: 1e-6, center: false, inputShape: open })] },
  { name: 'layerNormalization no scale', layers: () => [layers.layerNormalization({ scale: false, inputShape: open })] },
  { name: 'layerNormalization epsilon 1e-7 of nearly equal features (std ~1.5e-4)', nearlyEqualFeatures: true, layers: () => [layers.layerNormalization({ epsilon: 1e-7, inputShape: [null, 8] })] },
  { name: 'layerNormalization neither scale nor center', layers: () => [layers.layerNormalization({ scale: false, center: false, inputShape: open })] },
  { name: 'dense → layerNormalization on [B, F]', layers: () => [layers.dense({ units: 5, inputShape: [F] }), layers.layerNormalization()] },
  { name: 'lstm sequences → layerNormalization (time-major) → gru', layers: () => [layers.lstm({ ...seq(5), inputShape: open }), layers.layerNormalization(), layers.gru({ units: 2 })] },
  // position embedding
  { name: 'positionEmbedding (table longer than the input)', layers: () => [layers.positionEmbedding({ sequenceLength: 19, inputShape: open })] },
  { name: 'gru sequences → positionEmbedding (time-major)', layers: () => [layers.gru({ ...seq(3), inputShape: open }), layers.positionEmbedding({ sequenceLength: 17 })] },
  // rearrangements
  { name: 'dense → repeatVector', layers: () => [layers.dense({ units: 4, inputShape: [F] }), layers.repeatVector({ n: 5 })] },
  { name: 'reshape [B, 12] → [B, 4, 3] → lstm', layers: () => [layers.reshape({ targetShape: [4, 3], inputShape: [12] }), layers.lstm({ units: 3 })] },
  { name: 'reshape [B, 6, 3] → [B, -1, 2]', layers: () => [layers.reshape({ targetShape: [-1, 2], inputShape: [6, F] })] },
  { name: 'lstm sequences → reshape (time-major input)', layers: () => [layers.lstm({ ...seq(4), inputShape: [5, F] }), layers.reshape({ targetShape: [10, 2] })] },
  { name: 'flatten [B, 7, 3] → dense', layers: () => [layers.flatten({ inputShape: [7, F] }), layers.dense({ units: 2 })] },
  { name: 'lstm sequences → flatten (time-major input) → dense', layers: () => [layers.lstm({ ...seq(3), inputShape: [6, F] }), layers.flatten(), layers.dense({ units: 2 })] },
  { name: 'permute [2, 1] → lstm (steps over the features)', layers: () => [layers.permute({ dims: [2, 1], inputShape: [6, F] }), layers.lstm({ units: 3 })] },
  { name: 'gru sequences → permute [2, 1] (time-major input)', layers: () => [layers.gru({ ...seq(3), inputShape: [5, F] }), layers.permute({ dims: [2, 1] })] },
  { name: 'permute [1, 3, 2] on [B, 4, 3, 2]', layers: () => [layers.permute({ dims: [1, 3, 2], inputShape: [4, F, 2] })] },
  { name: 'permute [3, 1, 2] on [B, 4, 3, 2]', layers: () => [layers.permute({ dims: [3, 1, 2], inputShape: [4, F, 2] })] },
  { name: 'conv1d → spatialDropout1d → lstm', layers: () => [conv({}), layers.spatialDropout1d({ rate: 0.4 }), layers.lstm({ units: 3 })] },
  // chains with recurrent layers
  { name: 'conv1d → maxPooling1d → lstm → dense', layers: () => [conv({ filters: 6, activation: 'relu', padding: 'same' }), layers.maxPooling1d(), layers.lstm({ units: 5 }), layers.dense({ units: 2, activation: 'softmax' })] },
  { name: 'embedding → positionEmbedding → layerNormalization → globalAveragePooling1d → dense', ids: true, layers: () => [layers.embedding({ inputDim: VOCAB, outputDim: 6, inputShape: [null] }), layers.positionEmbedding({ sequenceLength: 20 }), layers.layerNormalization(), layers.globalAveragePooling1d(), layers.dense({ units: 3 })] },
  { name: 'embedding maskZero (post-padded) → positionEmbedding → layerNormalization → globalAveragePooling1d → dense', ids: true, padded: true, layers: () => [layers.embedding({ inputDim: VOCAB, outputDim: 6, maskZero: true, inputShape: [null] }), layers.positionEmbedding({ sequenceLength: 20 }), layers.layerNormalization(), layers.globalAveragePooling1d(), layers.dense({ units: 3 })] },
  { name: 'lstm → repeatVector → lstm → timeDistributed(dense)', layers: () => [layers.lstm({ units: 5, inputShape: open }), layers.repeatVector({ n: 4 }), layers.lstm(seq(4)), layers.timeDistributed(layers.dense({ units: 3, activation: 'softmax' }))] },
  { name: 'conv1d causal → averagePooling1d same → bidirectional gru → globalMaxPooling1d', layers: () => [conv({ padding: 'causal', dilationRate: 2, activation: 'relu' }), layers.averagePooling1d({ poolSize: 3, padding: 'same' }), layers.bidirectional(layers.gru(seq(3))), layers.globalMaxPooling1d()] },
];

const random = rng(seed);

/**
 * `batch` samples of the model's input shape, an open time axis `steps` long; padded cases
 * zero the tail of the later samples (the last wholly), and their real features are negative,
 * so a padded zero counted in a max or a mean always shows.
 */
function input(c: Case, declared: readonly (number | null)[], batch: number, steps: number): { shape: number[]; data: Float32Array } {
  const shape = [batch, ...declared.slice(1).map((d) => d ?? steps)];
  const perStep = shape.slice(2).reduce((a, b) => a * b, 1);
  const feature = c.padded ? () => -0.1 - random() : () => 2 * random() - 1;
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => (c.ids ? 1 + Math.floor(random() * (VOCAB - 1)) : feature()));
  if (c.nearlyEqualFeatures) {
    for (let i = 0; i < data.length; i++) data[i] = data[i - (i % perStep)] + 5e-4 * random();
  }
  if (c.padded) {
    for (let b = 1; b < batch; b++) {
      const length = b === batch - 1 ? 0 : 1 + (b % shape[1]);
      data.fill(0, (b * shape[1] + length) * perStep, (b + 1) * shape[1] * perStep);
    }
  }
  return { shape, data };
}

/** Worst |ONNX Runtime − predict| per case and engine, printed at the end. */
const worst: Record<string, Record<string, number>> = {};
afterAll(() => {
  const table = Object.entries(worst).map(([name, engines]) => `${Object.values(engines).map((d) => d.toExponential(1).padStart(8)).join(' ')}  ${name}`);
  console.log(`exportONNX (milestone-10 layers) worst |ONNX Runtime − predict|, node then web (seed ${seed}):\n${table.join('\n')}`);
});

describe('exportONNX of the milestone-10 layers in ONNX Runtime', () => {
  for (const c of CASES) {
    it(`${c.name}: both engines answer as predict()`, async () => {
      const m = randomlyWeighted(c.layers(), seed);
      const declared = m.layers[0].builtInputShape!;
      const bytes = await exportONNX(m);
      // Odd lengths, batch 1 and several; the open time axis at lengths the graph does not name.
      for (const [batch, steps] of [[3, 9], [1, 6], [4, 17]]) {
        const x = input(c, declared, batch, steps);
        const expected = m.predict(x);
        for (const [engine, ort] of ENGINES) {
          const out = await runExported(ort, bytes, x, c.ids === true);
          expect(out.dims, engine).toEqual(expected.shape);
          let max = 0;
          for (let i = 0; i < expected.data.length; i++) max = Math.max(max, Math.abs(out.data[i] - expected.data[i]));
          worst[c.name] ??= {};
          worst[c.name][engine] = Math.max(worst[c.name][engine] ?? 0, max);
          expect(max, `${engine}, batch ${batch}, steps ${steps}, seed ${seed}`).toBeLessThanOrEqual(TOLERANCE);
        }
      }
      m.dispose();
    });
  }
});

describe('exportONNX names a time axis only where the model allows one', () => {
  it('flatten, reshape and a permute that moves time pin the built length; conv1d, pooling and permute [1, …] keep it open', async () => {
    const x = (steps: number) => ({ shape: [2, steps, F], data: new Float32Array(2 * steps * F).fill(0.5) });
    const built = [6, F];
    const pinned = [
      [layers.flatten({ inputShape: built }), layers.dense({ units: 2 })],
      [layers.reshape({ targetShape: [9, 2], inputShape: built })],
      [layers.permute({ dims: [2, 1], inputShape: built })],
    ];
    const open: [Layer[], number[]][] = [
      [[layers.conv1d({ filters: 2, kernelSize: 3, padding: 'same', inputShape: built }), layers.maxPooling1d({ padding: 'same' })], [2, 4, 2]],
      [[layers.permute({ dims: [1, 2], inputShape: built })], [2, 7, F]],
    ];
    for (const [stack, dimsAt7] of [...pinned.map((stack) => [stack, undefined] as const), ...open]) {
      const m = sequential({ seed: 1, layers: stack });
      m.build();
      const bytes = await exportONNX(m);
      expect((await runExported(ortNode, bytes, x(6), false)).dims).toEqual(m.predict(x(6)).shape);
      if (dimsAt7) expect((await runExported(ortNode, bytes, x(7), false)).dims).toEqual(dimsAt7);
      else await expect(runExported(ortNode, bytes, x(7), false)).rejects.toThrow(/dimension/i);
      m.dispose();
    }
  });
});
