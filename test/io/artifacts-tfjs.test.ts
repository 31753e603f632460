// Models saved by TF.js 4.22 (created and saved in this run, with seeded weights), read by
// readArtifacts, loaded into our layers without initialisation and run: predictions within
// 1e-5 (relative, floor 1) of TF.js's model.predict. The same artifacts rewritten as the
// Keras converter writes them (Keras 2 with and without TF ≥ 2.2 cell names, Keras 3 paths
// in h5 order, nested topology with an InputLayer) load to the same predictions. And TF.js
// loads what writeArtifacts writes and predicts what we predict.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as layers from '../../src/layers/index.js';
import type { Layer } from '../../src/layers/index.js';
import { readArtifacts, type ParsedModel } from '../../src/io/artifacts.js';
import { writeArtifacts } from '../../src/io/save.js';
import { Prng } from '../../src/util/prng.js';
import { expectClose, freeAll, randomFor } from '../layers/helpers.js';
import { uniform } from '../util/random.js';
import { disposeAll, joinWeights, loadLayers, predict, splitWeights, tfjsArtifacts, type Spec } from './artifacts-helpers.js';

const [B, T, F, VOCABULARY] = [3, 5, 4, 9];
const dir = mkdtempSync(join(tmpdir(), 'seqwasm-artifacts-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(freeAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  make: () => tf.Sequential;
  /** Integer ids below VOCABULARY instead of features. */
  ids?: boolean;
}

const cases: Case[] = [
  {
    name: 'simpleRNN sequence → LSTM (TF.js default hardSigmoid) → dense softmax',
    make: () =>
      tf.sequential({
        layers: [
          tf.layers.simpleRNN({ units: 4, returnSequences: true, inputShape: [T, F] }),
          tf.layers.lstm({ units: 3 }),
          tf.layers.dense({ units: 5, activation: 'softmax' }),
        ],
      }),
  },
  {
    name: 'embedding → bidirectional LSTM → timeDistributed(dense softmax)',
    ids: true,
    make: () =>
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: VOCABULARY, outputDim: 3, inputLength: T }),
          tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid' }) as tf.RNN }),
          tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 4, activation: 'softmax' }) }),
        ],
      }),
  },
  {
    name: 'GRU (resetAfter false) sequence → bidirectional GRU sum → dense',
    make: () =>
      tf.sequential({
        layers: [
          tf.layers.gru({ units: 4, returnSequences: true, inputShape: [T, F] }),
          tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2, recurrentActivation: 'sigmoid' }) as tf.RNN, mergeMode: 'sum' }),
          tf.layers.dense({ units: 3, activation: 'tanh' }),
        ],
      }),
  },
];

/** A TF.js model with seeded weights (biases too), its artifacts, an input and its prediction. */
async function saved(c: Case, includeOptimizer = false) {
  const random = randomFor(c.name);
  const model = c.make();
  model.setWeights(model.weights.map((w) => tf.tensor(uniform(random, w.shape.reduce((a, b) => a! * b!, 1)!, -0.8, 0.8), w.shape as number[])));
  const shape = c.ids ? [B, T] : [B, T, F];
  const x = c.ids ? Float32Array.from({ length: B * T }, () => Math.floor(random() * VOCABULARY)) : uniform(random, B * T * F);
  if (includeOptimizer) {
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const target = tf.zeros(model.outputs[0].shape.map((d) => d ?? B));
    await model.fit(tf.tensor(x, shape), target, { epochs: 1, verbose: 0 });
    tf.dispose(target);
  }
  const artifacts = await tfjsArtifacts(model, includeOptimizer);
  const expected = tf.tidy(() => (model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);
  model.dispose();
  return { artifacts, x, shape, expected };
}

function expectPredictions(parsed: ParsedModel, x: Float32Array, shape: number[], expected: Float32Array): Layer[] {
  const ours = loadLayers(parsed);
  expectClose('prediction', predict(ours, x, shape), expected, 1e-5);
  disposeAll(ours);
  return ours;
}

// ---- Keras-converter renaming -------------------------------------------------------------

interface LayerJson {
  class_name: string;
  config: Record<string, unknown> & { name: string; layer?: LayerJson };
}

const PREFIX: Record<string, string> = { SimpleRNN: 'simple_rnn', LSTM: 'lstm', GRU: 'gru', Dense: 'dense', Embedding: 'embedding', Bidirectional: 'bidirectional', TimeDistributed: 'time_distributed' };
const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU']);

function counter(): (prefix: string) => string {
  const counts = new Map<string, number>();
  return (prefix) => {
    const n = counts.get(prefix) ?? 0;
    counts.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  };
}

/** Keras-2 style configs of a recurrent layer (time_major, implementation 2). */
function keras2Config(json: LayerJson, name: string): LayerJson {
  const { batch_input_shape: _, ...config } = json.config;
  return { class_name: json.class_name, config: { ...config, name, ...(RECURRENT.has(json.class_name) ? { time_major: false, implementation: 2 } : {}) } };
}

/**
 * Keras 2 names for TF.js artifacts: layers renamed lstm, lstm_1, …; with `cells` (TF ≥ 2.2)
 * recurrent weights under a numbered cell ('lstm_1/lstm_cell_1/kernel') and TimeDistributed's
 * under the wrapped layer's name. The topology nested under model_config with an InputLayer.
 */
function keras2(artifacts: tf.io.ModelArtifacts, cells: boolean): { modelJSON: Record<string, unknown>; weights: { spec: Spec; data: Float32Array }[] } {
  const name = counter();
  const cellName = counter();
  const scopes = new Map<string, string>(); // TF.js weight-name prefix → Keras prefix
  const topology = artifacts.modelTopology as { config: { layers: LayerJson[] } };
  const first = topology.config.layers[0].config.batch_input_shape;
  const renamed = topology.config.layers.map((json) => {
    const outer = name(PREFIX[json.class_name]);
    const result = keras2Config(json, outer);
    const inner = json.config.layer;
    if (inner) {
      const innerName = name(PREFIX[inner.class_name]);
      result.config.layer = keras2Config(inner, innerName);
      if (json.class_name === 'Bidirectional') {
        for (const direction of ['forward', 'backward']) {
          scopes.set(`${json.config.name}/${direction}_${inner.config.name}`, `${outer}/${direction}_${innerName}${cells ? `/${cellName(`${PREFIX[inner.class_name]}_cell`)}` : ''}`);
        }
      } else scopes.set(json.config.name, cells ? `${outer}/${innerName}` : outer);
    } else scopes.set(json.config.name, RECURRENT.has(json.class_name) && cells ? `${outer}/${cellName(`${PREFIX[json.class_name]}_cell`)}` : outer);
    return result;
  });
  const weights = splitWeights(artifacts).map(({ spec, data }) => {
    const scope = [...scopes.keys()].filter((s) => spec.name.startsWith(`${s}/`)).sort((a, b) => b.length - a.length)[0];
    return { spec: { name: `${scopes.get(scope)}${spec.name.slice(scope.length)}`, shape: spec.shape, dtype: 'float32' }, data };
  });
  const input = { class_name: 'InputLayer', config: { batch_input_shape: first, dtype: 'float32', sparse: false, ragged: false, name: `${renamed[0].config.name}_input` } };
  const modelTopology = {
    keras_version: '2.15.0',
    backend: 'tensorflow',
    model_config: { class_name: 'Sequential', config: { name: 'sequential', layers: [input, ...renamed] } },
    training_config: { loss: 'categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'Adam', config: { learning_rate: 0.001 } } },
  };
  return { modelJSON: { format: 'layers-model', generatedBy: 'keras v2.15.0', convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology }, weights };
}

/**
 * Keras 3 names: 'layers/<class>[_n]/…/vars/<i>' (layers numbered by class, whatever their
 * names), listed in h5 (alphabetical) order; an InputLayer with batch_shape, dtype policies.
 */
function keras3(artifacts: tf.io.ModelArtifacts): { modelJSON: Record<string, unknown>; weights: { spec: Spec; data: Float32Array }[] } {
  const path = counter();
  const topology = artifacts.modelTopology as { config: { layers: LayerJson[] } };
  const weights = splitWeights(artifacts);
  const policy = { class_name: 'DTypePolicy', config: { name: 'float32' } };
  const keras3Config = (json: LayerJson): LayerJson => {
    const { batch_input_shape: _, layer, ...config } = json.config;
    // In a Keras 3 file 'hard_sigmoid' means relu6(x + 3)/6; TF.js's formula keeps our name for it.
    for (const key of ['activation', 'recurrent_activation']) if (config[key] === 'hard_sigmoid') config[key] = 'hardSigmoid';
    return { class_name: json.class_name, config: { ...config, dtype: policy, ...(layer ? { layer: keras3Config(layer) } : {}) } as LayerJson['config'] };
  };
  const renamed = topology.config.layers.map((json) => {
    const base = `layers/${path(PREFIX[json.class_name])}`;
    const own = weights.filter((w) => w.spec.name.startsWith(`${json.config.name}/`));
    own.forEach((w, j) => {
      const half = own.length / 2;
      w.spec.name =
        json.class_name === 'Bidirectional' ? `${base}/${j < half ? 'forward' : 'backward'}_layer/cell/vars/${j % half}`
        : json.class_name === 'TimeDistributed' ? `${base}/layer/vars/${j}`
        : RECURRENT.has(json.class_name) ? `${base}/cell/vars/${j}`
        : `${base}/vars/${j}`;
    });
    return keras3Config(json);
  });
  weights.sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1));
  const input = { class_name: 'InputLayer', config: { batch_shape: topology.config.layers[0].config.batch_input_shape, dtype: 'float32', sparse: false, name: 'input_layer' } };
  const modelTopology = { keras_version: '3.3.3', model_config: { class_name: 'Sequential', config: { name: 'sequential', trainable: true, dtype: policy, layers: [input, ...renamed] } } };
  return { modelJSON: { format: 'layers-model', generatedBy: 'keras v3.3.3', convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology }, weights };
}

// ---- tests ----------------------------------------------------------------------------------

describe('models saved by TF.js 4.22', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { artifacts, x, shape, expected } = await saved(c);
      const parsed = await readArtifacts(artifacts);
      expect(parsed.weights.map((w) => w.name)).toEqual(artifacts.weightSpecs!.map((s) => s.name));
      expect(parsed.optimizerWeights).toEqual([]);
      const ours = expectPredictions(parsed, x, shape, expected);
      expect(ours.map((layer) => layer.className)).toEqual((artifacts.modelTopology as { config: { layers: LayerJson[] } }).config.layers.map((l) => l.class_name));
    });
  }

  it('reads the optimizer state saved with includeOptimizer (int32 iter as the float iteration)', async () => {
    const c = cases[0];
    const { artifacts, x, shape, expected } = await saved(c, true);
    const parsed = await readArtifacts(artifacts);
    const specs = artifacts.weightSpecs!;
    expect(specs.filter((s) => s.group === 'optimizer')[0]).toEqual({ name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' });
    expect(parsed.optimizerWeights.map((w) => w.name)).toEqual(['iteration', ...specs.filter((s) => s.group === 'optimizer').slice(1).map((s) => s.name)]);
    expect(parsed.optimizerWeights[0]).toEqual({ name: 'iteration', shape: [], data: Float32Array.of(1) });
    expect(parsed.optimizerWeights.slice(1).map((w) => w.name)).toEqual(parsed.weights.flatMap((w) => [`${w.name}/m`]).concat(parsed.weights.map((w) => `${w.name}/v`)));
    expect(parsed.trainingConfig).toMatchObject({ loss: 'mean_squared_error', optimizer_config: { class_name: 'Adam' } });
    expectPredictions(parsed, x, shape, expected); // the weights after the fit step
  });
});

describe('models converted from Keras', () => {
  for (const c of cases) {
    it(`Keras 2 names (lstm_1/kernel), topology under model_config with an InputLayer: ${c.name}`, async () => {
      const { artifacts, x, shape, expected } = await saved(c);
      const { modelJSON, weights } = keras2(artifacts, false);
      const parsed = await readArtifacts({ modelJSON: { ...modelJSON, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: weights.map((w) => w.spec) }] }, weightData: joinWeights(weights) });
      expect(parsed.trainingConfig).toMatchObject({ loss: 'categorical_crossentropy' });
      expect(parsed.layers[0].config).toHaveProperty('batch_input_shape', (artifacts.modelTopology as { config: { layers: LayerJson[] } }).config.layers[0].config.batch_input_shape);
      expectPredictions(parsed, x, shape, expected);
    });

    it(`TF ≥ 2.2 cell names (lstm_1/lstm_cell_1/kernel), two weight files read from disk: ${c.name}`, async () => {
      const { artifacts, x, shape, expected } = await saved(c);
      const { modelJSON, weights } = keras2(artifacts, true);
      expect(weights.some((w) => /_cell(_\d+)?\/kernel$/.test(w.spec.name))).toBe(true);
      const folder = mkdtempSync(join(dir, 'keras2-'));
      const half = Math.ceil(weights.length / 2);
      const shards = [weights.slice(0, half), weights.slice(half)];
      shards.forEach((shard, i) => writeFileSync(join(folder, `group1-shard${i + 1}of2.bin`), new Uint8Array(joinWeights(shard))));
      const manifest = [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: weights.map((w) => w.spec) }];
      writeFileSync(join(folder, 'model.json'), JSON.stringify({ ...modelJSON, weightsManifest: manifest }));
      expectPredictions(await readArtifacts(join(folder, 'model.json')), x, shape, expected);
    });

    it(`Keras 3 paths (layers/lstm/cell/vars/0) in h5 order, batch_shape, dtype policies: ${c.name}`, async () => {
      const { artifacts, x, shape, expected } = await saved(c);
      const { modelJSON, weights } = keras3(artifacts);
      const text = JSON.stringify({ ...modelJSON, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: weights.map((w) => w.spec) }] });
      expectPredictions(await readArtifacts({ modelJSON: text, weightData: joinWeights(weights) }), x, shape, expected);
    });
  }
});

describe('TF.js loads what writeArtifacts writes', () => {
  const ourCases: { name: string; make: () => Layer[]; shape: number[]; ids?: boolean }[] = [
    {
      name: 'LSTM (sigmoid) → dense softmax, with optimizer state',
      make: () => [layers.lstm({ units: 4, recurrentActivation: 'sigmoid', inputShape: [T, F] }), layers.dense({ units: 3, activation: 'softmax' })],
      shape: [B, T, F],
    },
    {
      name: 'embedding → bidirectional GRU (resetAfter false) → timeDistributed(dense)',
      make: () => [
        layers.embedding({ inputDim: VOCABULARY, outputDim: 3, inputShape: [T] }),
        layers.bidirectional(layers.gru({ units: 3, resetAfter: false, returnSequences: true }), { mergeMode: 'ave' }),
        layers.timeDistributed(layers.dense({ units: 2 })),
      ],
      shape: [B, T],
      ids: true,
    },
    {
      name: 'simpleRNN sequence → LSTM hardSigmoid',
      make: () => [layers.simpleRNN({ units: 3, returnSequences: true, activation: 'relu' }), layers.lstm({ units: 2, recurrentActivation: 'hardSigmoid' })],
      shape: [B, T, F],
    },
  ];

  for (const c of ourCases) {
    it(c.name, async () => {
      const random = randomFor(`ours ${c.name}`);
      const ours = c.make();
      // The last case declares no input shape: writeArtifacts records the one it was built for.
      let shape: (number | null)[] = [null, ...c.shape.slice(1)];
      ours.forEach((layer, i) => {
        layer.build(shape, new Prng(7).derive(`layer ${i}`));
        shape = layer.computeOutputShape(shape) as (number | null)[];
      });
      const optimizerState = [{ name: 'iteration', shape: [], data: Float32Array.of(3) }, ...ours[0].weights.map((w) => ({ name: `${w.name}/m`, shape: [...w.shape], data: uniform(random, w.value.length) }))];
      const { modelJSON, weightData } = writeArtifacts({ name: 'sequential', layers: ours, optimizerState });
      const x = c.ids ? Float32Array.from({ length: B * T }, () => Math.floor(random() * VOCABULARY)) : uniform(random, B * T * F);
      const mine = predict(ours, x, c.shape);
      const weightSpecs = modelJSON.weightsManifest.flatMap((group) => group.weights);
      const theirs = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJSON.modelTopology as tf.io.ModelArtifacts['modelTopology'], weightSpecs, weightData }));
      const input = c.ids ? tf.tensor(Int32Array.from(x), c.shape, 'int32') : tf.tensor(x, c.shape);
      const expected = tf.tidy(() => (theirs.predict(input) as tf.Tensor).dataSync() as Float32Array);
      expectClose('prediction', mine, expected, 1e-5);
      expect(theirs.layers.map((l) => l.name)).toEqual(ours.map((l) => l.name));
      tf.dispose(input);
      theirs.dispose();
      disposeAll(ours);
    });
  }
});
