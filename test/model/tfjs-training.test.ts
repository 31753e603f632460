// Whole models trained one batch at a time against TF.js 4.22 on identical weights and data:
// forward, loss (fused with softmax where it can be), backward through every layer and the
// optimizer update must land on the weights TF.js computes, to 1e-5.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { layers, loadModel, optimizers, sequential, type CompileOptions } from '../../src/index.js';
import { worstRelative } from '../util/compare.js';
import { rng, testSeed, uniform } from '../util/random.js';

const seed = testSeed();
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Case {
  name: string;
  ours: () => ReturnType<typeof sequential>;
  theirs: () => tf.Sequential;
  loss: CompileOptions['loss'];
  tfLoss: string;
  target: (random: () => number, batch: number) => { shape: number[]; data: Float32Array };
  optimizer: () => { ours: CompileOptions['optimizer']; theirs: tf.Optimizer };
}

const B = 6;
const T = 5;
const F = 3;

function oneHotTargets(random: () => number, rows: number, width: number) {
  const data = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) data[r * width + Math.floor(random() * width)] = 1;
  return data;
}

const cases: Case[] = [
  {
    name: 'LSTM → Dense softmax, categorical crossentropy (fused), sgd',
    ours: () => sequential({ layers: [layers.lstm({ units: 4, inputShape: [T, F] }), layers.dense({ units: 3, activation: 'softmax' })] }),
    theirs: () => tf.sequential({ layers: [tf.layers.lstm({ units: 4, inputShape: [T, F], recurrentActivation: 'sigmoid' }), tf.layers.dense({ units: 3, activation: 'softmax' })] }),
    loss: 'categoricalCrossentropy',
    tfLoss: 'categoricalCrossentropy',
    target: (random, batch) => ({ shape: [batch, 3], data: oneHotTargets(random, batch, 3) }),
    optimizer: () => ({ ours: optimizers.sgd({ learningRate: 0.5 }), theirs: tf.train.sgd(0.5) }),
  },
  {
    name: 'GRU (resetAfter false) sequences → Dense tanh, mean squared error, adam',
    ours: () => sequential({ layers: [layers.gru({ units: 4, inputShape: [T, F], resetAfter: false, returnSequences: true }), layers.dense({ units: 2, activation: 'tanh' })] }),
    theirs: () => tf.sequential({ layers: [tf.layers.gru({ units: 4, inputShape: [T, F], recurrentActivation: 'sigmoid', returnSequences: true }), tf.layers.dense({ units: 2, activation: 'tanh' })] }),
    loss: 'meanSquaredError',
    tfLoss: 'meanSquaredError',
    target: (random, batch) => ({ shape: [batch, T, 2], data: uniform(random, batch * T * 2) }),
    optimizer: () => ({ ours: optimizers.adam({ learningRate: 0.001 }), theirs: tf.train.adam(0.001, 0.9, 0.999, 1e-7) }),
  },
  {
    name: 'SimpleRNN → SimpleRNN → Dense sigmoid, binary crossentropy (fused), rmsprop',
    ours: () => sequential({ layers: [layers.simpleRNN({ units: 5, inputShape: [T, F], returnSequences: true }), layers.simpleRNN({ units: 3 }), layers.dense({ units: 2, activation: 'sigmoid' })] }),
    theirs: () => tf.sequential({ layers: [tf.layers.simpleRNN({ units: 5, inputShape: [T, F], returnSequences: true }), tf.layers.simpleRNN({ units: 3 }), tf.layers.dense({ units: 2, activation: 'sigmoid' })] }),
    loss: 'binaryCrossentropy',
    tfLoss: 'binaryCrossentropy',
    target: (random, batch) => ({ shape: [batch, 2], data: Float32Array.from({ length: batch * 2 }, () => (random() < 0.5 ? 0 : 1)) }),
    optimizer: () => ({ ours: optimizers.rmsprop({ learningRate: 0.01 }), theirs: tf.train.rmsprop(0.01, 0.9, 0, 1e-7) }),
  },
];

describe('training steps vs TF.js 4.22', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const random = rng(seed ^ c.name.length);
      const ours = c.ours();
      const theirs = c.theirs();
      // Same starting weights: ours (seeded), copied into TF.js.
      theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
      const { ours: ourOptimizer, theirs: theirOptimizer } = c.optimizer();
      ours.compile({ optimizer: ourOptimizer, loss: c.loss });
      theirs.compile({ optimizer: theirOptimizer, loss: c.tfLoss });
      for (let step = 0; step < 3; step++) {
        const x = { shape: [B, T, F], data: uniform(random, B * T * F) };
        const y = c.target(random, B);
        const history = await ours.fit(x, y, { batchSize: B, shuffle: false, verbose: 0 });
        const theirLoss = (await theirs.trainOnBatch(tf.tensor(x.data, x.shape), tf.tensor(y.data, y.shape))) as number;
        expect(Math.abs(history.history.loss[0] - theirLoss) / Math.max(1, Math.abs(theirLoss)), `loss at step ${step} (${replay})`).toBeLessThan(1e-5);
        const expected = theirs.getWeights().map((w) => w.dataSync());
        ours.getWeights().forEach((w, i) => {
          const bad = worstRelative(w.data, expected[i], 1e-5, 1);
          if (bad) expect.fail(`step ${step}, weight ${i}: element ${bad.index} is ${bad.actual}, TF.js has ${bad.expected} (${replay})`);
        });
      }
      ours.dispose();
      theirs.dispose();
    });
  }

  it('loads a model TF.js trained and saved with its optimizer; training continues as it does in TF.js', async () => {
    const random = rng(seed ^ 0x10ad);
    const theirs = tf.sequential({ layers: [tf.layers.lstm({ units: 4, inputShape: [T, F], recurrentActivation: 'sigmoid' }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
    theirs.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const batch = () => ({ x: { shape: [B, T, F], data: uniform(random, B * T * F) }, y: { shape: [B, 3], data: oneHotTargets(random, B, 3) } });
    const first = batch();
    await theirs.trainOnBatch(tf.tensor(first.x.data, first.x.shape), tf.tensor(first.y.data, first.y.shape));
    let artifacts: tf.io.ModelArtifacts | undefined;
    await theirs.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), { includeOptimizer: true });
    const ours = await loadModel(artifacts);
    const probe = batch();
    const expected = (theirs.predict(tf.tensor(probe.x.data, probe.x.shape)) as tf.Tensor).dataSync();
    const bad = worstRelative(ours.predict(probe.x).data, expected, 1e-5, 1);
    if (bad) expect.fail(`prediction element ${bad.index}: ${bad.actual} vs TF.js ${bad.expected} (${replay})`);
    expect(ours.optimizer.iterations).toBe(1);
    const next = batch();
    await ours.fit(next.x, next.y, { batchSize: B, shuffle: false, verbose: 0 });
    await theirs.trainOnBatch(tf.tensor(next.x.data, next.x.shape), tf.tensor(next.y.data, next.y.shape));
    const theirWeights = theirs.getWeights().map((w) => w.dataSync());
    ours.getWeights().forEach((w, i) => {
      const off = worstRelative(w.data, theirWeights[i], 1e-5, 1);
      if (off) expect.fail(`weight ${i} after the resumed step: element ${off.index} is ${off.actual}, TF.js has ${off.expected} (${replay})`);
    });
    ours.dispose();
    theirs.dispose();
  });
});
