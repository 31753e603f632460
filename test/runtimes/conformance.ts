// The cross-runtime conformance suite: ONE source, run unchanged in Node, Chromium, Deno,
// Bun and workerd (scripts/runtimes/ compiles it beside each runtime's driver). Every
// runtime must print the same SHA-256, equal to test/runtimes/expected-hash.txt.
//
// It receives the package as its argument (each driver imports `seqwasm` the way a user of
// that runtime would), so this file imports nothing at run time.
//
// It trains small seeded models through the public model API — SimpleRNN, LSTM, GRU (both
// resetAfter forms), Bidirectional, Embedding with masking and dropout, and the sequence
// layers (conv1d, pooling, layer normalization, positional embedding, the reshaping layers)
// — each optimizer once, a few epochs with shuffling and a validation split, then predicts,
// streams step() (recurrent stacks), and saves and reloads. The hash covers every final weight, prediction and history value. After a
// deliberate change to the numerics, refresh it: `npm run test:runtimes -- --update`.
import type * as Seqwasm from '../../src/index.js';

export type SeqwasmApi = typeof Seqwasm;
type Model = Seqwasm.Sequential;

const SEED = 20240607;
const SAMPLES = 24;
const STEPS = 5;
const FEATURES = 3;
const EPOCHS = 3;

interface Case {
  readonly name: string;
  /** The model, compiled. */
  readonly make: (api: SeqwasmApi, seed: number) => Model;
  /** Targets for the model's outputs (from its output shape). */
  readonly targets: (rng: Seqwasm.Prng, outputShape: readonly number[]) => Float32Array;
  /** Input ids (embedding) instead of features. */
  readonly ids?: boolean;
  /** Not streamed through step() (a layer that needs more than one step at a time). */
  readonly stepless?: boolean;
}

const oneHotRows = (rng: Seqwasm.Prng, shape: readonly number[]) => {
  const width = shape[shape.length - 1];
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let r = 0; r < out.length / width; r++) out[r * width + rng.int(width)] = 1;
  return out;
};

const CASES: readonly Case[] = [
  {
    name: 'simpleRNN, sgd with nesterov momentum, mse',
    make: ({ sequential, layers, optimizers }, seed) => compiled(sequential({ seed, layers: [layers.simpleRNN({ units: 6, inputShape: [STEPS, FEATURES] }), layers.dense({ units: 4 })] }), optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), 'meanSquaredError'),
    targets: (rng, shape) => uniform(rng, shape.reduce((a, b) => a * b, 1)),
  },
  {
    name: 'lstm, adam, categorical crossentropy fused with softmax',
    make: ({ sequential, layers }, seed) => compiled(sequential({ seed, layers: [layers.lstm({ units: 6, inputShape: [STEPS, FEATURES] }), layers.dense({ units: 4, activation: 'softmax' })] }), 'adam', 'categoricalCrossentropy'),
    targets: oneHotRows,
  },
  {
    name: 'gru, rmsprop, binary crossentropy fused with sigmoid',
    make: ({ sequential, layers }, seed) => compiled(sequential({ seed, layers: [layers.gru({ units: 6, inputShape: [STEPS, FEATURES] }), layers.dense({ units: 3, activation: 'sigmoid' })] }), 'rmsprop', 'binaryCrossentropy'),
    targets: (rng, shape) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.int(2)),
  },
  {
    name: 'gru resetAfter false tagging, adamw, sparse crossentropy',
    make: ({ sequential, layers }, seed) => compiled(sequential({ seed, layers: [layers.gru({ units: 5, resetAfter: false, returnSequences: true, inputShape: [STEPS, FEATURES] }), layers.dense({ units: 4, activation: 'softmax' })] }), 'adamw', 'sparseCategoricalCrossentropy'),
    targets: (rng, shape) => Float32Array.from({ length: shape.slice(0, -1).reduce((a, b) => a * b, 1) }, () => rng.int(4)),
  },
  {
    name: 'bidirectional lstm (hardSigmoid), adagrad with clipnorm, huber',
    make: ({ sequential, layers, optimizers }, seed) => compiled(sequential({ seed, layers: [layers.bidirectional(layers.lstm({ units: 4, recurrentActivation: 'hardSigmoid' }), { inputShape: [STEPS, FEATURES] }), layers.dense({ units: 2 })] }), optimizers.adagrad({ learningRate: 0.1, clipnorm: 0.5 }), 'huber'),
    targets: (rng, shape) => uniform(rng, shape.reduce((a, b) => a * b, 1)),
  },
  {
    name: 'embedding maskZero, lstm with dropout, sgd with a decaying rate and globalClipnorm, categorical crossentropy',
    ids: true,
    make: ({ sequential, layers, optimizers, schedules }, seed) =>
      compiled(
        sequential({ seed, layers: [layers.embedding({ inputDim: 7, outputDim: 4, maskZero: true, inputShape: [STEPS] }), layers.lstm({ units: 5, dropout: 0.2, recurrentDropout: 0.1 }), layers.dense({ units: 3, activation: 'softmax' })] }),
        optimizers.sgd({ learningRate: schedules.exponentialDecay({ initialLearningRate: 0.5, decaySteps: 4, decayRate: 0.7 }), globalClipnorm: 1 }),
        'categoricalCrossentropy',
      ),
    targets: oneHotRows,
  },
  {
    name: 'conv1d causal, layerNormalization, positionEmbedding, maxPooling1d same, lstm, adam, mse',
    stepless: true,
    make: ({ sequential, layers }, seed) =>
      compiled(
        sequential({
          seed,
          layers: [
            layers.conv1d({ filters: 4, kernelSize: 2, padding: 'causal', activation: 'relu', inputShape: [STEPS, FEATURES] }),
            layers.layerNormalization(),
            layers.positionEmbedding({ sequenceLength: STEPS }),
            layers.maxPooling1d({ padding: 'same' }),
            layers.lstm({ units: 4 }),
            layers.dense({ units: 2 }),
          ],
        }),
        'adam',
        'meanSquaredError',
      ),
    targets: (rng, shape) => uniform(rng, shape.reduce((a, b) => a * b, 1)),
  },
  {
    name: 'embedding maskZero, masked globalAveragePooling1d, repeatVector, conv1d same, averagePooling1d, permute, flatten, reshape, globalMaxPooling1d, adam',
    ids: true,
    stepless: true,
    make: ({ sequential, layers }, seed) =>
      compiled(
        sequential({
          seed,
          layers: [
            layers.embedding({ inputDim: 7, outputDim: 4, maskZero: true, inputShape: [STEPS] }),
            layers.globalAveragePooling1d(),
            layers.repeatVector({ n: 3 }),
            layers.conv1d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'tanh' }),
            layers.averagePooling1d({ poolSize: 2, strides: 1 }),
            layers.permute({ dims: [2, 1] }),
            layers.flatten(),
            layers.reshape({ targetShape: [-1, 2] }),
            layers.globalMaxPooling1d(),
            layers.dense({ units: 3, activation: 'softmax' }),
          ],
        }),
        'adam',
        'categoricalCrossentropy',
      ),
    targets: oneHotRows,
  },
];

function compiled(model: Model, optimizer: Seqwasm.CompileOptions['optimizer'], loss: Seqwasm.CompileOptions['loss']): Model {
  model.compile({ optimizer, loss, metrics: ['accuracy'] });
  return model;
}

/** Trains every case from its seed and predicts; returns the SHA-256 (hex) of everything it computed. */
export async function conformance(api: SeqwasmApi): Promise<string> {
  await api.init();
  const parts: Uint8Array[] = [];
  for (const [index, testCase] of CASES.entries()) {
    const model = testCase.make(api, SEED + index);
    let loaded: Model | undefined;
    try {
      loaded = await trainAndPredict(api, testCase, model, api.prng(SEED).derive(index), parts);
    } finally {
      model.dispose();
      loaded?.dispose();
    }
  }
  return sha256(parts);
}

/** Trains the model on seeded data, then appends its weights, history, predictions, streamed outputs and reloaded predictions to `parts`; returns the reloaded model. */
async function trainAndPredict(api: SeqwasmApi, testCase: Case, model: Model, rng: Seqwasm.Prng, parts: Uint8Array[]): Promise<Model> {
  const inputShape = testCase.ids ? [SAMPLES, STEPS] : [SAMPLES, STEPS, FEATURES];
  const x = { shape: inputShape, data: testCase.ids ? paddedIds(rng.derive('x')) : uniform(rng.derive('x'), SAMPLES * STEPS * FEATURES) };
  const outputShape = model.predict(x).shape;
  const y = { shape: model.loss!.targetShape(outputShape), data: testCase.targets(rng.derive('y'), outputShape) };
  const history = await model.fit(x, y, { epochs: EPOCHS, batchSize: 5, validationSplit: 0.25, verbose: 0 });
  const losses = history.history.loss;
  // A hash alone would also agree on a run that learns nothing or turns to NaN everywhere.
  if (!(losses[EPOCHS - 1] < losses[0])) throw new Error(`conformance ${testCase.name}: the loss did not decrease: ${losses.join(' → ')}`);
  const predictions = model.predict(x, { batchSize: 7 }).data;
  const results = [...model.getWeights().map((w) => w.data), predictions, Float32Array.from(Object.values(history.history).flat())];
  if (!testCase.ids && !testCase.stepless && !testCase.name.startsWith('bidirectional')) results.push(streamed(model, x.data));
  const loaded = await api.loadModel(model.save());
  const reloaded = loaded.predict(x).data;
  if (reloaded.some((v, i) => !Object.is(v, predictions[i]))) throw new Error(`conformance ${testCase.name}: a saved and reloaded model predicts differently`);
  if (results.some((values) => values.some((v) => !Number.isFinite(v)))) throw new Error(`conformance ${testCase.name}: a weight, history value or prediction is not finite`);
  parts.push(...results.map(bytes));
  return loaded;
}

/** The first two samples fed one step at a time through step(): every step's output. */
function streamed(model: Model, x: Float32Array): Float32Array {
  model.resetStates();
  const outputs: number[] = [];
  for (let t = 0; t < STEPS; t++) {
    const step = new Float32Array(2 * FEATURES);
    for (let b = 0; b < 2; b++) step.set(x.subarray((b * STEPS + t) * FEATURES, (b * STEPS + t + 1) * FEATURES), b * FEATURES);
    outputs.push(...model.step({ shape: [2, FEATURES], data: step }).data);
  }
  model.resetStates();
  return Float32Array.from(outputs);
}

/** Token ids 1…6, each sample padded at the end with 0 to STEPS. */
function paddedIds(rng: Seqwasm.Prng): Float32Array {
  const out = new Float32Array(SAMPLES * STEPS);
  for (let i = 0; i < SAMPLES; i++) {
    const length = 2 + rng.int(STEPS - 1);
    for (let t = 0; t < length; t++) out[i * STEPS + t] = 1 + rng.int(6);
  }
  return out;
}

/**
 * The cold-start workload (bench/runtimes.ts): a small LSTM(8) + Dense(26, softmax), as in the
 * alphabet example, built from a seed and run once on one sample. Returns the prediction.
 */
export async function predictOnce(api: SeqwasmApi): Promise<Float32Array> {
  await api.init();
  const model = coldStartModel(api);
  try {
    return model.predict({ shape: COLD_START_SHAPE, data: coldStartInput(api) }).data;
  } finally {
    model.dispose();
  }
}

/** The cold-start sample's shape: one sequence of 5 steps × 26 features. */
export const COLD_START_SHAPE = [1, 5, 26];

/** The cold-start model (after init()); the peers' cold starts in bench/runtimes.ts run its ONNX export. */
export function coldStartModel(api: SeqwasmApi): Model {
  return api.sequential({ seed: SEED, layers: [api.layers.lstm({ units: 8, inputShape: COLD_START_SHAPE.slice(1) }), api.layers.dense({ units: 26, activation: 'softmax' })] });
}

/** The cold-start sample, the same in every engine. */
export function coldStartInput(api: SeqwasmApi): Float32Array {
  return uniform(api.prng(SEED).derive('x'), COLD_START_SHAPE[1] * COLD_START_SHAPE[2]);
}

/** `n` values uniform in [−1, 1), exact in every engine (integer bits scaled by powers of two). */
function uniform(rng: Seqwasm.Prng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * rng.float() - 1;
  return out;
}

function bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

async function sha256(parts: readonly Uint8Array[]): Promise<string> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
