// Layer options, names, parameter counts, weights bookkeeping, saved configs, and the
// errors of each: typed, naming the layer and the argument, and leaving nothing half-done.
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { arena } from '../../src/runtime/module.js';
import * as layers from '../../src/layers/index.js';
import { Layer, LayerConfigError, LayerInputError, LayerStateError } from '../../src/layers/index.js';
import { Prng } from '../../src/util/prng.js';
import * as ref from '../reference/index.js';
import { freeAll, planned, region } from './helpers.js';

afterEach(freeAll);

/** The error `create` throws (fails the test when it throws none). */
function errorOf(create: () => unknown): Error {
  try {
    create();
  } catch (error) {
    return error as Error;
  }
  return expect.fail('expected an error');
}

/** `layer`, built for `inputShape` from Prng(seed) (null: weights left zero). */
const built = <L extends Layer>(layer: L, inputShape: (number | null)[], seed: number | null = 1): L => {
  layer.build(inputShape, seed === null ? null : new Prng(seed));
  return layer;
};

describe('options', () => {
  it('names the layer and the argument of a bad value', () => {
    const error = errorOf(() => layers.lstm({ units: 0, name: 'lstm_1' }));
    expect(error).toBeInstanceOf(LayerConfigError);
    expect(String(error)).toBe('LayerConfigError: lstm_1: units must be a positive integer, got 0');
    expect(error).toMatchObject({ layer: 'lstm_1', argument: 'units' });
  });

  it('suggests the option meant by an unknown name', () => {
    expect(errorOf(() => layers.lstm({ units: 2, retrunSequences: true } as never)).message).toMatch(/retrunSequences is not a known option \(did you mean 'returnSequences'\?\)$/);
    expect(errorOf(() => layers.gru({ units: 2, reset_after: false } as never)).message).toMatch(/did you mean 'resetAfter'/);
    expect(errorOf(() => layers.dense({ units: 2, activaton: 'relu' } as never)).message).toMatch(/did you mean 'activation'/);
    expect(errorOf(() => layers.dense({ units: 2, zzz: 1 } as never)).message).toMatch(/zzz is not a known option$/);
  });

  it('lists the allowed values and the closest one', () => {
    const message = errorOf(() => layers.dense({ units: 2, activation: 'tahn' as never })).message;
    expect(message).toMatch(/activation must be one of 'linear', 'relu', 'sigmoid', 'tanh', 'hardSigmoid', 'hardSigmoidKeras3', 'softmax', got "tahn" \(did you mean 'tanh'\?\)/);
    expect(errorOf(() => layers.lstm({ units: 2, recurrentActivation: 'softmax' as never })).message).toMatch(/recurrentActivation must be one of/);
  });

  it('checks every kind of option', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => layers.dense({} as never), /units is required/],
      [() => layers.dense({ units: 2.5 }), /units must be a positive integer, got 2.5/],
      [() => layers.dense({ units: 2, useBias: 1 as never }), /useBias must be true or false, got 1/],
      [() => layers.dropout({} as never), /rate is required/],
      [() => layers.dropout({ rate: 1 }), /rate must be a number in \[0, 1\), got 1/],
      [() => layers.dropout({ rate: 0.5, noiseShape: [1, 2.5] }), /noiseShape\[1\] must be null or a positive integer, got 2.5/],
      [() => layers.lstm({ units: 2, recurrentDropout: -0.1 }), /recurrentDropout must be a number in \[0, 1\)/],
      [() => layers.masking({ maskValue: NaN }), /maskValue must be a finite number, got NaN/],
      [() => layers.dense({ units: 2, inputShape: [2, 0] }), /inputShape\[1\] must be a positive integer or null, got 0/],
      [() => layers.dense({ units: 2, inputShape: [2], batchInputShape: [null, 2] }), /inputShape cannot be given with batchInputShape/],
      [() => layers.dense({ units: 2, name: 'a/b' }), /name must be a non-empty string without '\/'/],
      [() => layers.dense({ units: 2, dtype: 'float64' as never }), /dtype must be one of 'float32'/],
      [() => layers.dense({ units: 2, kernelInitializer: 'glorotUniforn' }), /kernelInitializer must name an initializer .* \(did you mean 'glorotUniform'\?\)/],
      [() => layers.dense({ units: 2, kernelInitializer: { className: 'RandomNormal', config: { stdev: 1 } } }), /kernelInitializer\.config\.stdev is not a known option \(did you mean 'stddev'\?\)/],
      [() => layers.embedding({ inputDim: 5, outputDim: 2, inputLength: 3, inputShape: [4] }), /inputLength 3 does not agree with the declared input shape/],
      [() => layers.dense(7 as never), /options must be an object, got 7/],
    ];
    for (const [create, message] of cases) {
      const error = errorOf(create);
      expect(error, String(message)).toBeInstanceOf(LayerConfigError);
      expect(error.message).toMatch(message);
    }
  });

  it('checks what a wrapper wraps', () => {
    expect(errorOf(() => layers.bidirectional(layers.dense({ units: 2 }) as never)).message).toMatch(/layer must be a recurrent layer \(simpleRNN, lstm, gru\), got Dense/);
    expect(errorOf(() => layers.timeDistributed(built(layers.dense({ units: 2 }), [null, 3])))).toBeInstanceOf(LayerConfigError);
    expect(errorOf(() => layers.timeDistributed({} as never)).message).toMatch(/layer must be a layer to wrap/);
  });

  it('names layers as Keras does, and a failed creation uses up no name', () => {
    const first = layers.masking({ name: undefined });
    const prefix = first.name.replace(/_\d+$/, '');
    expect(prefix).toBe('masking');
    const failed = errorOf(() => layers.masking({ maskValue: NaN }));
    const next = layers.masking();
    expect(failed.message.startsWith(`${next.name}: `)).toBe(true);
    expect(layers.masking().name).not.toBe(next.name);
    expect(layers.lstm({ units: 1, name: 'encoder' }).name).toBe('encoder');
  });

  it('takes the TF.js calling forms of the wrappers', () => {
    const a = layers.bidirectional({ layer: layers.lstm({ units: 2 }), mergeMode: 'sum' });
    expect(a.settings.mergeMode).toBe('sum');
    const b = layers.timeDistributed({ layer: layers.dense({ units: 2 }), name: 'per_step' });
    expect(b.name).toBe('per_step');
  });
});

describe('parameter counts and weights (Keras)', () => {
  it('counts like Keras', () => {
    expect(built(layers.simpleRNN({ units: 2 }), [null, 1000, 3]).countParams()).toBe(12);
    expect(built(layers.dense({ units: 3 }), [null, 2]).countParams()).toBe(9);
    const cases: [Layer, (number | null)[], number][] = [
      [layers.lstm({ units: 8 }), [null, 5, 26], ref.lstm.parameterCount(26, 8)],
      [layers.lstm({ units: 3, useBias: false }), [null, 5, 4], ref.lstm.parameterCount(4, 3, { useBias: false })],
      [layers.gru({ units: 5 }), [null, 5, 4], ref.gru.parameterCount(4, 5, { resetAfter: true })],
      [layers.gru({ units: 5, resetAfter: false }), [null, 5, 4], ref.gru.parameterCount(4, 5, { resetAfter: false })],
      [layers.simpleRNN({ units: 128 }), [null, 28, 28], ref.simpleRNN.parameterCount(28, 128)],
      [layers.dense({ units: 10, useBias: false }), [null, 7, 128], ref.dense.parameterCount(128, 10, false)],
      [layers.embedding({ inputDim: 27, outputDim: 6 }), [null, 9], ref.embedding.parameterCount(27, 6)],
      [layers.bidirectional(layers.lstm({ units: 4 })), [null, 5, 3], ref.bidirectional.parameterCount(ref.lstm.parameterCount(3, 4))],
      [layers.timeDistributed(layers.dense({ units: 2 })), [null, 5, 3], ref.dense.parameterCount(3, 2)],
      [layers.dropout({ rate: 0.5 }), [null, 3], 0],
      [layers.masking(), [null, 5, 3], 0],
    ];
    for (const [layer, shape, count] of cases) expect(built(layer, shape).countParams(), layer.name).toBe(count);
  });

  it('names and shapes weights in Keras order', () => {
    const lstm = built(layers.lstm({ units: 3, name: 'lstm' }), [null, 5, 2]);
    expect(lstm.weights.map((w) => [w.name, w.shape])).toEqual([
      ['lstm/kernel', [2, 12]],
      ['lstm/recurrent_kernel', [3, 12]],
      ['lstm/bias', [12]],
    ]);
    const bi = built(layers.bidirectional(layers.gru({ units: 2, name: 'gru' }), { name: 'bidirectional' }), [null, 4, 3]);
    expect(bi.weights.map((w) => [w.name, w.shape])).toEqual([
      ['bidirectional/forward_gru/kernel', [3, 6]],
      ['bidirectional/forward_gru/recurrent_kernel', [2, 6]],
      ['bidirectional/forward_gru/bias', [2, 6]],
      ['bidirectional/backward_gru/kernel', [3, 6]],
      ['bidirectional/backward_gru/recurrent_kernel', [2, 6]],
      ['bidirectional/backward_gru/bias', [2, 6]],
    ]);
    const td = built(layers.timeDistributed(layers.dense({ units: 2 }), { name: 'time_distributed' }), [null, 4, 3]);
    expect(td.weights.map((w) => w.name)).toEqual(['time_distributed/kernel', 'time_distributed/bias']);
    expect(built(layers.embedding({ inputDim: 4, outputDim: 2, name: 'embedding' }), [null, 3]).weights[0].name).toBe('embedding/embeddings');
  });

  it('computes output and state shapes', () => {
    const lstm = layers.lstm({ units: 4, returnSequences: true, returnState: true });
    expect(lstm.computeOutputShape([null, 7, 3])).toEqual([null, 7, 4]);
    expect(lstm.computeStateShapes([null, 7, 3])).toEqual([[null, 4], [null, 4]]);
    expect(layers.bidirectional(layers.gru({ units: 4, returnState: true })).computeStateShapes([2, 7, 3])).toEqual([[2, 4], [2, 4]]);
    expect(layers.bidirectional(layers.gru({ units: 4 })).computeOutputShape([2, 7, 3])).toEqual([2, 8]);
    expect(layers.bidirectional(layers.gru({ units: 4, returnSequences: true }), { mergeMode: 'ave' }).computeOutputShape([2, 7, 3])).toEqual([2, 7, 4]);
    expect(layers.dense({ units: 5 }).computeOutputShape([null, 7, 3])).toEqual([null, 7, 5]);
    expect(layers.embedding({ inputDim: 9, outputDim: 5 }).computeOutputShape([null, 7])).toEqual([null, 7, 5]);
    expect(layers.timeDistributed(layers.dense({ units: 5 })).computeOutputShape([null, 7, 3])).toEqual([null, 7, 5]);
    expect(layers.lstm({ units: 4, inputShape: [7, 3] }).batchInputShape).toEqual([null, 7, 3]);
    expect(layers.embedding({ inputDim: 9, outputDim: 5, inputLength: 7 }).batchInputShape).toEqual([null, 7]);
  });
});

describe('life cycle and state errors', () => {
  it('refuses calls in the wrong order, naming the layer', () => {
    const dense = layers.dense({ units: 2, name: 'head' });
    expect(errorOf(() => dense.countParams())).toBeInstanceOf(LayerStateError);
    expect(errorOf(() => dense.setWeights([]))).toBeInstanceOf(LayerStateError);
    expect(errorOf(() => dense.plan([1, 2])).message).toMatch(/^head: plan\(\) needs a built layer/);
    built(dense, [null, 3]);
    const inference = dense.plan([2, 3]);
    expect(errorOf(() => inference.backward(region(new Float32Array(4)))).message).toMatch(/needs a plan made with \{ training: true \}/);
    const training = dense.plan([2, 3], { training: true });
    expect(errorOf(() => training.backward(region(new Float32Array(4)))).message).toMatch(/needs a forward\(\) on this plan first/);
    training.dispose();
    expect(errorOf(() => training.forward(region(new Float32Array(6))))).toBeInstanceOf(LayerStateError);
    expect(errorOf(() => layers.lstm({ units: 2 }).resetStates())).toBeInstanceOf(LayerStateError);
    expect(errorOf(() => built(layers.lstm({ units: 2 }), [null, 2, 2]).resetStates()).message).toMatch(/needs a layer created with \{ stateful: true \}/);
  });

  it('checks shapes at build, plan and call', () => {
    expect(errorOf(() => built(layers.lstm({ units: 2, name: 'rnn' }), [null, 3])).message).toBe('rnn: expects sequences [batch, time, features] of rank 3 (batch first), got shape [null, 3]');
    expect(errorOf(() => built(layers.lstm({ units: 2, name: 'rnn' }), [null, 5, null])).message).toMatch(/needs the feature \(last\) dimension/);
    expect(errorOf(() => built(layers.dense({ units: 2, inputShape: [4] }), [null, 3])).message).toMatch(/does not match the layer's declared input shape \[null, 4\]/);
    const lstm = built(layers.lstm({ units: 2, name: 'rnn' }), [null, null, 3]);
    expect(errorOf(() => lstm.plan([4, 5, 2])).message).toMatch(/input shape \[4, 5, 2\] does not match the shape \[null, null, 3\] the layer was built for/);
    expect(errorOf(() => lstm.build([null, 5, 4], null)).message).toMatch(/already built for input shape \[null, null, 3\]/);
    lstm.build([null, null, 3], new Prng(5)); // the same shape again: nothing happens
    const plan = lstm.plan([2, 5, 3]);
    const error = errorOf(() => plan.forward(region(new Float32Array(29))));
    expect(error).toBeInstanceOf(LayerInputError);
    expect(error.message).toMatch(/^rnn: input: needs 30 floats but the region holds 29/);
    const x = new Float32Array(30);
    x[17] = NaN;
    expect(errorOf(() => plan.forward(region(x), { checkFinite: true })).message).toMatch(/input\[1\]\[0\]\[2\] is NaN; inputs must be finite/);
    expect(errorOf(() => plan.forward(region(new Float32Array(30)), { mask: new Uint8Array(9) })).message).toMatch(/mask must be a Uint8Array of 10 steps/);
    expect(errorOf(() => plan.forward(region(new Float32Array(30)), { initialState: [] })).message).toMatch(/initialState must hold 2 regions/);
  });

  it('leaves nothing half-done when setWeights fails', () => {
    const layer = built(layers.dense({ units: 2 }), [null, 3]);
    const before = layer.getWeights();
    const good = [new Float32Array(6).fill(1), new Float32Array(2).fill(2)];
    expect(errorOf(() => layer.setWeights([{ shape: [3, 2], data: good[0] }, { shape: [3], data: new Float32Array(3) }])).message).toMatch(/weights\[1\] \(.*\/bias\) must have shape \[2\], got \[3\]/);
    expect(errorOf(() => layer.setWeights([{ shape: [3, 2], data: good[0] }, { shape: [2], data: Float32Array.of(1, Infinity) }])).message).toMatch(/weights\[1\] \(.*\/bias\)\[1\] is Infinity; values must be finite/);
    expect(errorOf(() => layer.setWeights([good[0]]))).toBeInstanceOf(LayerInputError);
    expect(errorOf(() => layer.setWeights([[[1, 2], [3]], good[1]])).message).toMatch(/weights\[0\]\[1\]: expected an array of length 2/);
    expect(layer.getWeights()).toEqual(before);
    layer.setWeights([[[1, 1], [1, 1], [1, 1]], [2, 2]]);
    expect(layer.getWeights().map((w) => Array.from(w.data))).toEqual([[1, 1, 1, 1, 1, 1], [2, 2]]);
  });

  it('leaves a failed build unbuilt and the arena as it was', () => {
    const bytes = arena().bytesInUse;
    const layer = layers.lstm({ units: 2, biasInitializer: 'orthogonal', unitForgetBias: false, name: 'odd' });
    expect(errorOf(() => built(layer, [null, 3, 2])).message).toBe('odd: biasInitializer needs a weight of rank 2 or more (orthogonal), got shape [8]');
    expect(layer.built).toBe(false);
    expect(arena().bytesInUse).toBe(bytes);
  });

  it('frees weights and plans on dispose; null skips initialisation', () => {
    const bytes = arena().bytesInUse;
    const { layer } = planned(layers.bidirectional(layers.lstm({ units: 3, returnSequences: true })), [2, 4, 3]);
    layer.plan([1, 4, 3]);
    expect(arena().bytesInUse).toBeGreaterThan(bytes);
    layer.dispose();
    expect(arena().bytesInUse).toBe(bytes);
    const zero = built(layers.gru({ units: 2 }), [null, 2, 2], null);
    expect(zero.getWeights().every((w) => w.data.every((v) => v === 0))).toBe(true);
    zero.dispose();
  });

  it('repacks after setWeights, so the next call uses the new weights', () => {
    const { layer, plan } = planned(layers.dense({ units: 1, useBias: false }), [1, 2], {});
    const x = region([1, 2]);
    layer.setWeights([[[1], [1]]]);
    plan.forward(x);
    expect(plan.output.toArray()[0]).toBe(3);
    layer.setWeights([[[2], [-1]]]);
    plan.forward(x);
    expect(plan.output.toArray()[0]).toBe(0);
    layer.dispose();
  });
});

describe('saved configs', () => {
  const examples = (): Layer[] => [
    layers.dense({ units: 3, activation: 'softmax', useBias: false, inputShape: [4], kernelInitializer: layers.initializers.randomNormal({ stddev: 0.1, seed: 3 }) }),
    layers.embedding({ inputDim: 20, outputDim: 4, maskZero: true, inputLength: 6 }),
    layers.dropout({ rate: 0.25, seed: 9 }),
    layers.masking({ maskValue: -1 }),
    layers.simpleRNN({ units: 2, activation: 'relu', batchInputShape: [8, 5, 3], stateful: true }),
    layers.lstm({ units: 3, recurrentActivation: 'hardSigmoid', unitForgetBias: false, returnSequences: true, returnState: true, dropout: 0.1, recurrentDropout: 0.2, trainable: false }),
    layers.gru({ units: 3, resetAfter: false, goBackwards: true, biasInitializer: layers.initializers.constant({ value: 0.5 }) }),
    layers.bidirectional(layers.lstm({ units: 2, returnSequences: true }), { mergeMode: 'mul', inputShape: [5, 3] }),
    layers.timeDistributed(layers.dense({ units: 2, kernelInitializer: layers.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'uniform' }) })),
    layers.dropout({ rate: 0.5, noiseShape: [null, 1, 4] }),
    layers.spatialDropout1d({ rate: 0.2, seed: 4 }),
    layers.embedding({ inputDim: 9, outputDim: 2, dtype: 'int32' }),
    layers.lstm({ units: 2, returnSequences: true, zeroOutputForMask: true }),
    layers.bidirectional(layers.gru({ units: 2, goBackwards: true, returnSequences: true })),
    layers.bidirectional(layers.simpleRNN({ units: 2 }), { mergeMode: null }),
  ];

  it('reads back what getConfig writes, through JSON text', () => {
    for (const layer of examples()) {
      const json = JSON.parse(JSON.stringify(layer.toJSON()));
      const again = layers.layerFromConfig(json);
      expect(again.toJSON(), layer.name).toEqual(layer.toJSON());
      expect(again.constructor).toBe(layer.constructor);
    }
  });

  it('writes the Keras config keys and names', () => {
    const config = layers.lstm({ units: 3, name: 'lstm', recurrentActivation: 'hardSigmoid', inputShape: [5, 2] }).getConfig();
    expect(config).toMatchObject({
      name: 'lstm',
      trainable: true,
      dtype: 'float32',
      batch_input_shape: [null, 5, 2],
      units: 3,
      activation: 'tanh',
      recurrent_activation: 'hard_sigmoid',
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1, seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      unit_forget_bias: true,
      dropout: 0,
      recurrent_dropout: 0,
      return_sequences: false,
      return_state: false,
      go_backwards: false,
      stateful: false,
    });
    const bi = layers.bidirectional(layers.gru({ units: 2, name: 'gru' }), { name: 'bidirectional' }).toJSON();
    expect(bi.config).toMatchObject({ name: 'bidirectional', merge_mode: 'concat', layer: { class_name: 'GRU', config: { name: 'gru', reset_after: true } } });
  });

  it('builds the same weights from a config and the same seed', () => {
    for (const layer of [layers.lstm({ units: 3 }), layers.bidirectional(layers.gru({ units: 2 }))]) {
      const again = layers.layerFromConfig(layer.toJSON());
      built(layer, [null, 4, 3], 11);
      built(again, [null, 4, 3], 11);
      expect(again.getWeights()).toEqual(layer.getWeights());
    }
  });

  it('reads Keras 3 configs', () => {
    const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    const initializer = (name: string, config: object = {}) => ({ module: 'keras.initializers', class_name: name, config, registered_name: null });
    const layer = layers.layerFromConfig({
      module: 'keras.layers',
      class_name: 'GRU',
      config: {
        name: 'gru', trainable: true, dtype, return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false,
        units: 4, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true,
        kernel_initializer: initializer('GlorotUniform', { seed: null }), recurrent_initializer: initializer('Orthogonal', { seed: null, gain: 1.0 }), bias_initializer: initializer('Zeros'),
        kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, recurrent_constraint: null, bias_constraint: null,
        dropout: 0.0, recurrent_dropout: 0.0, reset_after: true, seed: null,
      },
      registered_name: null,
      build_config: { input_shape: [null, 5, 3] },
    });
    expect(layer).toBeInstanceOf(layers.GRU);
    expect(built(layer, [null, 5, 3]).countParams()).toBe(ref.gru.parameterCount(3, 4, { resetAfter: true }));
  });

  it('reads the configs TF.js 4.22 saves', () => {
    const model = tf.sequential();
    model.add(tf.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true, inputLength: 5 }));
    model.add(tf.layers.lstm({ units: 3, returnSequences: true, recurrentActivation: 'hardSigmoid' }));
    model.add(tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2, returnSequences: true }) as tf.RNN, mergeMode: 'sum' })); // TF.js's GRU is resetAfter false
    model.add(tf.layers.masking({ maskValue: 0 }));
    model.add(tf.layers.dropout({ rate: 0.3 }));
    model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.1 }) }) }));
    model.add(tf.layers.simpleRNN({ units: 2, kernelInitializer: 'heNormal', biasInitializer: tf.initializers.constant({ value: 0.5 }) }));
    const saved = (model.toJSON(null, false) as unknown as { config: { layers: unknown[] } }).config.layers;
    const ours = saved.map((json) => layers.layerFromConfig(json));
    let shape: (number | null)[] = [null, 5];
    ours.forEach((layer, i) => {
      built(layer, shape);
      expect(layer.countParams(), layer.name).toBe(model.layers[i].countParams());
      expect(layer.weights.map((w) => w.shape), layer.name).toEqual(model.layers[i].getWeights().map((w) => w.shape));
      shape = layer.computeOutputShape(shape) as (number | null)[];
    });
    expect((ours[1] as layers.LSTM).settings.recurrentActivation).toBe('hardSigmoid');
    expect((ours[2] as layers.Bidirectional).settings.mergeMode).toBe('sum');
    expect((ours[2] as layers.Bidirectional).forwardLayer.settings.resetAfter).toBe(false);
    model.dispose();
  });

  it('reads noise_shape, SpatialDropout1D and a goBackwards Bidirectional as TF.js 4.22 saves them', () => {
    const model = tf.sequential();
    model.add(tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 5 }));
    model.add(tf.layers.dropout({ rate: 0.3, noiseShape: [2, 1, 4], seed: 7 }));
    model.add(tf.layers.spatialDropout1d({ rate: 0.2 }));
    model.add(tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2, returnSequences: true, goBackwards: true }) as tf.RNN, mergeMode: 'concat' }));
    const saved = (model.toJSON(null, false) as unknown as { config: { layers: unknown[] } }).config.layers;
    const ours = saved.map((json) => layers.layerFromConfig(json));
    expect(ours[1].getConfig()).toMatchObject({ noise_shape: [2, 1, 4], seed: 7 });
    expect(ours[2]).toBeInstanceOf(layers.SpatialDropout1D);
    expect((ours[3] as layers.Bidirectional).forwardLayer.settings.goBackwards).toBe(true);
    expect((ours[3] as layers.Bidirectional).backwardLayer.settings.goBackwards).toBe(false);
    model.dispose();
  });

  it('refuses what it cannot load, naming the key', () => {
    expect(errorOf(() => layers.layerFromConfig({ class_name: 'Conv2D', config: {} })).message).toMatch(/class_name "Conv2D" is not a layer seqwasm has/);
    expect(errorOf(() => layers.layerFromConfig({ class_name: 'Dense', config: { units: 2, kernel_regularizer: { class_name: 'L2' } } })).message).toMatch(/kernelRegularizer is not a known option/);
    expect(errorOf(() => layers.layerFromConfig({ class_name: 'Dense', config: { units: 2 }, extra: 1 })).message).toMatch(/extra is not a key of a saved layer/);
    expect(errorOf(() => layers.layerFromConfig({ class_name: 'LSTM', config: { units: -1, name: 'enc' } })).message).toBe('enc: units must be a positive integer, got -1');
    expect(errorOf(() => layers.layerFromConfig({ class_name: 'Bidirectional', config: { layer: { class_name: 'Nope', config: {} } } }))).toBeInstanceOf(LayerConfigError);
  });
});
