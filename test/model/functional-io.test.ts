// Functional models in files: an encoder–decoder (seq2seq) saved as one file and loaded by
// seqwasm and by TF.js with the same predictions; Keras-converted functional models (Keras 2
// and Keras 3 node forms, written here by hand as the converter writes them) give the
// predictions computed by hand; and a hostile model.json gets a ModelLoadError naming the
// problem, with no Wasm memory taken.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { arena, encoderDecoder, layers, loadModel, ModelLoadError, sequential, type Functional, type Tensor } from '../../src/index.js';
import { expectClose } from '../layers/helpers.js';
import { rng, testSeed, uniform } from '../util/random.js';

const seed = testSeed();

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function oneHot(random: () => number, n: number, steps: number, width: number) {
  const data = new Float32Array(n * steps * width);
  for (let i = 0; i < n * steps; i++) data[i * width + Math.floor(random() * width)] = 1;
  return { shape: [n, steps, width], data };
}

describe('an encoder–decoder is one functional model', () => {
  it('trains, saves as one file, and loads in seqwasm and TF.js with the same predictions; encode() and decoder.step() still work', async () => {
    const encoder = sequential({ layers: [layers.lstm({ units: 6, returnState: true, inputShape: [null, 4] })], seed: 1 });
    const decoder = sequential({ layers: [layers.lstm({ units: 6, returnSequences: true, inputShape: [null, 5] }), layers.dense({ units: 5, activation: 'softmax' })], seed: 2 });
    const m = encoderDecoder({ encoder, decoder, name: 'translator' });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const random = rng(seed ^ 21);
    const [sources, decoderInputs, targets] = [oneHot(random, 24, 7, 4), oneHot(random, 24, 5, 5), oneHot(random, 24, 5, 5)];
    const before = m.evaluate([sources, decoderInputs], targets).loss;
    await m.fit([sources, decoderInputs], targets, { epochs: 5, batchSize: 8, verbose: 0 });
    expect(m.evaluate([sources, decoderInputs], targets).loss).toBeLessThan(before);
    const predicted = m.predict([sources, decoderInputs]);
    expect(predicted.shape).toEqual([24, 5, 5]);

    const saved = m.save({ includeOptimizer: false });
    expect(saved.modelJSON.modelTopology.class_name).toBe('Model');
    const decoderLstm = (saved.modelJSON.modelTopology.config as { layers: { name: string; inbound_nodes: unknown[] }[] }).layers.find((l) => l.name === decoder.layers[0].name)!;
    // The encoder's states enter the decoder's LSTM as further inbound tensors, as Keras saves initial_state.
    expect(decoderLstm.inbound_nodes).toEqual([[[expect.any(String), 0, 0, {}], [encoder.layers[0].name, 0, 1, {}], [encoder.layers[0].name, 0, 2, {}]]]);
    const copy = await loadModel<Functional>(saved);
    expect((copy.predict([sources, decoderInputs]) as Tensor).data).toEqual(predicted.data);

    const weightSpecs = saved.modelJSON.weightsManifest.flatMap((group) => group.weights);
    const theirs = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: saved.modelJSON.modelTopology as tf.io.ModelArtifacts['modelTopology'], weightSpecs, weightData: saved.weightData }));
    const expected = tf.tidy(() => (theirs.predict([tf.tensor(sources.data, sources.shape), tf.tensor(decoderInputs.data, decoderInputs.shape)]) as tf.Tensor).dataSync() as Float32Array);
    expectClose('TF.js prediction', predicted.data, expected, 1e-5);
    theirs.dispose();

    // Generation as before: the encoder's states start the decoder, stepped one token at a time.
    const states = m.encode(sources);
    expect(states.map((s) => s.shape)).toEqual([[24, 6], [24, 6]]);
    decoder.resetStates();
    const first = decoder.step({ shape: [24, 5], data: decoderInputs.data.filter((_, i) => Math.floor(i / 5) % 5 === 0) }, { initialState: states });
    expectClose('first step', first.data, predicted.data.filter((_, i) => Math.floor(i / 5) % 5 === 0), 1e-6);
    m.dispose();
    copy.dispose();
  });
});

// ---- Keras-converted files ---------------------------------------------------------------

const dense = (name: string, units: number, activation: string) => ({
  name,
  trainable: true,
  dtype: 'float32',
  units,
  activation,
  use_bias: true,
  kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
  bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
});

/** tf.keras 2.15 through the TF.js converter: two inputs, dense_1(tanh) on the first, joined with the second, dense_2. */
function keras2Json() {
  return {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Functional',
        config: {
          name: 'model',
          trainable: true,
          layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: [null, 3], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' }, name: 'input_1', inbound_nodes: [] },
            { class_name: 'InputLayer', config: { batch_input_shape: [null, 2], dtype: 'float32', sparse: false, ragged: false, name: 'input_2' }, name: 'input_2', inbound_nodes: [] },
            { class_name: 'Dense', config: dense('dense_1', 2, 'tanh'), name: 'dense_1', inbound_nodes: [[['input_1', 0, 0, {}]]] },
            { class_name: 'Concatenate', config: { name: 'concatenate', trainable: true, dtype: 'float32', axis: -1 }, name: 'concatenate', inbound_nodes: [[['dense_1', 0, 0, {}], ['input_2', 0, 0, {}]]] },
            { class_name: 'Dense', config: dense('dense_2', 1, 'linear'), name: 'dense_2', inbound_nodes: [[['concatenate', 0, 0, {}]]] },
          ],
          input_layers: [['input_1', 0, 0], ['input_2', 0, 0]],
          output_layers: [['dense_2', 0, 0]],
        },
      },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'dense_1/bias', shape: [2], dtype: 'float32' },
          { name: 'dense_1/kernel', shape: [3, 2], dtype: 'float32' },
          { name: 'dense_2/bias', shape: [1], dtype: 'float32' },
          { name: 'dense_2/kernel', shape: [4, 1], dtype: 'float32' },
        ],
      },
    ],
  };
}

const keras3Tensor = (shape: (number | null)[], history: [string, number, number]) => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: history } });
const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

/** Keras 3.3 through the converter: x → dense(tanh) → dense_1, added to a second dense of x (args/kwargs nodes, a single output as a flat triple). */
function keras3Json() {
  const layer = (name: string, units: number, activation: string, from: string) => ({
    module: 'keras.layers',
    class_name: 'Dense',
    config: { ...dense(name, units, activation), dtype: policy },
    registered_name: null,
    build_config: { input_shape: [null, 3] },
    name,
    inbound_nodes: [{ args: [keras3Tensor([null, 3], [from, 0, 0])], kwargs: {} }],
  });
  return {
    format: 'layers-model',
    generatedBy: 'keras v3.3.3',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '3.3.3',
      backend: 'tensorflow',
      model_config: {
        module: 'keras.src.models.functional',
        class_name: 'Functional',
        config: {
          name: 'functional',
          trainable: true,
          layers: [
            { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 3], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null, name: 'input_layer', inbound_nodes: [] },
            layer('dense', 3, 'tanh', 'input_layer'),
            layer('dense_1', 2, 'linear', 'dense'),
            layer('dense_2', 2, 'linear', 'input_layer'),
            {
              module: 'keras.layers',
              class_name: 'Add',
              config: { name: 'add', trainable: true, dtype: policy },
              registered_name: null,
              build_config: { input_shape: [[null, 2], [null, 2]] },
              name: 'add',
              inbound_nodes: [{ args: [[keras3Tensor([null, 2], ['dense_1', 0, 0]), keras3Tensor([null, 2], ['dense_2', 0, 0])]], kwargs: {} }],
            },
          ],
          input_layers: [['input_layer', 0, 0]],
          output_layers: ['add', 0, 0],
        },
      },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: ['dense', 'dense_1', 'dense_2'].flatMap((name, i) => [
          { name: `${name}/kernel`, shape: [i === 1 ? 3 : 3, i === 0 ? 3 : 2], dtype: 'float32' },
          { name: `${name}/bias`, shape: [i === 0 ? 3 : 2], dtype: 'float32' },
        ]),
      },
    ],
  };
}

/** Weight values for a manifest, in its order, and the bytes holding them. */
function weightsFor(json: { weightsManifest: { weights: { name: string; shape: number[] }[] }[] }, salt: number) {
  const random = rng(seed ^ salt);
  const values = new Map<string, Float32Array>();
  for (const w of json.weightsManifest[0].weights) values.set(w.name, uniform(random, w.shape.reduce((a, b) => a * b, 1)));
  const all = [...values.values()];
  const bytes = new Float32Array(all.reduce((n, v) => n + v.length, 0));
  let at = 0;
  for (const v of all) {
    bytes.set(v, at);
    at += v.length;
  }
  return { values, weightData: bytes.buffer };
}

/** x·kernel + bias per row, in float64. */
function affine(x: ArrayLike<number>, rows: number, kernel: Float32Array, bias: Float32Array): Float64Array {
  const [inputs, units] = [kernel.length / bias.length, bias.length];
  const y = new Float64Array(rows * units);
  for (let r = 0; r < rows; r++) for (let u = 0; u < units; u++) {
    let s = bias[u];
    for (let i = 0; i < inputs; i++) s += x[r * inputs + i] * kernel[i * units + u];
    y[r * units + u] = s;
  }
  return y;
}

describe('Keras-converted functional models', () => {
  it('tf.keras 2: InputLayers, inbound_nodes lists, weights by name in the converter order', async () => {
    const json = keras2Json();
    const { values, weightData } = weightsFor(json, 31);
    const m = await loadModel<Functional>({ modelJSON: json, weightData });
    expect(m.layers.map((l) => l.name)).toEqual(['input_1', 'input_2', 'dense_1', 'concatenate', 'dense_2']);
    const random = rng(seed ^ 32);
    const a = uniform(random, 5 * 3);
    const b = uniform(random, 5 * 2);
    const hidden = affine(a, 5, values.get('dense_1/kernel')!, values.get('dense_1/bias')!).map(Math.tanh);
    const joined = Array.from({ length: 5 }, (_, r) => [...hidden.slice(2 * r, 2 * r + 2), ...b.slice(2 * r, 2 * r + 2)]).flat();
    const expected = affine(joined, 5, values.get('dense_2/kernel')!, values.get('dense_2/bias')!);
    expectClose('prediction', (m.predict([{ shape: [5, 3], data: a }, { shape: [5, 2], data: b }]) as Tensor).data, expected, 1e-5);
    m.dispose();
  });

  it('Keras 3: args/kwargs nodes with keras_history, batch_shape, DTypePolicy, a single output as a flat triple', async () => {
    const json = keras3Json();
    const { values, weightData } = weightsFor(json, 33);
    const m = await loadModel<Functional>({ modelJSON: json, weightData });
    const x = uniform(rng(seed ^ 34), 4 * 3);
    const first = affine(affine(x, 4, values.get('dense/kernel')!, values.get('dense/bias')!).map(Math.tanh), 4, values.get('dense_1/kernel')!, values.get('dense_1/bias')!);
    const second = affine(x, 4, values.get('dense_2/kernel')!, values.get('dense_2/bias')!);
    expectClose('prediction', (m.predict({ shape: [4, 3], data: x }) as Tensor).data, first.map((v, i) => v + second[i]), 1e-5);
    m.dispose();
  });
});

describe('a hostile functional model.json', () => {
  type Json = ReturnType<typeof keras2Json>;
  const layersOf = (json: Json) => json.modelTopology.model_config.config.layers as Record<string, unknown>[];
  const edits: [string, (json: Json) => void, RegExp][] = [
    ['an inbound layer that does not exist', (json) => (layersOf(json)[2].inbound_nodes = [[['nowhere', 0, 0, {}]]]), /names layer \["nowhere", 0, 0\], which the model does not have/],
    ['a node index beyond the calls', (json) => (layersOf(json)[4].inbound_nodes = [[['concatenate', 3, 0, {}]]]), /needs tensors \["concatenate", 3, 0\], which no saved call produces/],
    ['a tensor index beyond the outputs', (json) => (json.modelTopology.model_config.config.output_layers = [['dense_2', 0, 5]]), /needs tensors|names tensor \["dense_2", 0, 5\]/],
    ['a cycle', (json) => (layersOf(json)[2].inbound_nodes = [[['dense_2', 0, 0, {}]]]), /no saved call produces \(or the calls form a cycle\)/],
    ['inbound_nodes not an array', (json) => (layersOf(json)[2].inbound_nodes = 'input_1' as never), /inbound_nodes must be an array/],
    ['a malformed tensor reference', (json) => (layersOf(json)[2].inbound_nodes = [[['input_1', -1, 0, {}]]]), /expected \[layer name, node index, tensor index\]/],
    ['two layers of one name', (json) => (layersOf(json)[3].name = 'dense_1'), /two layers are named 'dense_1'/],
    ['no input_layers', (json) => delete (json.modelTopology.model_config.config as Record<string, unknown>).input_layers, /input_layers/],
    ['shapes that do not join', (json) => ((layersOf(json)[3].config as Record<string, unknown>).axis = 1, (layersOf(json)[1].config as Record<string, unknown>).batch_input_shape = [null, 2, 2]), /concatenate/],
    ['a weight the config does not declare', (json) => ((layersOf(json)[2].config as Record<string, unknown>).units = 5000), /needs a weight of shape \[3, 5000\]/],
    ['too many calls', (json) => (layersOf(json)[2].inbound_nodes = Array.from({ length: 5000 }, () => [['input_1', 0, 0, {}]])), /called 5002 times \(inbound_nodes\); at most 4096/],
    ['a disconnected output', (json) => (json.modelTopology.model_config.config.input_layers = [['input_1', 0, 0]]), /disconnected/],
  ];
  it.each(edits)('%s is a ModelLoadError, with no memory kept', async (_, edit, message) => {
    const json = keras2Json();
    const { weightData } = weightsFor(json, 35);
    edit(json);
    const inUse = arena().bytesInUse;
    const error = await loadModel({ modelJSON: json, weightData }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(message);
    expect(arena().bytesInUse).toBe(inUse);
  });
});
