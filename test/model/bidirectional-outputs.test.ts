// Bidirectional with mergeMode null in functional models: apply() returns the two directions
// as two outputs (then the states with returnState, in Keras's order [forward, backward,
// ...forward states, ...backward states]). Forward against TF.js's Bidirectional (which has
// mergeMode null) on identical weights; training against the same model with mergeMode
// 'concat' (the two outputs concatenated give the same numbers, so the same gradients);
// save/load; a sequential model still refuses it.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { input, layers, loadModel, model, sequential, type SymbolicTensor, type Tensor } from '../../src/index.js';
import { LayerInputError } from '../../src/layers/index.js';
import { expectClose } from '../layers/helpers.js';
import { rng, testSeed, uniform } from '../util/random.js';

const seed = testSeed();
const [N, T, F, U] = [5, 7, 3, 4];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const recurrent = { lstm: layers.lstm, gru: layers.gru, simpleRNN: layers.simpleRNN } as const;
const tfRecurrent = { lstm: tf.layers.lstm, gru: tf.layers.gru, simpleRNN: tf.layers.simpleRNN } as const;

describe('bidirectional mergeMode null in functional models', () => {
  for (const kind of ['lstm', 'gru', 'simpleRNN'] as const) {
    for (const returnSequences of [true, false]) {
      it(`${kind}, returnSequences ${returnSequences}, returnState: both directions and the states as TF.js gives them`, () => {
        const random = rng(seed ^ (kind.length * 7 + (returnSequences ? 1 : 0)));
        const x = input({ shape: [T, F] });
        const options = { units: U, returnSequences, returnState: true, ...(kind === 'gru' ? { resetAfter: false } : {}) };
        const outputs = layers.bidirectional(recurrent[kind](options as never), { mergeMode: null }).apply(x) as SymbolicTensor[];
        const stateCount = kind === 'lstm' ? 2 : 1;
        expect(outputs).toHaveLength(2 + 2 * stateCount);
        const m = model({ inputs: x, outputs, seed: 4 });
        const data = { shape: [N, T, F], data: uniform(random, N * T * F) };
        const ours = m.predict(data) as Tensor[];

        const tfInput = tf.input({ shape: [T, F] });
        const tfOptions = { ...options, recurrentActivation: 'sigmoid' as const };
        const tfOutputs = tf.layers.bidirectional({ layer: tfRecurrent[kind](tfOptions as never) as never, mergeMode: null as never }).apply(tfInput) as tf.SymbolicTensor[];
        const tfModel = tf.model({ inputs: tfInput, outputs: tfOutputs });
        tfModel.setWeights(m.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
        const theirs = tfModel.predict(tf.tensor(data.data, data.shape)) as tf.Tensor[];
        expect(ours.map((t) => t.shape)).toEqual(theirs.map((t) => t.shape));
        ours.forEach((t, i) => expectClose(`output ${i}`, t.data, theirs[i].dataSync(), 1e-5));
        m.dispose();
      });
    }
  }

  it('trains to the bits of mergeMode concat (the two outputs concatenated), and saves and loads', async () => {
    const random = rng(seed ^ 99);
    const data = { shape: [N * 4, T, F], data: uniform(random, N * 4 * T * F) };
    const target = { shape: [N * 4, 1], data: uniform(random, N * 4) };
    const build = (mergeMode: 'concat' | null) => {
      const x = input({ shape: [T, F] });
      const bi = layers.bidirectional(layers.lstm({ units: U, returnSequences: true }), { mergeMode });
      const sequence = mergeMode === null ? layers.concatenate().apply(bi.apply(x)) : bi.apply(x);
      const y = layers.dense({ units: 1 }).apply(layers.globalAveragePooling1d().apply(sequence));
      const m = model({ inputs: x, outputs: y, seed: 8 });
      m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      return m;
    };
    const apart = build(null);
    const joined = build('concat');
    joined.setWeights(apart.getWeights()); // the dense layer's place in the graph, and so its init stream, differs
    expect(apart.getWeights().map((w) => w.data)).toEqual(joined.getWeights().map((w) => w.data));
    await apart.fit(data, target, { epochs: 3, batchSize: 5, verbose: 0 });
    await joined.fit(data, target, { epochs: 3, batchSize: 5, verbose: 0 });
    expect(apart.getWeights().map((w) => w.data)).toEqual(joined.getWeights().map((w) => w.data));
    const loaded = await loadModel(await apart.save());
    expect((loaded.predict(data) as Tensor).data).toEqual((apart.predict(data) as Tensor).data);
    const saved = (await apart.save()).modelJSON.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown>; inbound_nodes: unknown }[] } };
    const concat = saved.config.layers.find((l) => l.class_name === 'Concatenate')!;
    const bidirectional = saved.config.layers.find((l) => l.class_name === 'Bidirectional')!.config.name;
    expect(concat.inbound_nodes).toEqual([[[bidirectional, 0, 0, {}], [bidirectional, 0, 1, {}]]]);
    for (const m of [apart, joined, loaded]) m.dispose();
  });

  it('both outputs carry the input mask, as Keras passes [mask, mask]', () => {
    const random = rng(seed ^ 17);
    const build = (mergeMode: 'concat' | null) => {
      const ids = input({ shape: [T] });
      const embedded = layers.embedding({ inputDim: 6, outputDim: F, maskZero: true }).apply(ids);
      const bi = layers.bidirectional(layers.gru({ units: U, returnSequences: true }), { mergeMode });
      const pool = layers.globalAveragePooling1d();
      const outputs = mergeMode === null ? (bi.apply(embedded) as SymbolicTensor[]).map((t) => pool.apply(t)) : pool.apply(bi.apply(embedded));
      return model({ inputs: ids, outputs: outputs as SymbolicTensor[], seed: 6 });
    };
    const apart = build(null);
    const joined = build('concat');
    joined.setWeights(apart.getWeights());
    // Trailing padding (id 0) of different lengths: the masked average leaves it out.
    const ids = Float32Array.from({ length: N * T }, (_, i) => (i % T < 2 + ((i / T) | 0) % (T - 2) ? 1 + Math.floor(random() * 5) : 0));
    const [forward, backward] = apart.predict({ shape: [N, T], data: ids }) as Tensor[];
    const both = joined.predict({ shape: [N, T], data: ids }) as Tensor;
    const expected = Float32Array.from({ length: N * 2 * U }, (_, i) => (i % (2 * U) < U ? forward.data[((i / (2 * U)) | 0) * U + (i % (2 * U))] : backward.data[((i / (2 * U)) | 0) * U + (i % (2 * U)) - U]));
    expect(both.data).toEqual(expected);
    apart.dispose();
    joined.dispose();
  });

  it('a loss on the backward output only trains only the backward direction', async () => {
    const random = rng(seed ^ 5);
    const x = input({ shape: [T, F] });
    const bi = layers.bidirectional(layers.gru({ units: U }), { mergeMode: null });
    const [, backward] = bi.apply(x) as SymbolicTensor[];
    const m = model({ inputs: x, outputs: layers.dense({ units: 1 }).apply(backward), seed: 2 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const before = bi.getWeights().map((w) => w.data.slice());
    await m.fit({ shape: [N, T, F], data: uniform(random, N * T * F) }, { shape: [N, 1], data: uniform(random, N) }, { epochs: 1, verbose: 0 });
    const after = bi.getWeights().map((w) => w.data);
    after.slice(0, 3).forEach((w, i) => expect(w, `forward weight ${i} unchanged`).toEqual(before[i]));
    after.slice(3).forEach((w, i) => expect(w, `backward weight ${i} moved`).not.toEqual(before[3 + i]));
    m.dispose();
  });

  it('a sequential model still refuses it, with the error that says why', () => {
    const make = () => sequential([layers.bidirectional(layers.lstm({ units: 2 }), { mergeMode: null, inputShape: [T, F] })]);
    expect(make).toThrow(LayerInputError);
    expect(make).toThrow(/mergeMode null returns the two directions as two outputs, and a sequential model passes one tensor/);
  });
});
