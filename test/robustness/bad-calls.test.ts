// Bad calls across the public API (issue 11): every row is one call that must fail with a
// typed error of the expected class naming the argument at fault. Rows marked `model` are
// made on a compiled, trained subject model; after each, the subject must predict the same
// bits as a control model that never saw a bad call, and one more training step on both must
// leave the same bits. The counts by error class are printed at the end.
import { afterAll, describe, expect, it } from 'vitest';
import {
  arena,
  callbacks,
  data,
  DataError,
  kernels,
  layers,
  loadModel,
  ModelConfigError,
  ModelInputError,
  ModelLoadError,
  ModelStateError,
  optimizers,
  prng,
  sample,
  schedules,
  sequential,
  tensor,
  toTensor,
  type Optimizer,
  type Sequential,
} from '../../src/index.js';
import { LayerConfigError, LayerInputError, LayerStateError } from '../../src/layers/index.js';

type ErrorClass = new (...args: never[]) => Error;

interface Row {
  what: string;
  call: (subject: Sequential) => unknown;
  error: ErrorClass;
  /** What the error must name: its `argument` (typed errors) or, for kernel RangeError/TypeError, a part of the message. */
  names: string;
  /** Made on the subject model: compared with the control afterwards. */
  model?: boolean;
}

const rows: Row[] = [];
const row = (what: string, call: Row['call'], error: ErrorClass, names: string, model = false) => rows.push({ what, call, error, names, model });

// ---- data every model row is compared on -------------------------------------------------

const X = { shape: [6, 3, 2], data: Float32Array.from({ length: 36 }, (_, i) => Math.sin(i * 0.7)) };
const Y = { shape: [6, 2], data: Float32Array.from({ length: 12 }, (_, i) => (i % 2 === Math.floor(i / 6) % 2 ? 1 : 0)) };

function makeModel(): Sequential {
  const model = sequential({ seed: 9, layers: [layers.lstm({ units: 4, inputShape: [3, 2] }), layers.dense({ units: 2, activation: 'softmax' })] });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

const badNumbers: [string, unknown][] = [['0', 0], ['-1', -1], ['1.5', 1.5], ['NaN', NaN], ['Infinity', Infinity], ['a string', '8'], ['null', null], ['true', true], ['an object', {}]];
const notObjects: [string, unknown][] = [['null', null], ['a number', 5], ['a string', 'x'], ['an array', [1]]];

// ---- layers: options of every factory ----------------------------------------------------

const factories: [string, (o: unknown) => unknown, Record<string, unknown>, string[]][] = [
  ['lstm', (o) => layers.lstm(o as never), { units: 4 }, ['units']],
  ['gru', (o) => layers.gru(o as never), { units: 4 }, ['units']],
  ['simpleRNN', (o) => layers.simpleRNN(o as never), { units: 4 }, ['units']],
  ['dense', (o) => layers.dense(o as never), { units: 4 }, ['units']],
  ['embedding', (o) => layers.embedding(o as never), { inputDim: 5, outputDim: 3 }, ['inputDim', 'outputDim']],
  ['conv1d', (o) => layers.conv1d(o as never), { filters: 4, kernelSize: 3 }, ['filters', 'kernelSize', 'strides', 'dilationRate']],
  ['maxPooling1d', (o) => layers.maxPooling1d(o as never), { poolSize: 2 }, ['poolSize']],
  ['averagePooling1d', (o) => layers.averagePooling1d(o as never), { poolSize: 2 }, ['poolSize']],
  ['repeatVector', (o) => layers.repeatVector(o as never), { n: 2 }, ['n']],
  ['positionEmbedding', (o) => layers.positionEmbedding(o as never), { sequenceLength: 8 }, ['sequenceLength']],
];
for (const [name, make, good, sizes] of factories) {
  for (const size of sizes) for (const [label, value] of badNumbers) row(`layers.${name}({ ${size}: ${label} })`, () => make({ ...good, [size]: value }), LayerConfigError, size);
  for (const [label, value] of notObjects) row(`layers.${name}(${label})`, () => make(value), LayerConfigError, 'options');
  row(`layers.${name}: an unknown option`, () => make({ ...good, unitz: 3 }), LayerConfigError, 'unitz');
  row(`layers.${name}: inputShape with a 0`, () => make({ ...good, inputShape: [0, 2] }), LayerConfigError, 'inputShape');
  row(`layers.${name}: name ''`, () => make({ ...good, name: '' }), LayerConfigError, 'name');
  row(`layers.${name}: trainable 'yes'`, () => make({ ...good, trainable: 'yes' }), LayerConfigError, 'trainable');
}
for (const name of ['lstm', 'gru', 'simpleRNN'] as const) {
  const make = (o: unknown) => layers[name](o as never);
  row(`layers.${name}: activation 'relu7'`, () => make({ units: 2, activation: 'relu7' }), LayerConfigError, 'activation');
  row(`layers.${name}: dropout 1`, () => make({ units: 2, dropout: 1 }), LayerConfigError, 'dropout');
  row(`layers.${name}: recurrentDropout -0.1`, () => make({ units: 2, recurrentDropout: -0.1 }), LayerConfigError, 'recurrentDropout');
  row(`layers.${name}: returnSequences 1`, () => make({ units: 2, returnSequences: 1 }), LayerConfigError, 'returnSequences');
  row(`layers.${name}: kernelInitializer 'zeroes'`, () => make({ units: 2, kernelInitializer: 'zeroes' }), LayerConfigError, 'kernelInitializer');
  row(`layers.${name}: goBackwards 'no'`, () => make({ units: 2, goBackwards: 'no' }), LayerConfigError, 'goBackwards');
  row(`layers.${name}: zeroOutputForMask 1`, () => make({ units: 2, zeroOutputForMask: 1 }), LayerConfigError, 'zeroOutputForMask');
}
row('layers.dense: activation 5', () => layers.dense({ units: 2, activation: 5 as never }), LayerConfigError, 'activation');
row('layers.dense: useBias null', () => layers.dense({ units: 2, useBias: null as never }), LayerConfigError, 'useBias');
row('layers.conv1d: padding "full"', () => layers.conv1d({ filters: 2, kernelSize: 3, padding: 'full' as never }), LayerConfigError, 'padding');
row('layers.conv1d: strides 2 with dilationRate 2', () => layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }), LayerConfigError, 'dilationRate');
row('layers.maxPooling1d: padding "causal"', () => layers.maxPooling1d({ padding: 'causal' as never }), LayerConfigError, 'padding');
row('layers.reshape: targetShape [-1, -1]', () => layers.reshape({ targetShape: [-1, -1] }), LayerConfigError, 'targetShape');
row('layers.permute: dims [0, 1]', () => layers.permute({ dims: [0, 1] }), LayerConfigError, 'dims');
row('layers.layerNormalization: epsilon -1', () => layers.layerNormalization({ epsilon: -1 }), LayerConfigError, 'epsilon');
row('layers.globalMaxPooling1d: keepdims "yes"', () => layers.globalMaxPooling1d({ keepdims: 'yes' as never }), LayerConfigError, 'keepdims');
row('conv1d.build(steps shorter than the window)', () => layers.conv1d({ filters: 2, kernelSize: 5 }).build([null, 4, 3], null), LayerInputError, 'inputShape');
row('reshape.build(sizes that do not match)', () => layers.reshape({ targetShape: [7] }).build([null, 2, 3], null), LayerInputError, 'inputShape');
row('layers.dropout: rate 1', () => layers.dropout({ rate: 1 }), LayerConfigError, 'rate');
row('layers.dropout: rate -0.5', () => layers.dropout({ rate: -0.5 }), LayerConfigError, 'rate');
row('layers.dropout: no rate', () => layers.dropout({} as never), LayerConfigError, 'rate');
row('layers.masking: maskValue "0"', () => layers.masking({ maskValue: '0' as never }), LayerConfigError, 'maskValue');
row('layers.embedding: inputLength 0', () => layers.embedding({ inputDim: 3, outputDim: 2, inputLength: 0 }), LayerConfigError, 'inputLength');
row('layers.bidirectional(dense)', () => layers.bidirectional(layers.dense({ units: 2 }) as never), LayerConfigError, 'layer');
row('layers.bidirectional: mergeMode "avg"', () => layers.bidirectional(layers.lstm({ units: 2 }), { mergeMode: 'avg' as never }), LayerConfigError, 'mergeMode');
row('layers.dropout: noiseShape [null, 0]', () => layers.dropout({ rate: 0.5, noiseShape: [null, 0] }), LayerConfigError, 'noiseShape[1]');
row('layers.dropout: noiseShape "1"', () => layers.dropout({ rate: 0.5, noiseShape: '1' as never }), LayerConfigError, 'noiseShape');
row('dropout.build(noiseShape of another rank)', () => layers.dropout({ rate: 0.5, noiseShape: [null, 1] }).build([null, 3, 2], null), LayerInputError, 'noiseShape');
row('dropout.build(noiseShape 2 on an axis of 3)', () => layers.dropout({ rate: 0.5, noiseShape: [null, 2, 1] }).build([null, 3, 2], null), LayerInputError, 'noiseShape');
row('layers.spatialDropout1d: rate 1', () => layers.spatialDropout1d({ rate: 1 }), LayerConfigError, 'rate');
row('layers.spatialDropout1d: noiseShape (not an option)', () => layers.spatialDropout1d({ rate: 0.5, noiseShape: [null, 1, 2] } as never), LayerConfigError, 'noiseShape');
row('spatialDropout1d.build(rank 2)', () => layers.spatialDropout1d({ rate: 0.5 }).build([null, 3], null), LayerInputError, 'inputShape');
row("layers.embedding: dtype 'int64'", () => layers.embedding({ inputDim: 3, outputDim: 2, dtype: 'int64' as never }), LayerConfigError, 'dtype');
row('layers.embedding: inputDim 2^24 + 1', () => layers.embedding({ inputDim: 2 ** 24 + 1, outputDim: 2 }), LayerConfigError, 'inputDim');
row('bidirectional(mergeMode null).computeOutputShape', () => layers.bidirectional(layers.lstm({ units: 2 }), { mergeMode: null }).computeOutputShape([null, 3, 2]), LayerInputError, 'mergeMode');
row('layers.timeDistributed(null)', () => layers.timeDistributed(null as never), LayerConfigError, 'layer');

// ---- layers: build and plan --------------------------------------------------------------

row('lstm.build(rank 2)', () => layers.lstm({ units: 2 }).build([null, 3], null), LayerInputError, 'inputShape');
row('lstm.build(not an array)', () => layers.lstm({ units: 2 }).build(5 as never, null), LayerInputError, 'inputShape');
row('dense.build([null, 0])', () => layers.dense({ units: 2 }).build([null, 0], null), LayerInputError, 'inputShape');
row('dense.build([null, -3])', () => layers.dense({ units: 2 }).build([null, -3], null), LayerInputError, 'inputShape');
row('embedding.build(rank 3)', () => layers.embedding({ inputDim: 3, outputDim: 2 }).build([null, 3, 1], null), LayerInputError, 'inputShape');
row('lstm.build(rng 5)', () => layers.lstm({ units: 2 }).build([null, 3, 2], 5 as never), LayerInputError, 'rng');
row('lstm.getWeights() unbuilt', () => layers.lstm({ units: 2 }).getWeights(), LayerStateError, 'getWeights');
row('dense.setWeights() unbuilt', () => layers.dense({ units: 2 }).setWeights([]), LayerStateError, 'setWeights');
row('dense.plan() unbuilt', () => layers.dense({ units: 2 }).plan([1, 3], { training: false } as never), LayerStateError, 'plan');
row('dense.plan(bad batch shape)', () => {
  const d = layers.dense({ units: 2 });
  d.build([null, 3], null);
  try {
    return d.plan([1, 4], {} as never);
  } finally {
    d.dispose();
  }
}, LayerInputError, 'inputShape');
row('dense.setWeights(wrong shape)', () => {
  const d = layers.dense({ units: 2 });
  d.build([null, 3], null);
  try {
    return d.setWeights([{ shape: [2, 3], data: new Float32Array(6) }, { shape: [2], data: new Float32Array(2) }]);
  } finally {
    d.dispose();
  }
}, LayerInputError, 'weights[0]');

// ---- arena and kernels -------------------------------------------------------------------

const region = (n: number) => arena().allocF32(n);
const withRegions = (sizes: number[], run: (...r: ReturnType<typeof region>[]) => unknown) => () => {
  const regions = sizes.map(region);
  try {
    return run(...regions);
  } finally {
    for (const r of regions) arena().free(r);
  }
};
for (const [label, value] of [['-1', -1], ['1.5', 1.5], ['NaN', NaN], ['"4"', '4'], ['2**40', 2 ** 40]] as const) {
  row(`arena().allocF32(${label})`, () => arena().allocF32(value as number), RangeError, 'length');
}
row('arena().free(a foreign object)', () => arena().free({} as never), RangeError, 'free(region)');
row('arena().free twice', () => {
  const r = region(3);
  arena().free(r);
  arena().free(r);
}, RangeError, 'free');
row('kernels.add: short dst', withRegions([5, 5, 3], (a, b, c) => kernels.add(a, b, c)), RangeError, '(dst)');
row('kernels.add: n 2.5', withRegions([5, 5, 5], (a, b, c) => kernels.add(a, b, c, 2.5)), RangeError, '(n)');
row('kernels.add: n -1', withRegions([5, 5, 5], (a, b, c) => kernels.add(a, b, c, -1)), RangeError, '(n)');
row('kernels.add: a not a region', withRegions([5, 5], (b, c) => kernels.add({} as never, b, c)), TypeError, '(a)');
row('kernels.sub: short b', withRegions([5, 3, 5], (a, b, c) => kernels.sub(a, b, c)), RangeError, '(b)');
row('kernels.mul: overlapping dst', withRegions([8], (a) => kernels.mul(a.sub(0, 4), a.sub(0, 4), a.sub(1, 4), 4)), RangeError, '(dst)');
row('kernels.axpy: alpha "2"', withRegions([3, 3], (a, b) => kernels.axpy('2' as never, a, b)), TypeError, '(alpha)');
row('kernels.axpy: alpha undefined', withRegions([3, 3], (a, b) => kernels.axpy(undefined as never, a, b)), TypeError, '(alpha)');
row('kernels.scale: short dst', withRegions([5, 3], (a, b) => kernels.scale(2, a, b)), RangeError, '(dst)');
row('kernels.clip: lo > hi', withRegions([3], (a) => kernels.clip(a, 1, -1)), RangeError, '(lo, hi)');
row('kernels.fill: value "x"', withRegions([3], (a) => kernels.fill(a, 'x' as never)), TypeError, '(value)');
row('kernels.copy: short dst', withRegions([5, 3], (a, b) => kernels.copy(a, b)), RangeError, '(dst)');
row('kernels.transpose: rows 1.5', withRegions([6, 6], (a, b) => kernels.transpose(a, b, 1.5, 4)), RangeError, '(rows)');
row('kernels.columnSums: short dst', withRegions([6, 1], (a, b) => kernels.columnSums(a, b, 2, 3)), RangeError, '(dst)');
row('kernels.sumSquares: n 9', withRegions([3], (a) => kernels.sumSquares(a, 9)), RangeError, '(src)');
row('kernels.firstNonFinite: n -2', withRegions([3], (a) => kernels.firstNonFinite(a, -2)), RangeError, '(n)');
row('kernels.fill: n past the region', withRegions([3], (a) => kernels.fill(a, 1, 4)), RangeError, '(dst)');
row('kernels.sgdUpdate: learningRate "0.1"', withRegions([3, 3], (w, g) => kernels.sgdUpdate(w, g, undefined, { learningRate: '0.1' as never })), TypeError, 'learningRate');
row('kernels.adamUpdate: missing m', withRegions([3, 3, 3], (w, g, v) => kernels.adamUpdate(w, g, { v } as never, { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 })), TypeError, '(m)');
row('kernels.adamUpdate: step 0', withRegions([3, 3, 3, 3], (w, g, m, v) => kernels.adamUpdate(w, g, { m, v }, { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 0 })), RangeError, 'step');
row('kernels.rmspropUpdate: w and g the same', withRegions([3, 3], (w, ms) => kernels.rmspropUpdate(w, w, { meanSquare: ms }, { learningRate: 0.1, rho: 0.9, epsilon: 1e-7 })), RangeError, 'rmspropUpdate');
row('kernels.adagradUpdate: epsilon "1"', withRegions([3, 3, 3], (w, g, a) => kernels.adagradUpdate(w, g, a, { learningRate: 0.1, epsilon: '1' as never })), TypeError, 'epsilon');

// ---- sequential and the model API (made on the subject) ---------------------------------

for (const [label, value] of notObjects.filter(([, v]) => !Array.isArray(v))) row(`sequential(${label})`, () => sequential(value as never), ModelConfigError, 'options');
// An array is Keras's list of layers: each element must be a layer.
row('sequential([1])', () => sequential([1] as never), ModelConfigError, 'layer');
row('sequential({ seed: 1.5 })', () => sequential({ seed: 1.5 }), ModelConfigError, 'seed');
row('sequential({ name: 5 })', () => sequential({ name: 5 as never }), ModelConfigError, 'name');
row('sequential({ layers: 5 })', () => sequential({ layers: 5 as never }), ModelConfigError, 'layers');
row('sequential({ seeds: 1 })', () => sequential({ seeds: 1 } as never), ModelConfigError, 'seeds');

const m = (what: string, call: Row['call'], error: ErrorClass, names: string) => row(what, call, error, names, true);
for (const [label, value] of [['null', null], ['5', 5], ['{}', {}], ['a plain object with build', { build() {} }]] as const) m(`add(${label})`, (s) => s.add(value as never), ModelConfigError, 'layer');
m('add(a layer already in the model)', (s) => s.add(s.layers[0]), ModelConfigError, 'layer');
m('add(a layer with a taken name)', (s) => s.add(layers.dense({ units: 2, name: s.layers[1].name })), ModelConfigError, 'layer');
m('add(a second layer declaring inputShape)', (s) => s.add(layers.dense({ units: 2, inputShape: [2] })), ModelConfigError, 'layer');
m('add(a layer too big for memory)', (s) => s.add(layers.dense({ units: 2 ** 33 })), ModelConfigError, 'dense');
m('build(another shape)', (s) => s.build([null, 5, 2]), ModelInputError, 'inputShape');

for (const [label, value] of notObjects) m(`compile(${label})`, (s) => s.compile(value as never), ModelConfigError, 'options');
m('compile: no optimizer', (s) => s.compile({ loss: 'mse' } as never), ModelConfigError, 'optimizer');
m('compile: no loss', (s) => s.compile({ optimizer: 'adam' } as never), ModelConfigError, 'loss');
m('compile: optimizer "adamm"', (s) => s.compile({ optimizer: 'adamm' as never, loss: 'mse' }), ModelConfigError, 'optimizer');
m('compile: optimizer 5', (s) => s.compile({ optimizer: 5 as never, loss: 'mse' }), ModelConfigError, 'optimizer');
m('compile: optimizer config with a bad option', (s) => s.compile({ optimizer: { class_name: 'Adam', config: { beta_1: 2 } }, loss: 'mse' }), ModelConfigError, 'optimizer.config.beta1');
m('compile: optimizer class_name "Nadam"', (s) => s.compile({ optimizer: { class_name: 'Nadam', config: {} }, loss: 'mse' }), ModelConfigError, 'optimizer.class_name');
m('compile: loss "mse2"', (s) => s.compile({ optimizer: 'adam', loss: 'mse2' as never }), ModelConfigError, 'loss');
m('compile: loss 5', (s) => s.compile({ optimizer: 'adam', loss: 5 as never }), ModelConfigError, 'loss');
m('compile: metrics "accuracy"', (s) => s.compile({ optimizer: 'adam', loss: 'mse', metrics: 'accuracy' as never }), ModelConfigError, 'metrics');
m('compile: metrics ["acc2"]', (s) => s.compile({ optimizer: 'adam', loss: 'mse', metrics: ['acc2' as never] }), ModelConfigError, 'metrics[0]');
m('compile: metrics [5]', (s) => s.compile({ optimizer: 'adam', loss: 'mse', metrics: [5 as never] }), ModelConfigError, 'metrics[0]');
m('compile: unknown option', (s) => s.compile({ optimizer: 'adam', loss: 'mse', weightedMetrics: ['mae'] } as never), ModelConfigError, 'weightedMetrics');

const fitRows: [string, unknown, unknown, unknown, ErrorClass, string][] = [
  ['x null', null, Y, {}, ModelInputError, 'x'],
  ['x a number', 5, Y, {}, ModelInputError, 'x'],
  ['x a string', 'x', Y, {}, ModelInputError, 'x'],
  ['x of rank 2', { shape: [6, 6], data: X.data }, Y, {}, ModelInputError, 'x'],
  ['x with 4 features', { shape: [3, 3, 4], data: X.data }, Y, {}, ModelInputError, 'x'],
  ['x with a NaN', { shape: X.shape, data: X.data.map((v, i) => (i === 30 ? NaN : v)) }, Y, {}, ModelInputError, 'x'],
  ['x with a string inside', { shape: X.shape, data: [...X.data].map((v, i) => (i === 7 ? '0.5' : v)) }, Y, {}, ModelInputError, 'x.data[7]'],
  ['x with a boolean inside', { shape: X.shape, data: [...X.data].map((v, i) => (i === 3 ? true : v)) }, Y, {}, ModelInputError, 'x.data[3]'],
  ['x ragged', [[[1, 2], [3, 4], [5, 6]], [[1, 2], [3, 4]]], Y, {}, ModelInputError, 'x[1]'],
  ['x shape and data disagree', { shape: [6, 3, 2], data: new Float32Array(35) }, Y, {}, ModelInputError, 'x'],
  ['y missing', X, undefined, {}, ModelInputError, 'y'],
  ['y with 5 samples', X, { shape: [5, 2], data: Y.data.subarray(0, 10) }, {}, ModelInputError, 'y'],
  ['y of 3 classes', X, { shape: [6, 3], data: new Float32Array(18) }, {}, ModelInputError, 'y'],
  ['y of rank 3', X, { shape: [6, 1, 2], data: Y.data }, {}, ModelInputError, 'y'],
  ['y with Infinity', X, { shape: [6, 2], data: Y.data.map((v, i) => (i === 4 ? Infinity : v)) }, {}, ModelInputError, 'y'],
  ['options null', X, Y, null, ModelConfigError, 'options'],
  ['options 5', X, Y, 5, ModelConfigError, 'options'],
  ['epochs 0', X, Y, { epochs: 0 }, ModelConfigError, 'epochs'],
  ['epochs 1.5', X, Y, { epochs: 1.5 }, ModelConfigError, 'epochs'],
  ['epochs "2"', X, Y, { epochs: '2' }, ModelConfigError, 'epochs'],
  ['batchSize 0', X, Y, { batchSize: 0 }, ModelConfigError, 'batchSize'],
  ['batchSize -4', X, Y, { batchSize: -4 }, ModelConfigError, 'batchSize'],
  ['batchSize NaN', X, Y, { batchSize: NaN }, ModelConfigError, 'batchSize'],
  ['shuffle "yes"', X, Y, { shuffle: 'yes' }, ModelConfigError, 'shuffle'],
  ['verbose 3', X, Y, { verbose: 3 }, ModelConfigError, 'verbose'],
  ['validationSplit 1', X, Y, { validationSplit: 1 }, ModelConfigError, 'validationSplit'],
  ['validationSplit -0.1', X, Y, { validationSplit: -0.1 }, ModelConfigError, 'validationSplit'],
  ['validationSplit 0.9 of 6', X, Y, { validationSplit: 0.9 }, ModelConfigError, 'validationSplit'],
  ['validationSplit and validationData', X, Y, { validationSplit: 0.5, validationData: [X, Y] }, ModelConfigError, 'validationSplit'],
  ['validationData [X]', X, Y, { validationData: [X] }, ModelInputError, 'validationData'],
  ['validationData bad y', X, Y, { validationData: [X, { shape: [6, 3], data: new Float32Array(18) }] }, ModelInputError, 'validationData[1]'],
  ['validationData NaN x', X, Y, { validationData: [{ shape: X.shape, data: X.data.map(() => NaN) }, Y] }, ModelInputError, 'validationData[0]'],
  ['initialEpoch 2 of epochs 2', X, Y, { epochs: 2, initialEpoch: 2 }, ModelConfigError, 'initialEpoch'],
  ['initialEpoch -1', X, Y, { initialEpoch: -1 }, ModelConfigError, 'initialEpoch'],
  ['unknown option', X, Y, { epoch: 3 }, ModelConfigError, 'epoch'],
  ['callbacks 5', X, Y, { callbacks: 5 }, ModelConfigError, 'callbacks'],
  ['callbacks [null]', X, Y, { callbacks: [null] }, ModelConfigError, 'callbacks'],
  ['callbacks { onEpochEnded }', X, Y, { callbacks: { onEpochEnded() {} } }, ModelConfigError, 'callbacks'],
  ['callbacks { onBatchEnd: 5 }', X, Y, { callbacks: { onBatchEnd: 5 } }, ModelConfigError, 'callbacks'],
  ['earlyStopping on val_loss without validation', X, Y, { callbacks: [callbacks.earlyStopping()] }, ModelConfigError, 'monitor'],
  ['earlyStopping on "acc"', X, Y, { callbacks: [callbacks.earlyStopping({ monitor: 'acc' })] }, ModelConfigError, 'monitor'],
  ['reduceLROnPlateau on "val_accuracy" without validation', X, Y, { callbacks: [callbacks.reduceLROnPlateau({ monitor: 'val_accuracy' })] }, ModelConfigError, 'monitor'],
  ['modelCheckpoint best on "lss"', X, Y, { callbacks: [callbacks.modelCheckpoint({ save() {}, saveBestOnly: true, monitor: 'lss' })] }, ModelConfigError, 'monitor'],
  ['an iterable with y', new Set([{ xs: X, ys: Y }]), Y, {}, ModelInputError, 'y'],
  ['an iterable of non-batches', new Set([5]), undefined, {}, ModelInputError, 'x'],
  ['an iterable whose first batch is bad', [{ xs: X, ys: { shape: [6, 3], data: new Float32Array(18) } }].values(), undefined, {}, ModelInputError, 'batch 0 of epoch 0.ys'],
];
for (const [label, x, y, options, error, names] of fitRows) m(`fit: ${label}`, (s) => s.fit(x as never, y as never, options as never), error, names);

const evaluateRows: [string, unknown, unknown, unknown, ErrorClass, string][] = [
  ['x null', null, Y, {}, ModelInputError, 'x'],
  ['x NaN', { shape: X.shape, data: X.data.map(() => NaN) }, Y, {}, ModelInputError, 'x'],
  ['y missing', X, undefined, {}, ModelInputError, 'y'],
  ['y wrong shape', X, { shape: [6], data: new Float32Array(6) }, {}, ModelInputError, 'y'],
  ['batchSize 0', X, Y, { batchSize: 0 }, ModelConfigError, 'batchSize'],
  ['unknown option', X, Y, { verbose: 0 }, ModelConfigError, 'verbose'],
  ['options "x"', X, Y, 'x', ModelConfigError, 'options'],
];
for (const [label, x, y, options, error, names] of evaluateRows) m(`evaluate: ${label}`, (s) => s.evaluate(x as never, y as never, options as never), error, names);

// Loss weights, batch methods and datasets (issue 14).
const weightRows: [string, (s: Sequential) => unknown, ErrorClass, string][] = [
  ['fit: sampleWeight of 5 samples', (s) => s.fit(X, Y, { verbose: 0, sampleWeight: [1, 1, 1, 1, 1] }), ModelInputError, 'sampleWeight'],
  ['fit: sampleWeight -1', (s) => s.fit(X, Y, { verbose: 0, sampleWeight: [1, 1, -1, 1, 1, 1] }), ModelInputError, 'sampleWeight'],
  ['fit: sampleWeight NaN', (s) => s.fit(X, Y, { verbose: 0, sampleWeight: [1, 1, NaN, 1, 1, 1] }), ModelInputError, 'sampleWeight'],
  ['fit: classWeight [1, 2]', (s) => s.fit(X, Y, { verbose: 0, classWeight: [1, 2] as never }), ModelConfigError, 'classWeight'],
  ['fit: classWeight { 0: Infinity }', (s) => s.fit(X, Y, { verbose: 0, classWeight: { 0: Infinity } }), ModelConfigError, 'classWeight'],
  ['fit: classWeight { "-1": 2 }', (s) => s.fit(X, Y, { verbose: 0, classWeight: { [-1]: 2 } }), ModelConfigError, 'classWeight'],
  ['fit: sampleWeight and classWeight', (s) => s.fit(X, Y, { verbose: 0, classWeight: { 0: 2 }, sampleWeight: new Float32Array(6) }), ModelConfigError, 'classWeight'],
  ['fit: validationData sampleWeight of 2', (s) => s.fit(X, Y, { verbose: 0, validationData: [X, Y, [1, 2]] }), ModelInputError, 'validationData[2]'],
  ['fit: sampleWeight with a dataset', (s) => s.fit([{ xs: X, ys: Y }], { verbose: 0, sampleWeight: new Float32Array(6) }), ModelConfigError, 'sampleWeight'],
  ['evaluate: sampleWeight [6, 2]', (s) => s.evaluate(X, Y, { sampleWeight: { shape: [6, 2], data: new Float32Array(12) } }), ModelInputError, 'sampleWeight'],
  ['trainOnBatch: y of 5 samples', (s) => s.trainOnBatch(X, { shape: [5, 2], data: new Float32Array(10) }), ModelInputError, 'y'],
  ['trainOnBatch: sampleWeight -2', (s) => s.trainOnBatch(X, Y, { sampleWeight: [1, 1, 1, 1, 1, -2] }), ModelInputError, 'sampleWeight'],
  ['trainOnBatch: unknown option', (s) => s.trainOnBatch(X, Y, { batchSize: 2 } as never), ModelConfigError, 'batchSize'],
  ['testOnBatch: x NaN', (s) => s.testOnBatch({ shape: X.shape, data: X.data.map(() => NaN) }, Y), ModelInputError, 'x'],
  ['fitDataset: a number', (s) => s.fitDataset(5 as never, { verbose: 0 }), ModelInputError, 'dataset'],
  ['evaluateDataset: iterator() yields a number', (s) => s.evaluateDataset({ iterator: () => ({ next: async () => ({ value: 5, done: false }) }) }), ModelInputError, 'x'],
  ['fit: learningRateScheduler returning 0', (s) => s.fit(X, Y, { verbose: 0, callbacks: [callbacks.learningRateScheduler({ schedule: () => 0 })] }), ModelStateError, 'schedule'],
];
for (const [label, call, error, names] of weightRows) m(label, call, error, names);
row('callbacks.learningRateScheduler({})', () => callbacks.learningRateScheduler({} as never), ModelConfigError, 'schedule');
row('callbacks.csvLogger({ separator: ";;" })', () => callbacks.csvLogger({ separator: ';;' }), ModelConfigError, 'separator');
row('callbacks.csvLogger({ appnd: true })', () => callbacks.csvLogger({ appnd: true } as never), ModelConfigError, 'appnd');
row('compile: metrics AUC curve PR', () => sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] }).compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: [{ class_name: 'AUC', config: { curve: 'PR' } }] }), ModelConfigError, 'metrics[0]');
const predictRows: [string, unknown, unknown, ErrorClass, string][] = [
  ['x undefined', undefined, {}, ModelInputError, 'x'],
  ['x {}', {}, {}, ModelInputError, 'x'],
  ['x of 3 steps of 3', { shape: [2, 3, 3], data: new Float32Array(18) }, {}, ModelInputError, 'x'],
  ['x with -Infinity', { shape: [1, 3, 2], data: [0, 0, 0, -Infinity, 0, 0] }, {}, ModelInputError, 'x'],
  ['x with a string', [[[0, 0], ['1', 0], [0, 0]]], {}, ModelInputError, 'x[0][1][0]'],
  ['x a scalar', 3, {}, ModelInputError, 'x'],
  ['x no samples', { shape: [0, 3, 2], data: [] }, {}, ModelInputError, 'x'],
  ['batchSize 2.5', X, { batchSize: 2.5 }, ModelConfigError, 'batchSize'],
  ['batchSize "8"', X, { batchSize: '8' }, ModelConfigError, 'batchSize'],
  ['unknown option', X, { batchsize: 8 }, ModelConfigError, 'batchsize'],
];
for (const [label, x, options, error, names] of predictRows) m(`predict: ${label}`, (s) => s.predict(x as never, options as never), error, names);

const stepRows: [string, unknown, unknown, ErrorClass, string][] = [
  ['x of 3 features', [0, 0, 0], {}, ModelInputError, 'x'],
  ['x NaN', [NaN, 0], {}, ModelInputError, 'x'],
  ['x null', null, {}, ModelInputError, 'x'],
  ['unknown option', [0, 0], { initialStates: [] }, ModelConfigError, 'initialStates'],
  ['options 5', [0, 0], 5, ModelConfigError, 'options'],
  ['initialState not an array', [0, 0], { initialState: 5 }, ModelInputError, 'initialState'],
  ['initialState of one state for an LSTM', [0, 0], { initialState: [[[0, 0, 0, 0]]] }, ModelInputError, 'initialState'],
  ['initialState of a wrong shape', [0, 0], { initialState: [[[0, 0, 0]], [[0, 0, 0]]] }, ModelInputError, 'initialState[0]'],
  ['initialState with NaN', [0, 0], { initialState: [[[0, 0, 0, NaN]], [[0, 0, 0, 0]]] }, ModelInputError, 'initialState[0]'],
];
for (const [label, x, options, error, names] of stepRows) m(`step: ${label}`, (s) => s.step(x as never, options as never), error, names);
m('save({ includeOptimizer: "yes" })', (s) => s.save({ includeOptimizer: 'yes' as never }), ModelConfigError, 'includeOptimizer');
m('save({ includeOptimiser: true })', (s) => s.save({ includeOptimiser: true } as never), ModelConfigError, 'includeOptimiser');
m('save(null)', (s) => s.save(null as never), ModelConfigError, 'options');
m('save(5)', (s) => s.save(5 as never), ModelConfigError, 'options');

const setWeightsRows: [string, (s: Sequential) => unknown, string][] = [
  ['null', () => null, 'weights'],
  ['[]', () => [], 'weights'],
  ['one too few', (s) => s.getWeights().slice(1), 'weights'],
  ['a transposed kernel', (s) => s.getWeights().map((w, i) => (i === 0 ? { shape: [...w.shape].reverse(), data: w.data } : w)), 'weights[0]'],
  ['a NaN in the bias', (s) => s.getWeights().map((w, i) => (i === 2 ? { shape: w.shape, data: w.data.map(() => NaN) } : w)), 'weights[2]'],
  ['a string in the dense kernel', (s) => s.getWeights().map((w, i) => (i === 3 ? { shape: w.shape, data: [...w.data].map((v, k) => (k === 1 ? 'x' : v)) } : w)), 'weights[3].data[1]'],
  ['a number for a weight', (s) => s.getWeights().map((w, i) => (i === 4 ? 5 : w)), 'weights[4]'],
  ['short data', (s) => s.getWeights().map((w, i) => (i === 1 ? { shape: w.shape, data: w.data.subarray(1) } : w)), 'weights[1]'],
];
for (const [label, weights, names] of setWeightsRows) m(`setWeights(${label})`, (s) => s.setWeights(weights(s) as never), ModelInputError, names);

m('optimizer.setState(negative v)', (s) => {
  const state = s.optimizer.getState();
  const v = state.findIndex((e) => e.name.endsWith('/v'));
  s.optimizer.setState(state.map((e, i) => (i === v ? { ...e, data: e.data.map(() => -1) } : e)));
}, ModelLoadError, '/kernel');
m('optimizer.setState(a missing entry)', (s) => s.optimizer.setState(s.optimizer.getState().slice(1)), ModelLoadError, 'state');
m('optimizer.setState(iteration -3)', (s) => s.optimizer.setState(s.optimizer.getState().map((e, i) => (i === 0 ? { ...e, data: [-3] } : e))), ModelLoadError, 'iteration');
m('optimizer.setState(null)', (s) => s.optimizer.setState(null as never), ModelLoadError, 'state');
m('optimizer.learningRate = 0', (s) => {
  s.optimizer.learningRate = 0;
}, ModelConfigError, 'learningRate');
m('optimizer.learningRate = "0.1"', (s) => {
  s.optimizer.learningRate = '0.1' as never;
}, ModelConfigError, 'learningRate');
m('optimizer.build(other weights)', (s) => s.optimizer.build([]), ModelStateError, 'weights');
m('optimizer.apply(null)', (s) => s.optimizer.apply(null as never), ModelInputError, 'weights');

// ---- a model in the wrong state ----------------------------------------------------------

row('fit before compile', () => sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] }).fit([[1, 2]], [[1]]), ModelStateError, 'fit');
row('evaluate before compile', () => sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] }).evaluate([[1, 2]], [[1]]), ModelStateError, 'evaluate');
row('getWeights before build', () => sequential({ layers: [layers.dense({ units: 1 })] }).getWeights(), ModelStateError, 'getWeights');
row('save before build', () => sequential().save(), ModelStateError, 'save');
row('summary before build', () => sequential().summary(() => {}), ModelStateError, 'summary');
row('countParams before build', () => sequential().countParams(), ModelStateError, 'countParams');
row('build() without a shape', () => sequential({ layers: [layers.dense({ units: 1 })] }).build(), ModelStateError, 'inputShape');
row('save({ includeOptimizer: true }) uncompiled', () => sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] }).save({ includeOptimizer: true }), ModelStateError, 'includeOptimizer');
row('step without recurrence', () => sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] }).step([1, 2]), ModelStateError, 'step');
row('step through a bidirectional layer', () => sequential({ layers: [layers.bidirectional(layers.lstm({ units: 2 }), { inputShape: [3, 2] })] }).step([1, 2]), ModelStateError, 'step');
row('optimizer getter before compile', () => sequential().optimizer, ModelStateError, 'optimizer');
row('predict after dispose', () => {
  const model = sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
  model.dispose();
  return model.predict([[1, 2]]);
}, ModelStateError, 'model');
row('add after dispose', () => {
  const model = sequential();
  model.dispose();
  model.add(layers.dense({ units: 1 }));
}, ModelStateError, 'model');
row('fit with another optimizer-owning model', async () => {
  const optimizer = optimizers.sgd();
  const a = sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
  const b = sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
  a.compile({ optimizer, loss: 'mse' });
  b.compile({ optimizer, loss: 'mse' });
  await a.fit([[1, 2]], [[1]], { verbose: 0 });
  try {
    return await b.fit([[1, 2]], [[1]], { verbose: 0 });
  } finally {
    a.dispose();
    b.dispose();
  }
}, ModelStateError, 'weights');

// ---- loadModel ---------------------------------------------------------------------------

const savedOnce = (() => {
  let saved: { modelJSON: Record<string, unknown>; weightData: ArrayBuffer } | undefined;
  return () => {
    if (!saved) {
      const model = makeModel();
      saved = model.save() as unknown as typeof saved;
      model.dispose();
    }
    return structuredClone(saved!);
  };
})();
const loadRows: [string, () => unknown][] = [
  ['null', () => null],
  ['5', () => 5],
  ['{}', () => ({})],
  ['modelJSON null', () => ({ modelJSON: null, weightData: new ArrayBuffer(0) })],
  ['weightData a string', () => ({ ...savedOnce(), weightData: 'abc' })],
  ['weightData one float short', () => {
    const s = savedOnce();
    return { ...s, weightData: s.weightData.slice(4) };
  }],
  ['an unknown layer class', () => {
    const s = savedOnce();
    ((s.modelJSON.modelTopology as { config: { layers: { class_name: string }[] } }).config.layers[0]).class_name = 'ConvLSTM9D';
    return s;
  }],
  ['units a string', () => {
    const s = savedOnce();
    ((s.modelJSON.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers[0]).config.units = 'four';
    return s;
  }],
  ['a NaN weight', () => {
    const s = savedOnce();
    new Float32Array(s.weightData)[0] = NaN;
    return s;
  }],
  ['an unknown optimizer', () => {
    const s = savedOnce();
    (s.modelJSON.trainingConfig as { optimizer_config: { class_name: string } }).optimizer_config.class_name = 'Nadamax';
    return s;
  }],
];
for (const [label, source] of loadRows) row(`loadModel(${label})`, () => loadModel(source() as never), ModelLoadError, '');

// ---- data --------------------------------------------------------------------------------

const d = (what: string, call: () => unknown, names: string) => row(`data.${what}`, call, DataError, names);
for (const [label, value] of notObjects) {
  d(`timeseriesWindows([1, 2, 3], ${label})`, () => data.timeseriesWindows([1, 2, 3], value as never), 'options');
  d(`slidingWindows([1, 2, 3], 1, ${label})`, () => data.slidingWindows([1, 2, 3], 1, value as never), 'options');
  d(`vocabulary("abc", ${label})`, () => data.vocabulary('abc', value as never), 'options');
  d(`padSequences([[1]], ${label})`, () => data.padSequences([[1]], value as never), 'options');
  d(`standardScaler(${label})`, () => data.standardScaler(value as never), 'options');
  d(`minMaxScaler(${label})`, () => data.minMaxScaler(value as never), 'options');
  d(`trainTestSplit([1, 2, 3, 4], null, ${label})`, () => data.trainTestSplit([1, 2, 3, 4], null, value as never), 'options');
  d(`shuffle([1, 2], null, ${label})`, () => data.shuffle([1, 2], null, value as never), 'options');
  d(`parseCsv("a\\n1", ${label})`, () => data.parseCsv('a\n1', value as never), 'options');
}
for (const [label, value] of [['null', null], ['5', 5], ['{}', {}], ['true', true]] as const) {
  d(`timeseriesWindows(${label})`, () => data.timeseriesWindows(value as never, { sequenceLength: 2 }), 'series');
  d(`slidingWindows(${label}, 2)`, () => data.slidingWindows(value as never, 2), 'sequence');
  d(`vocabulary(${label})`, () => data.vocabulary(value as never), 'texts');
  d(`oneHot(${label}, 3)`, () => data.oneHot(value as never, 3), 'indices');
  if (value !== 5) d(`toCategorical(${label})`, () => data.toCategorical(value as never), 'y'); // a scalar class is valid
  d(`padSequences(${label})`, () => data.padSequences(value as never), 'seqs');
  d(`sequenceMask(${label}, 3)`, () => data.sequenceMask(value as never, 3), 'lengths');
  d(`trainTestSplit(${label})`, () => data.trainTestSplit(value as never), 'x');
  d(`shuffle(${label})`, () => data.shuffle(value as never), 'x');
  d(`batches(${label})`, () => data.batches(value as never), 'x');
  d(`parseCsv(${label})`, () => data.parseCsv(value as never), 'text');
  d(`vocabulary("a b").encode(${label})`, () => data.vocabulary('a b').encode(value as never), 'text');
  d(`vocabulary("a b").decode(${label})`, () => data.vocabulary('a b').decode(value as never), 'indices');
  d(`standardScaler().fit(${label})`, () => data.standardScaler().fit(value as never), 'x');
}
d('timeseriesWindows: sequenceLength 0', () => data.timeseriesWindows([1, 2, 3], { sequenceLength: 0 }), 'sequenceLength');
d('timeseriesWindows: sequenceLength longer than the series', () => data.timeseriesWindows([1, 2, 3], { sequenceLength: 9 }), 'sequenceLength');
d('timeseriesWindows: sequenceStride 1.5', () => data.timeseriesWindows([1, 2, 3], { sequenceLength: 2, sequenceStride: 1.5 }), 'sequenceStride');
d('timeseriesWindows: batchSize 0', () => data.timeseriesWindows([1, 2, 3], { sequenceLength: 2, batchSize: 0 }), 'batchSize');
d('timeseriesWindows: dropRemainder without batchSize', () => data.timeseriesWindows([1, 2, 3], { sequenceLength: 2, dropRemainder: true }), 'dropRemainder');
d('timeseriesWindows: checkFinite with a NaN', () => data.timeseriesWindows([1, NaN, 3], { sequenceLength: 2, checkFinite: true }), 'series[1]');
d('slidingWindows: length 0', () => data.slidingWindows([1, 2, 3], 0), 'length');
d('slidingWindows: length of the whole sequence', () => data.slidingWindows('abc', 3), 'length');
d('slidingWindows: step -1', () => data.slidingWindows('abcd', 2, { step: -1 }), 'step');
d('vocabulary: level "byte"', () => data.vocabulary('ab', { level: 'byte' as never }), 'level');
d('vocabulary: maxTokens 0', () => data.vocabulary('ab', { maxTokens: 0 }), 'maxTokens');
d('vocabulary: an unknown token', () => data.vocabulary('a b').encode('a c'), 'text');
d('vocabulary: tokenAt(99)', () => data.vocabulary('a b').tokenAt(99), 'index');
d('vocabulary: decode([1.5])', () => data.vocabulary('a b').decode([1.5]), 'indices[0]');
d('oneHot: depth 0', () => data.oneHot([0], 0), 'depth');
d('oneHot: index 3 of depth 3', () => data.oneHot([0, 3], 3), 'indices[1]');
d('oneHot: depth 2**40', () => data.oneHot([0, 1], 2 ** 40), 'depth');
d('toCategorical: numClasses 2**40', () => data.toCategorical([0, 1], 2 ** 40), 'numClasses');
d('toCategorical: a negative class', () => data.toCategorical([0, -1], 3), 'y[1]');
d('padSequences: maxlen 0', () => data.padSequences([[1]], { maxlen: 0 }), 'maxlen');
d('padSequences: padding "middle"', () => data.padSequences([[1]], { padding: 'middle' as never }), 'padding');
d('padSequences: value "0"', () => data.padSequences([[1]], { value: '0' as never }), 'value');
d('padSequences: int32 value 0.5', () => data.padSequences([[1]], { dtype: 'int32', value: 0.5 }), 'value');
d('padSequences: maxlen 2**40', () => data.padSequences([[1], [2]], { maxlen: 2 ** 40 }), 'maxlen');
d('sequenceMask: a length over maxlen', () => data.sequenceMask([1, 5], 3), 'lengths[1]');
d('sequenceMask: maxlen 2**40', () => data.sequenceMask([1, 2], 2 ** 40), 'maxlen');
d('standardScaler: withMean "no"', () => data.standardScaler({ withMean: 'no' as never }), 'withMean');
d('minMaxScaler: featureRange [1, 0]', () => data.minMaxScaler({ featureRange: [1, 0] }), 'featureRange');
d('standardScaler().transform before fit', () => data.standardScaler().transform([[1]]), 'transform');
d('standardScaler().fit with a NaN', () => data.standardScaler().fit([[1], [NaN]]), 'x[1][0]');
d('trainTestSplit: testSize -0.5', () => data.trainTestSplit([1, 2, 3, 4], null, { testSize: -0.5 }), 'testSize');
d('trainTestSplit: y of another length', () => data.trainTestSplit([1, 2, 3, 4], [1, 2]), 'y');
d('shuffle: seed 1.5', () => data.shuffle([1, 2], null, { seed: 1.5 }), 'seed');
d('batches: batchSize 0', () => data.batches([1, 2], null, { batchSize: 0 }), 'batchSize');
d('parseCsv: delimiter ";;"', () => data.parseCsv('a\n1', { delimiter: ';;' }), 'delimiter');
d('parseCsv: a word in a number column', () => data.parseCsv('a\nx'), 'line 2');
d('tensor: strings inside', () => tensor(['1', '2'] as never), 'tensor.data[0]');
d('tensor: a boolean inside', () => tensor([1, false] as never, [2]), 'tensor.data[1]');
d('tensor: shape of 3 for 2 values', () => tensor([1, 2], [3]), 'tensor');
d('tensor: shape [-1]', () => tensor([1, 2], [-1]), 'tensor.shape');
d('toTensor: { shape, data } of strings', () => toTensor({ shape: [2], data: ['1', '2'] } as never, 'x'), 'x.data[0]');
d('toTensor: { shape, data } of booleans', () => toTensor({ shape: [1, 2], data: [true, false] } as never, 'x'), 'x.data[0]');
d('toTensor: nested with a string', () => toTensor([[1, 2], [3, '4']] as never, 'x'), 'x[1][1]');
d('toTensor: a string', () => toTensor('123' as never, 'x'), 'x');

// ---- sample, callbacks, optimizers, schedules --------------------------------------------

const rng = prng(1);
row('sample(probs, {})', () => sample([0.5, 0.5], {} as never), ModelConfigError, 'rng');
row('sample(probs, null)', () => sample([0.5, 0.5], null as never), ModelConfigError, 'options');
row('sample: temperature -1', () => sample([0.5, 0.5], { rng, temperature: -1 }), ModelConfigError, 'temperature');
row('sample: topK 0', () => sample([0.5, 0.5], { rng, topK: 0 }), ModelConfigError, 'topK');
row('sample: topK 3 of 2', () => sample([0.5, 0.5], { rng, topK: 3 }), ModelConfigError, 'topK');
row('sample: a negative probability', () => sample([0.5, -0.5], { rng }), ModelInputError, 'probs');
row('sample: NaN', () => sample([NaN, 0.5], { rng }), ModelInputError, 'probs');
row('sample: all zero', () => sample([0, 0], { rng }), ModelInputError, 'probs');
row('sample: unknown option', () => sample([0.5, 0.5], { rng, temp: 1 } as never), ModelConfigError, 'temp');
row('sample: probs null', () => sample(null as never, { rng }), ModelInputError, 'probs');

const callbackRows: [string, () => unknown, string][] = [
  ['earlyStopping({ patience: -1 })', () => callbacks.earlyStopping({ patience: -1 }), 'patience'],
  ['earlyStopping({ patience: 1.5 })', () => callbacks.earlyStopping({ patience: 1.5 }), 'patience'],
  ['earlyStopping({ minDelta: -1 })', () => callbacks.earlyStopping({ minDelta: -1 }), 'minDelta'],
  ['earlyStopping({ mode: "up" })', () => callbacks.earlyStopping({ mode: 'up' as never }), 'mode'],
  ['earlyStopping({ monitor: "" })', () => callbacks.earlyStopping({ monitor: '' }), 'monitor'],
  ['earlyStopping({ monitor: 5 })', () => callbacks.earlyStopping({ monitor: 5 as never }), 'monitor'],
  ['earlyStopping({ baseline: NaN })', () => callbacks.earlyStopping({ baseline: NaN }), 'baseline'],
  ['earlyStopping({ restoreBestWeights: 1 })', () => callbacks.earlyStopping({ restoreBestWeights: 1 as never }), 'restoreBestWeights'],
  ['earlyStopping({ patiense: 2 })', () => callbacks.earlyStopping({ patiense: 2 } as never), 'patiense'],
  ['earlyStopping(5)', () => callbacks.earlyStopping(5 as never), 'options'],
  ['modelCheckpoint({})', () => callbacks.modelCheckpoint({} as never), 'save'],
  ['modelCheckpoint({ save: 5 })', () => callbacks.modelCheckpoint({ save: 5 as never }), 'save'],
  ['modelCheckpoint({ saveFreq: 10 })', () => callbacks.modelCheckpoint({ save() {}, saveFreq: 10 as never }), 'saveFreq'],
  ['modelCheckpoint(null)', () => callbacks.modelCheckpoint(null as never), 'options'],
  ['reduceLROnPlateau({ factor: 1 })', () => callbacks.reduceLROnPlateau({ factor: 1 }), 'factor'],
  ['reduceLROnPlateau({ factor: 0 })', () => callbacks.reduceLROnPlateau({ factor: 0 }), 'factor'],
  ['reduceLROnPlateau({ cooldown: -1 })', () => callbacks.reduceLROnPlateau({ cooldown: -1 }), 'cooldown'],
  ['reduceLROnPlateau({ minLr: -1 })', () => callbacks.reduceLROnPlateau({ minLr: -1 }), 'minLr'],
  ['reduceLROnPlateau({ verbose: 2 })', () => callbacks.reduceLROnPlateau({ verbose: 2 as never }), 'verbose'],
  ['reduceLROnPlateau().setState(null)', () => callbacks.reduceLROnPlateau().setState(null as never), 'state'],
  ['reduceLROnPlateau().setState(wait -1)', () => callbacks.reduceLROnPlateau().setState({ monitor: 'val_loss', best: 1, wait: -1, cooldownCounter: 0 }), 'state.wait'],
];
for (const [label, call, names] of callbackRows) row(`callbacks.${label}`, call, ModelConfigError, names);

const optimizerKinds = ['sgd', 'rmsprop', 'adam', 'adamw', 'adagrad'] as const;
for (const kind of optimizerKinds) {
  const make = (o: unknown) => (optimizers[kind] as (o: never) => Optimizer)(o as never);
  for (const [label, value] of [['0', 0], ['-0.1', -0.1], ['NaN', NaN], ['"0.1"', '0.1'], ['{}', {}]] as const) row(`optimizers.${kind}({ learningRate: ${label} })`, () => make({ learningRate: value }), ModelConfigError, 'learningRate');
  row(`optimizers.${kind}({ clipnorm: 0 })`, () => make({ clipnorm: 0 }), ModelConfigError, 'clipnorm');
  row(`optimizers.${kind}({ clipvalue: -1 })`, () => make({ clipvalue: -1 }), ModelConfigError, 'clipvalue');
  row(`optimizers.${kind}({ clipnorm: 1, globalClipnorm: 1 })`, () => make({ clipnorm: 1, globalClipnorm: 1 }), ModelConfigError, 'globalClipnorm');
  row(`optimizers.${kind}({ weightDecay: -1 })`, () => make({ weightDecay: -1 }), ModelConfigError, 'weightDecay');
  row(`optimizers.${kind}({ learning_rate: 0.1 })`, () => make({ learning_rate: 0.1 }), ModelConfigError, 'learning_rate');
  row(`optimizers.${kind}("fast")`, () => make("fast"), ModelConfigError, "options");
  row(`optimizers.${kind}().setState before build`, () => make({}).setState([]), ModelStateError, 'setState');
}
row('optimizers.sgd({ momentum: 1.5 })', () => optimizers.sgd({ momentum: 1.5 }), ModelConfigError, 'momentum');
row('optimizers.sgd({ nesterov: "yes" })', () => optimizers.sgd({ nesterov: 'yes' as never }), ModelConfigError, 'nesterov');
row('optimizers.rmsprop({ rho: 1 })', () => optimizers.rmsprop({ rho: 1 }), ModelConfigError, 'rho');
row('optimizers.rmsprop({ epsilon: 0 })', () => optimizers.rmsprop({ epsilon: 0 }), ModelConfigError, 'epsilon');
row('optimizers.rmsprop({ centered: 1 })', () => optimizers.rmsprop({ centered: 1 as never }), ModelConfigError, 'centered');
row('optimizers.adam({ beta1: 1 })', () => optimizers.adam({ beta1: 1 }), ModelConfigError, 'beta1');
row('optimizers.adam({ beta2: -0.1 })', () => optimizers.adam({ beta2: -0.1 }), ModelConfigError, 'beta2');
row('optimizers.adam({ amsgrad: "no" })', () => optimizers.adam({ amsgrad: 'no' as never }), ModelConfigError, 'amsgrad');
row('optimizers.adamw({ weightDecay: null })', () => optimizers.adamw({ weightDecay: null as never }), ModelConfigError, 'weightDecay');
row('optimizers.adagrad({ initialAccumulatorValue: -1 })', () => optimizers.adagrad({ initialAccumulatorValue: -1 }), ModelConfigError, 'initialAccumulatorValue');

const scheduleRows: [string, () => unknown, string][] = [
  ['exponentialDecay({})', () => schedules.exponentialDecay({} as never), 'initialLearningRate'],
  ['exponentialDecay: decaySteps 0', () => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9 }), 'decaySteps'],
  ['exponentialDecay: decayRate -1', () => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: -1 }), 'decayRate'],
  ['exponentialDecay: staircase 1', () => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9, staircase: 1 as never }), 'staircase'],
  ['exponentialDecay(null)', () => schedules.exponentialDecay(null as never), 'options'],
  ['piecewiseConstantDecay({})', () => schedules.piecewiseConstantDecay({} as never), 'boundaries'],
  ['piecewiseConstantDecay: values one short', () => schedules.piecewiseConstantDecay({ boundaries: [10, 20], values: [0.1, 0.01] }), 'values'],
  ['piecewiseConstantDecay: boundaries not increasing', () => schedules.piecewiseConstantDecay({ boundaries: [20, 10], values: [0.1, 0.01, 0.001] }), 'boundaries'],
  ['piecewiseConstantDecay: a value of 0', () => schedules.piecewiseConstantDecay({ boundaries: [10], values: [0.1, 0] }), 'values'],
  ['piecewiseConstantDecay: boundaries "10"', () => schedules.piecewiseConstantDecay({ boundaries: '10' as never, values: [0.1, 0.01] }), 'boundaries'],
];
for (const [label, call, names] of scheduleRows) row(`schedules.${label}`, call, ModelConfigError, names);

// ---- the run -----------------------------------------------------------------------------

const bits = (values: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(values).buffer));
const counts = new Map<string, number>();

describe('bad calls across the public API', () => {
  const subject = makeModel();
  const control = makeModel();

  afterAll(() => {
    subject.dispose();
    control.dispose();
    const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`).join(', ');
    console.log(`bad calls: ${rows.length} (${rows.filter((r) => r.model).length} on the subject model, compared with the control); by error class: ${summary}`);
  });

  it('has at least 300 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(300);
  });

  it('the subject and the control start trained and equal', async () => {
    for (const model of [subject, control]) await model.fit(X, Y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(bits(subject.predict(X).data)).toEqual(bits(control.predict(X).data));
  });

  it.each(rows.map((r, i) => [`${i}: ${r.what}`, r] as const))('%s', async (_, r) => {
    let error: unknown;
    try {
      await r.call(subject);
    } catch (e) {
      error = e;
    }
    expect(error, `${r.what}: no error`).toBeDefined();
    const got = error as Error & { argument?: string };
    counts.set(got.constructor.name, (counts.get(got.constructor.name) ?? 0) + 1);
    expect(got, `${r.what}: ${got.constructor.name}: ${got.message}`).toBeInstanceOf(r.error);
    const named = typeof got.argument === 'string' ? got.argument : got.message;
    expect(named, `${r.what}: ${got.message}`).toContain(r.names);
    if (!r.model) return;
    // The subject predicts the control's bits, and one more step keeps them equal.
    expect(bits(subject.predict(X).data), `${r.what}: predict after the bad call`).toEqual(bits(control.predict(X).data));
    for (const model of [subject, control]) await model.fit(X, Y, { epochs: 1, batchSize: 6, shuffle: false, verbose: 0 });
    expect(subject.getWeights().map((w) => bits(w.data)), `${r.what}: weights after one more step`).toEqual(control.getWeights().map((w) => bits(w.data)));
  });
});
