// Dense, TimeDistributed, Embedding, Dropout and Masking: forward and backward against the
// float64 reference (test/reference) and against finite differences of the layer itself.
import { afterEach, describe, expect, it } from 'vitest';
import * as layers from '../../src/layers/index.js';
import { LayerError, LayerInputError, type ActivationName } from '../../src/layers/index.js';
import { Prng } from '../../src/util/prng.js';
import { sequential } from '../../src/model/index.js';
import * as ref from '../reference/index.js';
import { uniform } from '../util/random.js';
import { dot, expectClose, expectFiniteDifferences, freeAll, planned, randomFor, region, weightValues } from './helpers.js';

afterEach(freeAll);

const ACTIVATIONS: ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'hardSigmoid', 'softmax'];

describe('dense', () => {
  for (const activation of ACTIVATIONS) {
    for (const [shape, useBias] of [[[5, 4], true], [[3, 4, 6], false], [[2, 3, 2, 5], true]] as const) {
      it(`${activation} on [${shape}]${useBias ? '' : ' without bias'} matches the reference`, () => {
        const random = randomFor(`dense ${activation} ${shape}`);
        const units = 3;
        const { layer, plan } = planned(layers.dense({ units, activation, useBias }), [...shape]);
        const w = ref.dense.parameterCount(shape[shape.length - 1], units, useBias);
        expect(layer.countParams()).toBe(w);
        // Wide weights so relu cuts and hardSigmoid clips sometimes; random bias too.
        layer.setWeights(layer.getWeights().map((t) => ({ shape: t.shape, data: uniform(random, t.data.length, -1.5, 1.5) })));
        const x = uniform(random, plan.inputShape.reduce((a, b) => a * b), -1.5, 1.5);
        const [kernel, bias] = weightValues(layer);
        plan.forward(region(x));
        const xs = { shape: [...shape], data: x };
        expectClose('y', plan.output.toArray(), ref.dense.forward(xs, { kernel, bias }, activation).data);
        const dy = uniform(random, plan.output.length);
        plan.backward(region(dy));
        const expected = ref.dense.backward(xs, { kernel, bias }, activation, dy);
        expectClose('dx', plan.dInput!.toArray(), expected.dx, 1e-5);
        expectClose('dKernel', layer.weights[0].grad.toArray(), expected.dWeights.kernel, 1e-5);
        if (useBias) expectClose('dBias', layer.weights[1].grad.toArray(), expected.dWeights.bias!, 1e-5);
        layer.dispose();
      });
    }
  }

  it('agrees with finite differences of itself', () => {
    const random = randomFor('dense fd');
    const { layer, plan } = planned(layers.dense({ units: 4, activation: 'tanh' }), [6, 5]);
    const x = region(uniform(random, 30));
    const dy = uniform(random, 24);
    plan.forward(x);
    plan.backward(region(dy));
    const loss = () => {
      plan.forward(x);
      return dot(plan.output.toArray(), dy);
    };
    const [kernel, bias] = layer.getWeights().map((t) => t.data);
    const setKernel = (v: Float32Array) => layer.setWeights([{ shape: [5, 4], data: v }, { shape: [4], data: bias }]);
    expectFiniteDifferences('dKernel', loss, kernel, setKernel, layer.weights[0].grad.toArray(), [0, 7, 13, 19]);
    const setBias = (v: Float32Array) => layer.setWeights([{ shape: [5, 4], data: kernel }, { shape: [4], data: v }]);
    expectFiniteDifferences('dBias', loss, bias, setBias, layer.weights[1].grad.toArray(), [0, 1, 2, 3]);
    layer.dispose();
  });

  it('accumulates gradients until zeroGradients, and skips dx when not asked', () => {
    const random = randomFor('dense accumulate');
    const { layer, plan } = planned(layers.dense({ units: 2 }), [3, 4]);
    const x = region(uniform(random, 12));
    const dy = region(uniform(random, 6));
    plan.forward(x);
    plan.backward(dy);
    const once = layer.weights.map((w) => w.grad.toArray());
    plan.backward(dy);
    layer.weights.forEach((w, i) => expectClose(`twice ${w.name}`, w.grad.toArray(), once[i].map((v) => 2 * v), 1e-6));
    layer.zeroGradients();
    expect(layer.weights.every((w) => w.grad.toArray().every((v) => v === 0))).toBe(true);
    const first = layer.plan([3, 4], { training: true, inputGradient: false });
    expect(first.dInput).toBeUndefined();
    first.forward(x);
    first.backward(dy);
    expectClose('without dx', layer.weights[0].grad.toArray(), once[0], 0);
    layer.dispose();
  });

  it('timeDistributed(dense) is dense on every step, bit for bit', () => {
    const random = randomFor('time distributed');
    const shape = [3, 5, 4];
    const td = planned(layers.timeDistributed(layers.dense({ units: 3, activation: 'relu' })), shape);
    const dense = planned(layers.dense({ units: 3, activation: 'relu' }), shape);
    dense.layer.setWeights(td.layer.getWeights());
    const x = region(uniform(random, 60));
    const dy = region(uniform(random, 45));
    for (const { plan } of [td, dense]) {
      plan.forward(x);
      plan.backward(dy);
    }
    expect(td.plan.outputShape).toEqual([3, 5, 3]);
    expect(td.plan.output.toArray()).toEqual(dense.plan.output.toArray());
    expect(td.plan.dInput!.toArray()).toEqual(dense.plan.dInput!.toArray());
    expect(td.layer.weights.map((w) => w.grad.toArray())).toEqual(dense.layer.weights.map((w) => w.grad.toArray()));
    const mask = new Uint8Array(15).fill(1);
    expect(td.plan.forward(x, { mask })).toBe(mask);
    td.layer.dispose();
    dense.layer.dispose();
  });
});

describe('embedding', () => {
  it('looks up rows, masks id 0, and scatter-adds gradients like the reference', () => {
    const random = randomFor('embedding');
    const [B, T, inputDim, outputDim] = [4, 6, 7, 5];
    const { layer, plan } = planned(layers.embedding({ inputDim, outputDim, maskZero: true }), [B, T]);
    const ids = Float32Array.from({ length: B * T }, () => Math.floor(random() * inputDim));
    ids[3] = 0;
    ids[5] = ids[4]; // a repeated id: its gradients add up
    const mask = plan.forward(region(ids));
    const [embeddings] = weightValues(layer);
    const expected = ref.embedding.forward({ shape: [B, T], data: ids }, embeddings, { outputDim, maskZero: true });
    expect(plan.output.toArray()).toEqual(Float32Array.from(expected.output.data));
    expect(mask).toEqual(expected.mask);
    expect(plan.dInput).toBeUndefined();
    const dy = uniform(random, B * T * outputDim);
    plan.backward(region(dy));
    expectClose('dEmbeddings', layer.weights[0].grad.toArray(), ref.embedding.backward({ shape: [B, T], data: ids }, embeddings, { outputDim }, dy), 1e-6);
    const plain = planned(layers.embedding({ inputDim, outputDim }), [B, T], {});
    expect(plain.plan.forward(region(ids))).toBeUndefined();
    layer.dispose();
    plain.layer.dispose();
  });

  it('names a bad id', () => {
    const { layer, plan } = planned(layers.embedding({ inputDim: 4, outputDim: 2, name: 'words' }), [2, 3]);
    const error = (() => {
      try {
        plan.forward(region([0, 1, 2, 3, 4, 0]));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(LayerInputError);
    expect(error!.message).toBe('words: input[1][1] is 4, not an integer id in [0, 4)');
    expect(() => plan.forward(region([0, 1, 2.5, 3, 0, 0]))).toThrow(/input\[0\]\[2\] is 2.5/);
    layer.dispose();
  });
});

describe('dropout', () => {
  it('is the identity outside training', () => {
    const x = uniform(randomFor('dropout identity'), 40);
    const { layer, plan } = planned(layers.dropout({ rate: 0.5 }), [4, 10], {});
    plan.forward(region(x));
    expect(plan.output.toArray()).toEqual(x);
    layer.dispose();
  });

  it('drops about rate of the values, scales the rest, and replays for a seed', () => {
    const rate = 0.3;
    const x = uniform(randomFor('dropout'), 20000, 0.5, 1);
    const { layer, plan } = planned(layers.dropout({ rate }), [100, 200]);
    const mask = plan.forward(region(x), { rng: new Prng(3), mask: undefined });
    expect(mask).toBeUndefined();
    const y = plan.output.toArray();
    const keep = Math.fround(1 / (1 - rate));
    const dropped = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(dropped - rate)).toBeLessThan(0.02);
    y.forEach((v, i) => v !== 0 && expect(v).toBe(Math.fround(x[i] * keep)));
    const dy = uniform(randomFor('dropout dy'), 20000);
    plan.backward(region(dy));
    plan.dInput!.toArray().forEach((d, i) => expect(d + 0).toBe(y[i] === 0 ? 0 : Math.fround(dy[i] * keep))); // + 0: −0 counts as 0
    plan.forward(region(x), { rng: new Prng(3) });
    expect(plan.output.toArray()).toEqual(y);
    plan.forward(region(x), { rng: new Prng(4) });
    expect(plan.output.toArray()).not.toEqual(y);
    expect(() => plan.forward(region(x))).toThrow(/needs options.rng/);
    layer.dispose();
  });

  it('draws from its own seed when given one', () => {
    const x = region(uniform(randomFor('dropout seed'), 64));
    const outputs = [1, 2].map(() => {
      const { layer, plan } = planned(layers.dropout({ rate: 0.5, seed: 11 }), [8, 8]);
      plan.forward(x);
      const first = plan.output.toArray();
      plan.forward(x);
      const second = plan.output.toArray();
      layer.dispose();
      return [first, second];
    });
    expect(outputs[0]).toEqual(outputs[1]);
    expect(outputs[0][0]).not.toEqual(outputs[0][1]); // the stream moves on between calls
  });
});

describe('masking', () => {
  it('zeroes and masks the steps equal to maskValue, like the reference', () => {
    const random = randomFor('masking');
    const [B, T, F] = [3, 5, 4];
    const x = uniform(random, B * T * F);
    for (const s of [0, 6, 7, 14]) x.fill(-1, s * F, (s + 1) * F);
    x[8 * F] = -1; // one feature alone does not make a padding step
    const { layer, plan } = planned(layers.masking({ maskValue: -1 }), [B, T, F]);
    const mask = plan.forward(region(x));
    const expected = ref.masking.forward({ shape: [B, T, F], data: x }, -1);
    expect(mask).toEqual(expected.mask);
    expectClose('y', plan.output.toArray(), expected.output.data, 0); // exact (−0 and +0 alike)
    const dy = uniform(random, B * T * F);
    plan.backward(region(dy));
    expectClose('dx', plan.dInput!.toArray(), ref.masking.backward(expected.mask, dy), 0);
    layer.dispose();
  });
});

describe('dropout noise shapes', () => {
  const [B, T, C] = [3, 40, 6];
  const rate = 0.4;
  const keep = Math.fround(1 / (1 - rate));

  /** The reference: draws for the noise shape in row-major order from a clone of `rng`, each broadcast to the input. */
  function expectedMask(rng: Prng, noise: number[]): Float32Array {
    const draws = rng.clone();
    const drawn = Array.from({ length: noise.reduce((a, b) => a * b) }, () => (draws.float32() < rate ? 0 : keep));
    const mask = new Float32Array(B * T * C);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let c = 0; c < C; c++) mask[(b * T + t) * C + c] = drawn[((noise[0] === 1 ? 0 : b) * noise[1] + (noise[1] === 1 ? 0 : t)) * noise[2] + (noise[2] === 1 ? 0 : c)];
      }
    }
    return mask;
  }

  const cases: [string, () => layers.Layer, number[]][] = [
    ['noiseShape [null, 1, null] (same features at every step)', () => layers.dropout({ rate, noiseShape: [null, 1, null] }), [B, 1, C]],
    ['noiseShape [1, T, 1] (same steps for every sample and feature)', () => layers.dropout({ rate, noiseShape: [1, T, 1] }), [1, T, 1]],
    ['spatialDropout1d (whole channels per sample)', () => layers.spatialDropout1d({ rate }), [B, 1, C]],
  ];
  for (const [name, make, noise] of cases) {
    it(`${name}: y = x·mask and dx = dy·mask, the mask broadcast from the noise shape`, () => {
      const x = uniform(randomFor(`noise ${name}`), B * T * C, 0.5, 1);
      const { layer, plan } = planned(make(), [B, T, C]);
      const rng = new Prng(9);
      const mask = expectedMask(rng, noise);
      plan.forward(region(x), { rng });
      expect(plan.output.toArray()).toEqual(x.map((v, i) => Math.fround(v * mask[i])));
      const dy = uniform(randomFor(`noise dy ${name}`), B * T * C);
      plan.backward(region(dy));
      expect(plan.dInput!.toArray()).toEqual(dy.map((v, i) => Math.fround(v * mask[i])));
      const zeros = mask.filter((m) => m === 0).length;
      expect(zeros).toBeGreaterThan(0); // the test can see a dropped draw
      expect(zeros).toBeLessThan(mask.length);
      layer.dispose();
    });
  }

  it('spatialDropout1d with a seed replays, and is the identity outside training', () => {
    const x = uniform(randomFor('spatial seed'), B * T * C);
    const runs = [1, 2].map(() => {
      const { layer, plan } = planned(layers.spatialDropout1d({ rate, seed: 5 }), [B, T, C]);
      plan.forward(region(x));
      const y = plan.output.toArray();
      layer.dispose();
      return y;
    });
    expect(runs[0]).toEqual(runs[1]);
    const { layer, plan } = planned(layers.spatialDropout1d({ rate }), [B, T, C], {});
    plan.forward(region(x));
    expect(plan.output.toArray()).toEqual(x);
    layer.dispose();
  });

  it('refuses a noise shape that does not fit the input, and a spatialDropout1d on vectors', () => {
    expect(() => planned(layers.dropout({ rate, noiseShape: [null, 2, null] }), [B, T, C])).toThrow(/noiseShape \[null, 2, null\] must have one entry per input axis, each null, 1 or the input's size; the input is \[null, 40, 6\]/);
    expect(() => planned(layers.dropout({ rate, noiseShape: [null, 1] }), [B, T, C])).toThrow(/noiseShape \[null, 1\] must have one entry per input axis/);
    expect(() => layers.dropout({ rate, noiseShape: [null, 0, 1] })).toThrow(/noiseShape\[1\] must be null or a positive integer, got 0/);
    expect(() => layers.dropout({ rate, noiseShape: 3 as never })).toThrow(/noiseShape must be null or an array with one entry per input axis/);
    expect(() => planned(layers.spatialDropout1d({ rate }), [B, C])).toThrow(LayerError);
  });

  it('saves and loads noise_shape and SpatialDropout1D as Keras writes them', () => {
    const drop = layers.layerFromConfig({ class_name: 'Dropout', config: { name: 'd', rate: 0.5, noise_shape: [null, 1, 8], seed: 3, trainable: true, dtype: 'float32' } });
    expect(drop.getConfig()).toMatchObject({ rate: 0.5, noise_shape: [null, 1, 8], seed: 3 });
    const spatial = layers.layerFromConfig(layers.spatialDropout1d({ rate: 0.25, seed: 2 }).toJSON());
    expect(spatial).toBeInstanceOf(layers.SpatialDropout1D);
    expect(spatial.getConfig()).toMatchObject({ rate: 0.25, seed: 2 });
    expect(layers.dropout({ rate: 0.1 }).getConfig()).toMatchObject({ noise_shape: null });
  });
});

describe('embedding of integer ids', () => {
  const [B, T, vocab] = [3, 5, 7];
  const ids = Array.from({ length: B * T }, (_, i) => (i * 3 + 1) % vocab);
  const model = () => {
    const m = sequential([layers.embedding({ inputDim: vocab, outputDim: 4, inputLength: T, dtype: 'int32', maskZero: true }), layers.gru({ units: 3 }), layers.dense({ units: 1 })]);
    m.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    return m;
  };

  it('takes Int32Array, Uint16Array and Uint8Array ids, bit for bit as float ids, in predict and fit', async () => {
    const y = { shape: [B, 1], data: Float32Array.of(0.1, -0.2, 0.3) };
    const runs = [];
    for (const Kind of [Float32Array, Int32Array, Uint16Array, Uint8Array]) {
      const m = model();
      const x = { shape: [B, T], data: Kind.from(ids) };
      const before = m.predict(x).data;
      const history = await m.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });
      const after = m.predict(x).data;
      m.dispose();
      runs.push({ before, after, loss: history.history.loss });
    }
    for (const run of runs.slice(1)) expect(run).toEqual(runs[0]);
  });

  it('names an out-of-range or non-integer id with a typed error', () => {
    const m = model();
    for (const [bad, shown] of [[-1, '-1'], [vocab, String(vocab)], [2.5, '2.5']] as const) {
      const data = bad === 2.5 ? Float32Array.from(ids) : Int32Array.from(ids);
      data[7] = bad;
      expect(() => m.predict({ shape: [B, T], data })).toThrow(new RegExp(`x\\[1\\]\\[2\\] is ${shown}, not an integer id in \\[0, ${vocab}\\)`));
    }
    expect(() => m.predict({ shape: [B, T], data: Int32Array.from(ids) })).not.toThrow(); // unchanged by the failed calls
    m.dispose();
  });

  it("saves dtype 'int32' as Keras and TF.js write it, and refuses other dtypes and vocabularies float32 cannot index", () => {
    const embedding = layers.embedding({ inputDim: vocab, outputDim: 2, dtype: 'int32' });
    expect(embedding.getConfig()).toMatchObject({ dtype: 'int32', input_dim: vocab });
    expect(layers.layerFromConfig(embedding.toJSON()).getConfig()).toMatchObject({ dtype: 'int32' });
    expect(layers.embedding({ inputDim: vocab, outputDim: 2 }).getConfig()).toMatchObject({ dtype: 'float32' });
    expect(() => layers.embedding({ inputDim: vocab, outputDim: 2, dtype: 'int64' as never })).toThrow(/dtype must be one of 'float32', 'int32', got "int64"/);
    expect(() => layers.embedding({ inputDim: 2 ** 24 + 1, outputDim: 2 })).toThrow(/inputDim must be at most 2\^24 = 16777216 \(ids travel as float32, exact up to 2\^24\), got 16777217/);
    expect(() => layers.dense({ units: 2, dtype: 'int32' as never })).toThrow(/dtype must be one of 'float32'/);
  });
});
