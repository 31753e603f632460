// conv1d, pooling, global pooling, repeatVector, reshape, flatten, permute,
// layerNormalization and positionEmbedding: forward and backward against the float64
// reference (test/reference) on odd shapes, finite differences of the layers themselves,
// masks, shapes, options, errors and saved configs.
import { afterEach, describe, expect, it } from 'vitest';
import * as layers from '../../src/layers/index.js';
import { LayerConfigError, LayerInputError, type Layer } from '../../src/layers/index.js';
import * as ref from '../reference/index.js';
import { uniform } from '../util/random.js';
import { expectClose, expectLayerFiniteDifferences, freeAll, planned, randomFor, region, weightValues } from './helpers.js';

afterEach(freeAll);

/** Random weights over a wide range, so relu cuts and biases matter. */
function randomizeWeights(layer: Layer, random: () => number, lo = -1, hi = 1): void {
  layer.setWeights(layer.getWeights().map((t) => ({ shape: t.shape, data: uniform(random, t.data.length, lo, hi) })));
}

/** Forward and backward of a training plan (the layer built first if it is not) on random x and dy: the results to compare. */
function run(layer: Layer, shape: number[], random: () => number, mask?: Uint8Array) {
  const plan = layer.built ? layer.plan(shape, { training: true }) : planned(layer, shape).plan;
  const x = uniform(random, shape.reduce((a, b) => a * b, 1));
  const outputMask = plan.forward(region(x), { mask });
  const dy = uniform(random, plan.output.length);
  plan.backward(region(dy));
  return { plan, x, dy, y: plan.output.toArray(), dx: plan.dInput!.toArray(), grads: layer.weights.map((w) => w.grad.toArray()), outputMask };
}

describe('conv1d', () => {
  const cases: { shape: [number, number, number]; o: ref.conv1d.Conv1DOptions; useBias?: boolean }[] = [
    { shape: [1, 1, 1], o: { kernelSize: 1, filters: 1, activation: 'linear' } },
    { shape: [3, 17, 3], o: { kernelSize: 3, filters: 17, padding: 'valid', activation: 'relu' } },
    { shape: [2, 17, 17], o: { kernelSize: 5, filters: 3, padding: 'same', activation: 'tanh' } },
    { shape: [3, 3, 5], o: { kernelSize: 4, filters: 2, padding: 'same', strides: 2, activation: 'sigmoid' }, useBias: false },
    { shape: [2, 17, 2], o: { kernelSize: 3, filters: 5, padding: 'causal', dilationRate: 3, activation: 'linear' } },
    { shape: [1, 3, 4], o: { kernelSize: 3, filters: 3, padding: 'causal', activation: 'hardSigmoid' } },
    { shape: [3, 17, 4], o: { kernelSize: 2, filters: 4, padding: 'valid', strides: 3, activation: 'relu' } },
    { shape: [2, 9, 129], o: { kernelSize: 3, filters: 1, padding: 'same', dilationRate: 2, activation: 'tanh' } },
    { shape: [2, 129, 3], o: { kernelSize: 7, filters: 9, padding: 'causal', strides: 4, activation: 'relu' } },
  ];
  for (const { shape, o, useBias = true } of cases) {
    it(`${o.padding ?? 'valid'} k=${o.kernelSize} stride ${o.strides ?? 1} dilation ${o.dilationRate ?? 1} ${o.activation} on [${shape}]${useBias ? '' : ' without bias'} matches the reference`, () => {
      const random = randomFor(`conv ${shape} ${JSON.stringify(o)}`);
      const layer = layers.conv1d({ ...o, useBias });
      layer.build([null, null, shape[2]], null);
      randomizeWeights(layer, random);
      expect(layer.countParams()).toBe(o.filters * (o.kernelSize * shape[2] + (useBias ? 1 : 0)));
      const { plan, x, dy, y, dx, grads } = run(layer, shape, random);
      const [kernel, bias] = weightValues(layer);
      const xs = { shape, data: x };
      const expected = ref.conv1d.forward(xs, { kernel, bias }, o);
      expect(plan.outputShape).toEqual(expected.shape);
      expectClose('y', y, expected.data);
      const g = ref.conv1d.backward(xs, { kernel, bias }, o, dy);
      expectClose('dx', dx, g.dx);
      expectClose('dKernel', grads[0], g.dKernel);
      if (useBias) expectClose('dBias', grads[1], g.dBias!);
      layer.dispose();
    });
  }

  it('agrees with finite differences of itself (input, kernel, bias)', () => {
    const random = randomFor('conv fd');
    const { layer, plan } = planned(layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', strides: 2, activation: 'tanh' }), [2, 7, 4]);
    randomizeWeights(layer, random);
    expectLayerFiniteDifferences(layer, plan, uniform(random, 56), random);
    layer.dispose();
  });

  it('runs on other lengths than it was declared for, and drops the mask', () => {
    const layer = layers.conv1d({ filters: 2, kernelSize: 3, inputShape: [10, 3] });
    layer.build([null, 10, 3], null);
    const plan = layer.plan([2, 6, 3]);
    expect(plan.outputShape).toEqual([2, 4, 2]);
    expect(plan.forward(region(new Float32Array(36)), { mask: new Uint8Array(12).fill(1) })).toBeUndefined();
    layer.dispose();
  });

  it('names bad options and inputs', () => {
    expect(() => layers.conv1d({ filters: 0, kernelSize: 3 })).toThrow(LayerConfigError);
    expect(() => layers.conv1d({ filters: 2, kernelSize: [3, 3] as never })).toThrow(/kernelSize must be a positive integer or a list of one/);
    expect(() => layers.conv1d({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/padding must be one of 'valid', 'same', 'causal'/);
    expect(() => layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/dilationRate cannot be > 1 together with strides > 1/);
    expect(() => layers.conv1d({ filters: 2, kernelSize: 3, groups: 2 })).toThrow(/groups must be 1/);
    expect(() => layers.conv1d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' as never })).toThrow(/dataFormat/);
    const conv = layers.conv1d({ filters: 2, kernelSize: 5, dilationRate: 2 });
    expect(() => conv.build([null, 8, 3], null)).toThrow(LayerInputError);
    expect(() => conv.build([null, 8, 3], null)).toThrow(/a window spans 9 steps but the input \[null, 8, 3\] has 8/);
    expect(() => conv.build([null, 8], null)).toThrow(/expects sequences \[batch, time, channels\] of rank 3/);
    expect(() => conv.build([null, 8, null], null)).toThrow(/needs the channel \(last\) dimension/);
  });
});

describe('maxPooling1d and averagePooling1d', () => {
  const cases: { shape: [number, number, number]; o: ref.pooling.PoolOptions }[] = [
    { shape: [1, 1, 1], o: { kind: 'max', poolSize: 1 } },
    { shape: [3, 17, 3], o: { kind: 'max', poolSize: 2 } },
    { shape: [2, 17, 17], o: { kind: 'average', poolSize: 3, strides: 2, padding: 'same' } },
    { shape: [3, 3, 5], o: { kind: 'max', poolSize: 4, strides: 1, padding: 'same' } },
    { shape: [2, 17, 2], o: { kind: 'average', poolSize: 2, strides: 3 } },
    { shape: [2, 129, 3], o: { kind: 'max', poolSize: 5, strides: 2, padding: 'same' } },
    { shape: [1, 9, 129], o: { kind: 'average', poolSize: 4, padding: 'same' } },
  ];
  for (const { shape, o } of cases) {
    it(`${o.kind} pool ${o.poolSize} stride ${o.strides ?? o.poolSize} ${o.padding ?? 'valid'} on [${shape}] matches the reference`, () => {
      const random = randomFor(`pool ${shape} ${JSON.stringify(o)}`);
      const options = { poolSize: o.poolSize, strides: o.strides, padding: o.padding };
      const layer = o.kind === 'max' ? layers.maxPooling1d(options) : layers.averagePooling1d(options);
      const { plan, x, dy, y, dx } = run(layer, shape, random);
      const xs = { shape, data: x };
      const expected = ref.pooling.forward(xs, o);
      expect(plan.outputShape).toEqual(expected.shape);
      expectClose('y', y, expected.data);
      expectClose('dx', dx, ref.pooling.backward(xs, o, dy));
      layer.dispose();
    });
  }

  it('agree with finite differences of themselves', () => {
    const random = randomFor('pool fd');
    for (const layer of [layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }), layers.averagePooling1d({ poolSize: 2 })]) {
      const { plan } = planned(layer, [2, 7, 3]);
      // Distinct values 0.05 apart: no step of 1e-3 changes which one a window's max is.
      const x = Float32Array.from({ length: 42 }, (_, i) => 0.05 * ((i * 17) % 42) - 1);
      expectLayerFiniteDifferences(layer, plan, x, random, 10, 1e-3);
      layer.dispose();
    }
  });

  it('default to poolSize 2 and strides = poolSize, and name bad options', () => {
    const pool = layers.maxPooling1d();
    expect(pool.computeOutputShape([null, 9, 3])).toEqual([null, 4, 3]);
    expect(layers.averagePooling1d({ poolSize: 3 }).computeOutputShape([null, 9, 3])).toEqual([null, 3, 3]);
    expect(() => layers.maxPooling1d({ padding: 'causal' as never })).toThrow(/padding must be one of 'valid', 'same'/);
    expect(() => layers.averagePooling1d({ poolSize: 0 })).toThrow(LayerConfigError);
    expect(() => pool.computeOutputShape([null, 1, 3])).toThrow(/a window spans 2 steps but the input \[null, 1, 3\] has 1/);
    expect(() => layers.maxPooling1d({ strides: -1 })).toThrow(/strides must be a positive integer/);
  });
});

describe('globalAveragePooling1d and globalMaxPooling1d', () => {
  for (const kind of ['average', 'max'] as const) {
    for (const shape of [[1, 1, 1], [3, 17, 3], [4, 3, 17], [2, 129, 5]] as [number, number, number][]) {
      for (const masked of [false, true]) {
        it(`${kind} on [${shape}]${masked ? ' with a mask' : ''} matches the reference`, () => {
          const random = randomFor(`global ${kind} ${shape} ${masked}`);
          const [B, T] = shape;
          const mask = masked ? Uint8Array.from({ length: B * T }, () => (random() < 0.6 ? 1 : 0)) : undefined;
          if (mask && B > 1) mask.fill(0, T, 2 * T); // a sample with no real step
          const layer = kind === 'max' ? layers.globalMaxPooling1d() : layers.globalAveragePooling1d();
          const { plan, x, dy, y, dx, outputMask } = run(layer, shape, random, mask);
          expect(outputMask).toBeUndefined(); // the mask is consumed
          expect(plan.outputShape).toEqual([B, shape[2]]);
          const xs = { shape, data: x };
          expectClose('y', y, ref.pooling.globalForward(xs, kind, mask).data);
          expectClose('dx', dx, ref.pooling.globalBackward(xs, kind, dy, mask));
          layer.dispose();
        });
      }
    }
  }

  it('keepdims keeps a time axis of 1', () => {
    const layer = layers.globalMaxPooling1d({ keepdims: true });
    expect(layer.computeOutputShape([null, 5, 3])).toEqual([null, 1, 3]);
    expect(() => layers.globalAveragePooling1d({ keepdims: 1 as never })).toThrow(/keepdims must be true or false/);
  });

  it('an embedding with maskZero feeds a masked mean: padding changes nothing', () => {
    const random = randomFor('global embedding');
    const embedding = layers.embedding({ inputDim: 7, outputDim: 3, maskZero: true });
    const pool = layers.globalAveragePooling1d();
    embedding.build([null, 5], null);
    randomizeWeights(embedding, random);
    pool.build([null, 5, 3], null);
    const average = (ids: number[]) => {
      const e = embedding.plan([1, 5]);
      const p = pool.plan([1, 5, 3]);
      const mask = e.forward(region(ids));
      p.forward(e.output, { mask });
      return p.output.toArray();
    };
    const table = embedding.getWeights()[0].data;
    const expected = Float32Array.from([0, 1, 2], (c) => (table[3 * 3 + c] + table[5 * 3 + c]) / 2);
    expectClose('padded', average([3, 0, 5, 0, 0]), expected, 1e-6);
    expectClose('padded elsewhere', average([0, 3, 0, 0, 5]), expected, 1e-6);
    embedding.dispose();
    pool.dispose();
  });
});

describe('repeatVector, reshape, flatten, permute', () => {
  it('repeatVector matches the reference exactly on [1, 1], [3, 17], [2, 129]', () => {
    for (const [B, F, n] of [[1, 1, 1], [3, 17, 3], [2, 129, 17]]) {
      const random = randomFor(`repeat ${B} ${F} ${n}`);
      const layer = layers.repeatVector({ n });
      const { plan, x, dy, y, dx } = run(layer, [B, F], random);
      expect(plan.outputShape).toEqual([B, n, F]);
      expect(y).toEqual(Float32Array.from(ref.rearrange.repeatVector({ shape: [B, F], data: x }, n).data));
      expectClose('dx', dx, ref.rearrange.repeatVectorBackward({ shape: [B, n, F], data: dy }), 1e-6);
      layer.dispose();
    }
  });

  it('reshape and flatten keep the values in order; -1 is inferred', () => {
    const random = randomFor('reshape');
    for (const [layer, shape, out] of [
      [layers.reshape({ targetShape: [-1, 3] }), [2, 17, 3, 2], [2, 34, 3]],
      [layers.reshape({ targetShape: [129] }), [3, 3, 43], [3, 129]],
      [layers.flatten(), [3, 17, 3], [3, 51]],
      [layers.flatten(), [1, 1], [1, 1]],
    ] as [Layer, number[], number[]][]) {
      const { plan, x, dy, y, dx } = run(layer, shape, random);
      expect(plan.outputShape).toEqual(out);
      expect(y).toEqual(x);
      expect(dx).toEqual(dy);
      layer.dispose();
    }
  });

  it('permute matches the reference exactly for every order of 1 to 3 axes', () => {
    const orders = [[1], [1, 2], [2, 1], [1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]];
    for (const dims of orders) {
      const shape = [3, 17, 3, 5].slice(0, dims.length + 1);
      const random = randomFor(`permute ${dims}`);
      const layer = layers.permute({ dims });
      const { plan, x, dy, y, dx } = run(layer, shape, random);
      const expected = ref.rearrange.permute({ shape, data: x }, dims);
      expect(plan.outputShape).toEqual(expected.shape);
      expect(y).toEqual(Float32Array.from(expected.data));
      expect(dx).toEqual(Float32Array.from(ref.rearrange.permuteBackward({ shape: expected.shape, data: dy }, dims)));
      layer.dispose();
    }
  });

  it('name bad options and shapes', () => {
    expect(() => layers.repeatVector({ n: 0 })).toThrow(/n must be a positive integer/);
    expect(() => layers.repeatVector({ n: 2 }).computeOutputShape([null, 3, 4])).toThrow(/expects vectors \[batch, features\] of rank 2/);
    expect(() => layers.reshape({ targetShape: [-1, -1] })).toThrow(/targetShape may hold at most one -1/);
    expect(() => layers.reshape({ targetShape: [0, 2] })).toThrow(/targetShape\[0\] must be a positive integer or -1/);
    expect(() => layers.reshape({ targetShape: [4, 4] }).computeOutputShape([null, 5, 3])).toThrow(/cannot reshape an input of shape \[null, 5, 3\] \(15 values per sample\) to targetShape \[4, 4\]/);
    expect(() => layers.reshape({ targetShape: [-1, 4] }).computeOutputShape([null, 5, 3])).toThrow(LayerInputError);
    expect(() => layers.permute({ dims: [1, 1] })).toThrow(/dims must be a permutation of 1..n/);
    expect(() => layers.permute({ dims: [1, 2, 3, 4] })).toThrow(/dims must be a permutation/);
    expect(() => layers.permute({ dims: [2, 1] }).computeOutputShape([null, 2, 3, 4])).toThrow(/expects inputs of 2 axes after the batch/);
    // A flatten built for 10 steps cannot run on 12 (what follows depends on the length).
    const flat = layers.flatten();
    flat.build([null, 10, 2], null);
    expect(() => flat.plan([1, 12, 2])).toThrow(/does not match the shape \[null, 10, 2\]/);
    flat.dispose();
  });
});

describe('layerNormalization', () => {
  for (const n of [1, 3, 17, 129]) {
    for (const [center, scale] of [[true, true], [false, true], [true, false], [false, false]]) {
      it(`over ${n} features${center ? '' : ', no center'}${scale ? '' : ', no scale'} matches the reference`, () => {
        const random = randomFor(`ln ${n} ${center} ${scale}`);
        const epsilon = n === 1 ? 1e-3 : 1e-5;
        const layer = layers.layerNormalization({ center, scale, epsilon });
        layer.build([null, 4, n], null);
        if (layer.weights.length > 0) randomizeWeights(layer, random, 0.5, 1.5);
        expect(layer.weights.map((w) => w.name)).toEqual([...(scale ? [`${layer.name}/gamma`] : []), ...(center ? [`${layer.name}/beta`] : [])]);
        const shape = [3, 4, n];
        const mask = new Uint8Array(12).fill(1);
        const { x, dy, y, dx, grads, outputMask } = run(layer, shape, random, mask);
        expect(outputMask).toBe(mask); // passes through
        const values = weightValues(layer);
        const w = { gamma: scale ? values[0] : undefined, beta: center ? values[scale ? 1 : 0] : undefined };
        const xs = { shape, data: x };
        expectClose('y', y, ref.layerNormalization.forward(xs, w, epsilon).data, 1e-5);
        const g = ref.layerNormalization.backward(xs, w, dy, epsilon);
        expectClose('dx', dx, g.dx, 1e-4);
        if (scale) expectClose('dGamma', grads[0], g.dGamma, 1e-5);
        if (center) expectClose('dBeta', grads[scale ? 1 : 0], g.dBeta, 1e-5);
        layer.dispose();
      });
    }
  }

  it('agrees with finite differences of itself', () => {
    const random = randomFor('ln fd');
    const { layer, plan } = planned(layers.layerNormalization(), [3, 6]);
    randomizeWeights(layer, random, 0.5, 1.5);
    expectLayerFiniteDifferences(layer, plan, uniform(random, 18, -2, 2), random);
    layer.dispose();
  });

  it('takes only the last axis, and names bad options', () => {
    expect(layers.layerNormalization({ axis: 2 }).computeOutputShape([null, 3, 4])).toEqual([null, 3, 4]);
    expect(layers.layerNormalization({ axis: [-1] }).computeOutputShape([null, 4])).toEqual([null, 4]);
    expect(() => layers.layerNormalization({ axis: 1 }).computeOutputShape([null, 3, 4])).toThrow(/only the last axis \(-1\) can be normalized, got axis 1/);
    expect(() => layers.layerNormalization({ epsilon: 0 })).toThrow(/epsilon must be a finite number > 0/);
    expect(() => layers.layerNormalization({ rmsScaling: true })).toThrow(/rmsScaling must be false/);
    expect(() => layers.layerNormalization({ axis: 'last' as never })).toThrow(/axis must be an integer/);
  });
});

describe('positionEmbedding', () => {
  for (const [B, T, F, L] of [[1, 1, 1, 1], [3, 17, 3, 17], [2, 3, 129, 17], [2, 5, 4, 9]]) {
    it(`[${B}, ${T}, ${F}] with sequenceLength ${L} matches the reference`, () => {
      const random = randomFor(`position ${B} ${T} ${F} ${L}`);
      const layer = layers.positionEmbedding({ sequenceLength: L });
      layer.build([null, null, F], null);
      randomizeWeights(layer, random);
      expect(layer.weights.map((w) => [w.name, w.shape])).toEqual([[`${layer.name}/embeddings`, [L, F]]]);
      const mask = new Uint8Array(B * T).fill(1);
      const { x, dy, y, dx, grads, outputMask } = run(layer, [B, T, F], random, mask);
      expect(outputMask).toBe(mask);
      expectClose('y', y, ref.positionEmbedding.forward({ shape: [B, T, F], data: x }, weightValues(layer)[0]).data, 1e-6);
      const g = ref.positionEmbedding.backward({ shape: [B, T, F], data: dy }, L);
      expect(dx).toEqual(dy);
      expectClose('dEmbeddings', grads[0], g.dEmbeddings, 1e-6);
      layer.dispose();
    });
  }

  it('agrees with finite differences of itself, and refuses sequences longer than sequenceLength', () => {
    const random = randomFor('position fd');
    const { layer, plan } = planned(layers.positionEmbedding({ sequenceLength: 6 }), [2, 4, 3]);
    expectLayerFiniteDifferences(layer, plan, uniform(random, 24), random);
    expect(() => layer.plan([2, 7, 3])).toThrow(/has 7 steps, more than sequenceLength 6/);
    layer.dispose();
    expect(() => layers.positionEmbedding({} as never)).toThrow(/sequenceLength is required/);
  });
});

describe('saved configs', () => {
  const made: Layer[] = [
    layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', useBias: false }),
    layers.maxPooling1d({ poolSize: 3, padding: 'same' }),
    layers.averagePooling1d({ poolSize: 2, strides: 1 }),
    layers.globalAveragePooling1d({ keepdims: true }),
    layers.globalMaxPooling1d(),
    layers.repeatVector({ n: 4 }),
    layers.reshape({ targetShape: [-1, 2] }),
    layers.flatten(),
    layers.permute({ dims: [2, 1] }),
    layers.layerNormalization({ epsilon: 1e-6, center: false }),
    layers.positionEmbedding({ sequenceLength: 12, initializer: 'zeros' }),
  ];
  for (const layer of made) {
    it(`${layer.className} round-trips through layerFromConfig`, () => {
      const copy = layers.layerFromConfig(layer.toJSON());
      expect(copy.className).toBe(layer.className);
      expect(copy.toJSON()).toEqual(layer.toJSON());
    });
  }

  it('reads configs as Keras writes them', () => {
    const conv = layers.layerFromConfig({
      class_name: 'Conv1D',
      config: { name: 'conv1d_k', trainable: true, dtype: 'float32', filters: 8, kernel_size: [3], strides: [1], padding: 'causal', data_format: 'channels_last', dilation_rate: [2], groups: 1, activation: 'relu', use_bias: true, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null },
    });
    expect(conv.settings).toMatchObject({ filters: 8, kernelSize: 3, dilationRate: 2, padding: 'causal', activation: 'relu' });
    const pool = layers.layerFromConfig({ class_name: 'MaxPooling1D', config: { name: 'mp_k', pool_size: [2], strides: null, padding: 'valid', data_format: 'channels_last' } });
    expect(pool.computeOutputShape([null, 8, 3])).toEqual([null, 4, 3]);
    const norm = layers.layerFromConfig({ class_name: 'LayerNormalization', config: { name: 'ln_k', axis: [2], epsilon: 1e-6, center: true, scale: true, rms_scaling: false, beta_initializer: { class_name: 'Zeros', config: {} }, gamma_initializer: { class_name: 'Ones', config: {} }, beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null } });
    expect(norm.settings).toMatchObject({ axis: 2, epsilon: 1e-6 });
    const global = layers.layerFromConfig({ class_name: 'GlobalAveragePooling1D', config: { name: 'gap_k', data_format: 'channels_last', keepdims: false } });
    expect(global.computeOutputShape([null, 8, 3])).toEqual([null, 3]);
    expect(() => layers.layerFromConfig({ class_name: 'Conv1D', config: { filters: 2, kernel_size: [3], data_format: 'channels_first' } })).toThrow(/dataFormat must be one of 'channelsLast'/);
  });
});
