// The sequence layers inside models: a conv1d → maxPooling1d → lstm → dense model trains,
// beats its LSTM-only twin on a task of short local motifs, and saves and loads bit for bit;
// TF.js loads what writeArtifacts writes for stacks of the new layers and predicts the same;
// models TF.js saves with them load here and predict what TF.js predicts; and step() refuses
// the layers whose output steps depend on other steps.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { layers, loadModel, optimizers, sequential, type Tensor } from '../../src/index.js';
import type { Layer } from '../../src/layers/index.js';
import { readArtifacts } from '../../src/io/artifacts.js';
import { writeArtifacts } from '../../src/io/save.js';
import { Prng } from '../../src/util/prng.js';
import { disposeAll, loadLayers, predict, tfjsArtifacts } from '../io/artifacts-helpers.js';
import { rng, uniform } from '../util/random.js';
import { expectClose, freeAll, randomFor, replay, seed } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(freeAll);

const STEPS = 64;

/**
 * Binary sequences of noise in [−0.5, 0.5) with one motif at a random step: +−+ (label 1) or
 * −+− (label 0), each of height 1.5. Local, so a convolution sees it in one window.
 */
function motifs(n: number, random: () => number): { x: Tensor; y: Tensor } {
  const x = new Float32Array(n * STEPS);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < STEPS; t++) x[i * STEPS + t] = random() - 0.5;
    y[i] = random() < 0.5 ? 1 : 0;
    const at = Math.floor(random() * (STEPS - 3));
    const sign = y[i] ? 1 : -1;
    [1.5, -1.5, 1.5].forEach((v, k) => (x[i * STEPS + at + k] = sign * v));
  }
  return { x: { shape: [n, STEPS, 1], data: x }, y: { shape: [n, 1], data: y } };
}

function motifModel(convolution: boolean, modelSeed: number) {
  const model = sequential({ seed: modelSeed });
  if (convolution) {
    model.add(layers.conv1d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [STEPS, 1] }));
    model.add(layers.maxPooling1d({ poolSize: 2 }));
    model.add(layers.lstm({ units: 16 }));
  } else {
    model.add(layers.lstm({ units: 16, inputShape: [STEPS, 1] }));
  }
  model.add(layers.dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('conv1d → maxPooling1d → lstm → dense', () => {
  it('beats its LSTM-only twin on local motifs (median held-out loss of three seeds), and saves and loads bit for bit', async () => {
    const random = rng(seed);
    const train = motifs(512, random);
    const test = motifs(512, random);
    const results: Record<'conv' | 'lstm', { loss: number; accuracy: number }[]> = { conv: [], lstm: [] };
    for (const modelSeed of [1, 2, 3]) {
      for (const kind of ['conv', 'lstm'] as const) {
        const model = motifModel(kind === 'conv', modelSeed);
        await model.fit(train.x, train.y, { epochs: 10, batchSize: 32, verbose: 0 });
        const logs = model.evaluate(test.x, test.y) as { loss: number; accuracy: number };
        results[kind].push(logs);
        if (kind === 'conv' && modelSeed === 1) {
          expect(model.countParams()).toBe(8 * (3 + 1) + 4 * 16 * (8 + 16 + 1) + 17);
          const copy = await loadModel(model.save());
          expect(copy.predict(test.x).data).toEqual(model.predict(test.x).data);
          copy.dispose();
        }
        model.dispose();
      }
    }
    const summary = (kind: 'conv' | 'lstm') => `${kind}: losses ${results[kind].map((r) => r.loss.toFixed(4)).join(', ')}, accuracies ${results[kind].map((r) => r.accuracy.toFixed(3)).join(', ')}`;
    console.log(`motif task, held out: ${summary('conv')}; ${summary('lstm')}`);
    const convLoss = median(results.conv.map((r) => r.loss));
    expect(convLoss, `${summary('conv')}; ${summary('lstm')} (${replay})`).toBeLessThanOrEqual(median(results.lstm.map((r) => r.loss)));
    expect(median(results.conv.map((r) => r.accuracy)), replay).toBeGreaterThan(0.95);
  }, 120_000);
});

const [B, T, F] = [3, 8, 4];

/** Stacks written in both libraries' terms: ours and TF.js's, the same layers and options. */
const stacks: { name: string; ours: () => Layer[]; theirs: () => tf.layers.Layer[] }[] = [
  {
    name: 'conv1d same relu → maxPooling1d → LSTM (sigmoid) → dense softmax',
    ours: () => [
      layers.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [T, F] }),
      layers.maxPooling1d({ poolSize: 2 }),
      layers.lstm({ units: 4, recurrentActivation: 'sigmoid' }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ],
    theirs: () => [
      tf.layers.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [T, F] }),
      tf.layers.maxPooling1d({ poolSize: 2 }),
      tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'LSTM → repeatVector → layerNormalization → conv1d strides 2 → averagePooling1d → flatten → reshape → permute → globalMaxPooling1d',
    ours: () => [
      layers.lstm({ units: 6, recurrentActivation: 'sigmoid', inputShape: [T, F] }),
      layers.repeatVector({ n: 6 }),
      layers.layerNormalization({ epsilon: 1e-4 }),
      layers.conv1d({ filters: 4, kernelSize: 2, strides: 2, activation: 'tanh' }),
      layers.averagePooling1d({ poolSize: 2, strides: 1 }),
      layers.flatten(),
      layers.reshape({ targetShape: [2, -1] }),
      layers.permute({ dims: [2, 1] }),
      layers.globalMaxPooling1d(),
    ],
    theirs: () => [
      tf.layers.lstm({ units: 6, recurrentActivation: 'sigmoid', inputShape: [T, F] }),
      tf.layers.repeatVector({ n: 6 }),
      tf.layers.layerNormalization({ epsilon: 1e-4 }),
      tf.layers.conv1d({ filters: 4, kernelSize: 2, strides: 2, activation: 'tanh' }),
      tf.layers.averagePooling1d({ poolSize: 2, strides: 1 }),
      tf.layers.flatten(),
      tf.layers.reshape({ targetShape: [2, -1] }),
      tf.layers.permute({ dims: [2, 1] }),
      tf.layers.globalMaxPooling1d(),
    ],
  },
  {
    name: 'lstm → spatialDropout1d → dropout(noiseShape) → bidirectional(goBackwards gru)',
    ours: () => [
      layers.lstm({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [T, F] }),
      layers.spatialDropout1d({ rate: 0.3 }),
      layers.dropout({ rate: 0.2, noiseShape: [null, 1, 3] }),
      layers.bidirectional(layers.gru({ units: 2, goBackwards: true, resetAfter: false, recurrentActivation: 'sigmoid' })),
    ],
    theirs: () => [
      tf.layers.lstm({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [T, F] }),
      tf.layers.spatialDropout1d({ rate: 0.3 }),
      tf.layers.dropout({ rate: 0.2, noiseShape: [B, 1, 3] }),
      tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2, goBackwards: true, recurrentActivation: 'sigmoid' }) as tf.RNN }),
    ],
  },
  {
    name: 'dense → globalAveragePooling1d → dense',
    ours: () => [layers.dense({ units: 3, inputShape: [T, F] }), layers.globalAveragePooling1d(), layers.dense({ units: 2 })],
    theirs: () => [tf.layers.dense({ units: 3, inputShape: [T, F] }), tf.layers.globalAveragePooling1d(), tf.layers.dense({ units: 2 })],
  },
];

describe('TF.js Layers format', () => {
  for (const c of stacks) {
    it(`TF.js loads what writeArtifacts writes and predicts the same: ${c.name}`, async () => {
      const random = randomFor(`ours ${c.name}`);
      const ours = c.ours();
      let shape: (number | null)[] = [null, T, F];
      ours.forEach((layer, i) => {
        layer.build(shape, new Prng(7).derive(`layer ${i}`));
        shape = layer.computeOutputShape(shape) as (number | null)[];
      });
      const { modelJSON, weightData } = writeArtifacts({ name: 'sequential', layers: ours });
      const x = uniform(random, B * T * F);
      const mine = predict(ours, x, [B, T, F]);
      const weightSpecs = modelJSON.weightsManifest.flatMap((group) => group.weights);
      const theirs = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJSON.modelTopology as tf.io.ModelArtifacts['modelTopology'], weightSpecs, weightData }));
      const input = tf.tensor(x, [B, T, F]);
      const expected = tf.tidy(() => (theirs.predict(input) as tf.Tensor).dataSync() as Float32Array);
      expectClose('prediction', mine, expected, 1e-5);
      expect(theirs.layers.map((l) => l.getClassName())).toEqual(ours.map((l) => l.className));
      tf.dispose(input);
      theirs.dispose();
      disposeAll(ours);
    });

    it(`reads what TF.js saves and predicts what TF.js predicts: ${c.name}`, async () => {
      const random = randomFor(`theirs ${c.name}`);
      const model = tf.sequential({ layers: c.theirs() });
      model.setWeights(model.getWeights().map((w) => tf.tensor(uniform(random, w.size, -0.8, 0.8), w.shape)));
      const x = uniform(random, B * T * F);
      const input = tf.tensor(x, [B, T, F]);
      const expected = tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync() as Float32Array);
      const artifacts = await tfjsArtifacts(model);
      const ours = loadLayers(await readArtifacts(artifacts));
      expectClose('prediction', predict(ours, x, [B, T, F]), expected, 1e-5);
      tf.dispose(input);
      model.dispose();
      disposeAll(ours);
    });
  }
});

describe('streaming with step()', () => {
  it('refuses layers whose output steps depend on other steps, and streams layerNormalization like predict', () => {
    for (const mixing of [layers.conv1d({ filters: 2, kernelSize: 2, padding: 'causal' }), layers.maxPooling1d(), layers.positionEmbedding({ sequenceLength: 4 }), layers.globalAveragePooling1d(), layers.flatten()]) {
      const model = sequential({ seed: 1, layers: [layers.lstm({ units: 3, returnSequences: true, inputShape: [4, 2] }), mixing] });
      expect(() => model.step({ shape: [1, 2], data: Float32Array.of(1, 2) })).toThrow(`step() cannot stream '${mixing.name}': its output steps depend on other input steps`);
      model.dispose();
    }
    const model = sequential({ seed: 2, layers: [layers.lstm({ units: 3, returnSequences: true, inputShape: [4, 2] }), layers.layerNormalization(), layers.conv1d({ filters: 2, kernelSize: 1 }), layers.lstm({ units: 2 })] });
    const x = uniform(randomFor('step'), 8);
    const whole = model.predict({ shape: [1, 4, 2], data: x }).data;
    let last: Float32Array = new Float32Array(0);
    for (let t = 0; t < 4; t++) last = model.step({ shape: [1, 2], data: x.subarray(2 * t, 2 * t + 2) }).data;
    expect(last).toEqual(whole);
    model.dispose();
  });
});
