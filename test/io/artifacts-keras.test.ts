// Keras GRU with reset_after: true (the Keras default, bias (2, 3u)), which TF.js cannot load:
// model.json written by hand as the tensorflowjs converter writes it for Keras 2.15 (h5:
// nested topology, InputLayer, module/registered_name/build_config envelopes, cell names)
// and for Keras 3 (.keras: vars paths in h5 order, batch_shape, dtype policies), with seeded
// weights, loaded from files on disk by file: URL or from memory; predictions checked against
// the float64 reference (test/reference) within 1e-5.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GRU } from '../../src/layers/index.js';
import { readArtifacts } from '../../src/io/artifacts.js';
import * as ref from '../reference/index.js';
import { expectClose, freeAll, randomFor } from '../layers/helpers.js';
import { uniform } from '../util/random.js';
import { disposeAll, joinWeights, loadLayers, predict } from './artifacts-helpers.js';

const [B, T, F, U1, U2, OUT] = [3, 6, 4, 5, 3, 4];
const dir = mkdtempSync(join(tmpdir(), 'seqwasm-keras-'));
afterEach(freeAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const initializer = (name: string, config: object = {}) => ({ module: 'keras.initializers', class_name: name, config, registered_name: null });

/** tf.keras 2.15's GRU config (reset_after true), as model.to_json() writes it. */
function gruConfig(name: string, units: number, returnSequences: boolean) {
  return {
    name, trainable: true, dtype: 'float32', return_sequences: returnSequences, return_state: false, go_backwards: false, stateful: false, unroll: false, time_major: false,
    units, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true,
    kernel_initializer: initializer('GlorotUniform', { seed: null }), recurrent_initializer: initializer('Orthogonal', { gain: 1.0, seed: null }), bias_initializer: initializer('Zeros'),
    kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, recurrent_constraint: null, bias_constraint: null,
    dropout: 0.0, recurrent_dropout: 0.0, implementation: 2, reset_after: true,
  };
}

const denseConfig = {
  name: 'dense', trainable: true, dtype: 'float32', units: OUT, activation: 'softmax', use_bias: true,
  kernel_initializer: initializer('GlorotUniform', { seed: null }), bias_initializer: initializer('Zeros'),
  kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
};

/** The layers of GRU(U1, sequences) → Bidirectional(GRU(U2)) → Dense(OUT, softmax), Keras 2 style. */
function keras2Layers() {
  const layer = (class_name: string, config: object, input_shape: (number | null)[]) => ({ module: 'keras.layers', class_name, config, registered_name: null, build_config: { input_shape } });
  return [
    { module: 'keras.layers', class_name: 'InputLayer', config: { batch_input_shape: [null, T, F], dtype: 'float32', sparse: false, ragged: false, name: 'gru_input' }, registered_name: null },
    layer('GRU', gruConfig('gru', U1, true), [null, T, F]),
    layer('Bidirectional', { name: 'bidirectional', trainable: true, dtype: 'float32', layer: { module: 'keras.layers', class_name: 'GRU', config: gruConfig('gru_1', U2, false), registered_name: null }, merge_mode: 'concat' }, [null, T, U1]),
    layer('Dense', denseConfig, [null, 2 * U2]),
  ];
}

/** Keras 3 style: no module/registered_name (the converter drops them), dtype policies, an InputLayer with batch_shape. */
function keras3Layers() {
  const policy = { class_name: 'DTypePolicy', config: { name: 'float32' } };
  const strip = (json: Record<string, unknown>): Record<string, unknown> => {
    const { module: _m, registered_name: _r, ...rest } = json;
    const config = { ...(rest.config as Record<string, unknown>) };
    delete config.time_major;
    delete config.implementation;
    if (config.dtype !== undefined) config.dtype = policy;
    if (config.layer) config.layer = strip(config.layer as Record<string, unknown>);
    if (rest.class_name === 'GRU') config.seed = null;
    return { ...rest, config };
  };
  const [, ...others] = keras2Layers();
  return [{ class_name: 'InputLayer', config: { batch_shape: [null, T, F], dtype: 'float32', sparse: false, name: 'input_layer' } }, ...others.map(strip)];
}

interface Weights {
  gru: ref.RnnWeights;
  forward: ref.RnnWeights;
  backward: ref.RnnWeights;
  dense: { kernel: Float32Array; bias: Float32Array };
}

function seededWeights(random: () => number): Weights {
  const rnn = (inputs: number, units: number) => ({ kernel: uniform(random, inputs * 3 * units, -0.8, 0.8), recurrentKernel: uniform(random, units * 3 * units, -0.8, 0.8), bias: uniform(random, 2 * 3 * units, -0.8, 0.8) });
  return { gru: rnn(F, U1), forward: rnn(U1, U2), backward: rnn(U1, U2), dense: { kernel: uniform(random, 2 * U2 * OUT, -0.8, 0.8), bias: uniform(random, OUT, -0.8, 0.8) } };
}

/** [name, shape, values] in the converter's order for each naming. */
function namedWeights(w: Weights, keras3: boolean): { spec: { name: string; shape: number[]; dtype: 'float32' }; data: Float32Array }[] {
  const rnn = (prefix: string, weights: ref.RnnWeights, inputs: number, units: number) => {
    const names = keras3 ? ['vars/0', 'vars/1', 'vars/2'] : ['kernel', 'recurrent_kernel', 'bias'];
    const shapes = [[inputs, 3 * units], [units, 3 * units], [2, 3 * units]];
    return [weights.kernel, weights.recurrentKernel, weights.bias!].map((data, i) => ({ spec: { name: `${prefix}/${names[i]}`, shape: shapes[i], dtype: 'float32' as const }, data: data as Float32Array }));
  };
  const dense = (prefix: string) => [
    { spec: { name: `${prefix}/${keras3 ? 'vars/0' : 'kernel'}`, shape: [2 * U2, OUT], dtype: 'float32' as const }, data: w.dense.kernel },
    { spec: { name: `${prefix}/${keras3 ? 'vars/1' : 'bias'}`, shape: [OUT], dtype: 'float32' as const }, data: w.dense.bias },
  ];
  if (keras3) {
    // h5 lists groups alphabetically: bidirectional (backward_layer first), dense, gru.
    return [
      ...rnn('layers/bidirectional/backward_layer/cell', w.backward, U1, U2),
      ...rnn('layers/bidirectional/forward_layer/cell', w.forward, U1, U2),
      ...dense('layers/dense'),
      ...rnn('layers/gru/cell', w.gru, F, U1),
    ];
  }
  return [...rnn('gru/gru_cell', w.gru, F, U1), ...rnn('bidirectional/forward_gru_1/gru_cell_1', w.forward, U1, U2), ...rnn('bidirectional/backward_gru_1/gru_cell_2', w.backward, U1, U2), ...dense('dense')];
}

function reference(w: Weights, x: Float32Array): Float64Array {
  const h = ref.gru.forward({ shape: [B, T, F], data: x }, w.gru, { returnSequences: true, resetAfter: true }).output;
  const merged = ref.bidirectional.forward(ref.gru, h, { forward: w.forward, backward: w.backward }, { resetAfter: true, mergeMode: 'concat' }).output;
  return ref.dense.forward(merged, w.dense, 'softmax').data;
}

describe('Keras GRU with reset_after: true', () => {
  for (const keras3 of [false, true]) {
    it(keras3 ? 'Keras 3 (.keras converted), from memory' : 'Keras 2.15 (h5 converted), model.json and weights read by file: URL', async () => {
      const random = randomFor(`keras gru ${keras3}`);
      const w = seededWeights(random);
      const weights = namedWeights(w, keras3);
      const modelTopology = keras3
        ? { keras_version: '3.3.3', model_config: { class_name: 'Sequential', config: { name: 'sequential', trainable: true, layers: keras3Layers() } } }
        : {
            keras_version: '2.15.0',
            backend: 'tensorflow',
            model_config: { class_name: 'Sequential', config: { name: 'sequential', layers: keras2Layers() } },
            training_config: { loss: 'categorical_crossentropy', metrics: null, weighted_metrics: null, loss_weights: null, optimizer_config: { class_name: 'Custom>Adam', config: { name: 'Adam', learning_rate: 0.001 } } },
          };
      const modelJSON = {
        format: 'layers-model',
        generatedBy: `keras v${modelTopology.keras_version}`,
        convertedBy: 'TensorFlow.js Converter v4.22.0',
        modelTopology,
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: weights.map((v) => v.spec) }],
      };
      let parsed;
      if (keras3) parsed = await readArtifacts({ modelJSON, weightData: joinWeights(weights) });
      else {
        const folder = mkdtempSync(join(dir, 'model-'));
        writeFileSync(join(folder, 'model.json'), JSON.stringify(modelJSON));
        writeFileSync(join(folder, 'group1-shard1of1.bin'), new Uint8Array(joinWeights(weights)));
        parsed = await readArtifacts(pathToFileURL(join(folder, 'model.json')));
        expect(parsed.trainingConfig).toMatchObject({ loss: 'categorical_crossentropy', optimizer_config: { class_name: 'Custom>Adam' } });
      }
      expect(parsed.layers.map((l) => l.class_name)).toEqual(['GRU', 'Bidirectional', 'Dense']);
      const x = uniform(random, B * T * F);
      const layers = loadLayers(parsed);
      expect((layers[0] as GRU).settings.resetAfter).toBe(true);
      expect(layers[0].weights.map((v) => v.shape)).toEqual([[F, 3 * U1], [U1, 3 * U1], [2, 3 * U1]]);
      expect(layers[0].countParams()).toBe(ref.gru.parameterCount(F, U1, { resetAfter: true }));
      expectClose('prediction', predict(layers, x, [B, T, F]), reference(w, x), 1e-5);
      disposeAll(layers);
    });
  }
});
