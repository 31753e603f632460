// The cross-runtime conformance suite: ONE source, run unchanged in Node, Chromium, Deno,
// Bun and workerd (scripts/runtimes/ compiles it beside each runtime's driver). Every
// runtime must print the same SHA-256, equal to test/runtimes/expected-hash.txt.
//
// It receives the package as its argument (each driver imports `seqwasm` the way a user of
// that runtime would), so this file imports nothing at run time.
//
// Today it drives the layers API directly: seeded SimpleRNN / LSTM / GRU (+ variants) with a
// Dense head, forward + backward on seeded batches, plain SGD (w −= lr·g with kernels.axpy),
// then a prediction on a fresh batch. When the model API lands, replace the bodies of
// `conformance` and `predictOnce` with sequential() + compile() + fit() (each optimizer once)
// + predict(), then refresh the expected hash: `npm run test:runtimes -- --update`.
import type * as Seqwasm from '../../src/index.js';

export type SeqwasmApi = typeof Seqwasm;
type Layer = Seqwasm.layers.Layer;

const SEED = 20240607;
const BATCH = 4;
const STEPS = 5;
const FEATURES = 3;
const OUTPUTS = 4;
const BATCHES_PER_EPOCH = 3;
const EPOCHS = 2;
const LEARNING_RATE = 0.05;

/** A recurrent layer and a Dense head that together map [B, STEPS, FEATURES] to the returned shape's outputs. */
interface Case {
  readonly name: string;
  readonly make: (api: SeqwasmApi) => [Layer, Layer];
}

const CASES: readonly Case[] = [
  { name: 'simpleRNN', make: ({ layers }) => [layers.simpleRNN({ units: 6 }), layers.dense({ units: OUTPUTS })] },
  { name: 'lstm', make: ({ layers }) => [layers.lstm({ units: 6 }), layers.dense({ units: OUTPUTS, activation: 'tanh' })] },
  { name: 'gru', make: ({ layers }) => [layers.gru({ units: 6 }), layers.dense({ units: OUTPUTS, activation: 'sigmoid' })] },
  { name: 'gru-reset-before', make: ({ layers }) => [layers.gru({ units: 5, resetAfter: false }), layers.dense({ units: OUTPUTS })] },
  {
    name: 'lstm-sequences-hardSigmoid',
    make: ({ layers }) => [layers.lstm({ units: 5, returnSequences: true, recurrentActivation: 'hardSigmoid' }), layers.dense({ units: OUTPUTS, activation: 'softmax' })],
  },
  { name: 'bidirectional-gru', make: ({ layers }) => [layers.bidirectional(layers.gru({ units: 4 })), layers.dense({ units: OUTPUTS })] },
];

/** Trains every case from its seed and predicts; returns the SHA-256 (hex) of all final weights and predictions. */
export async function conformance(api: SeqwasmApi): Promise<string> {
  await api.init();
  const parts: Uint8Array[] = [];
  for (const [index, testCase] of CASES.entries()) {
    const rng = api.prng(SEED).derive(index);
    const layers = testCase.make(api);
    try {
      trainAndPredict(api, testCase.name, layers, rng, parts);
    } finally {
      for (const layer of layers) layer.dispose();
    }
  }
  return sha256(parts);
}

/** Appends each layer's final weights, then the predictions for a fresh batch, to `parts`. */
function trainAndPredict(api: SeqwasmApi, name: string, [rnn, head]: [Layer, Layer], rng: Seqwasm.Prng, parts: Uint8Array[]): void {
  const { kernels } = api;
  const memory = api.arena('conformance');
  rnn.build([null, STEPS, FEATURES], rng.derive('init-rnn'));
  head.build(rnn.computeOutputShape([null, STEPS, FEATURES]), rng.derive('init-head'));

  const inputShape = [BATCH, STEPS, FEATURES];
  const rnnPlan = rnn.plan(inputShape, { training: true, inputGradient: false });
  const headPlan = head.plan(rnnPlan.outputShape, { training: true });
  const outputs = headPlan.output.length;
  const x = memory.allocF32(BATCH * STEPS * FEATURES);
  const target = memory.allocF32(outputs);
  const dOutput = memory.allocF32(outputs);
  const data = rng.derive('data');
  try {
    const epochLosses: number[] = [];
    for (let step = 0; step < EPOCHS * BATCHES_PER_EPOCH; step++) {
      const batch = data.derive(step % BATCHES_PER_EPOCH);
      x.set(uniform(batch.derive('x'), x.length));
      target.set(uniform(batch.derive('y'), outputs));
      rnnPlan.forward(x);
      headPlan.forward(rnnPlan.output);
      // Mean squared error; dL/dŷ = 2(ŷ − y)/n. All in Wasm.
      kernels.sub(headPlan.output, target, dOutput);
      const epoch = Math.floor(step / BATCHES_PER_EPOCH);
      epochLosses[epoch] = (epochLosses[epoch] ?? 0) + kernels.sumSquares(dOutput) / outputs;
      kernels.scale(2 / outputs, dOutput);
      headPlan.backward(dOutput);
      rnnPlan.backward(headPlan.dInput!);
      for (const layer of [rnn, head]) {
        for (const w of layer.weights) kernels.axpy(-LEARNING_RATE, w.grad, w.value);
        layer.weightsChanged();
        layer.zeroGradients();
      }
    }
    // A hash alone would also agree on a run that learns nothing or turns to NaN everywhere.
    if (!(epochLosses[EPOCHS - 1] < epochLosses[0])) throw new Error(`conformance ${name}: the loss did not decrease over ${EPOCHS} epochs: ${epochLosses.join(' → ')}`);
  } finally {
    rnnPlan.dispose();
    headPlan.dispose();
    for (const region of [x, target, dOutput]) memory.free(region);
  }
  const results = [...[rnn, head].flatMap((layer) => layer.weights.map((w) => w.value.toArray())), predict(api, rnn, head, 3, rng.derive('predict'))];
  if (results.some((values) => values.some((v) => !Number.isFinite(v)))) throw new Error(`conformance ${name}: a weight or prediction is not finite`);
  parts.push(...results.map(bytes));
}

/** Inference on a fresh seeded batch of `batch` samples through new (non-training) plans. */
function predict(api: SeqwasmApi, rnn: Layer, head: Layer, batch: number, rng: Seqwasm.Prng): Float32Array {
  const rnnPlan = rnn.plan([batch, ...rnn.builtInputShape!.slice(1)] as number[]);
  const headPlan = head.plan(rnnPlan.outputShape);
  const x = api.arena('conformance').fromArray(uniform(rng, rnnPlan.inputShape.reduce((a, b) => a * b, 1)));
  try {
    rnnPlan.forward(x);
    headPlan.forward(rnnPlan.output);
    return headPlan.output.toArray();
  } finally {
    rnnPlan.dispose();
    headPlan.dispose();
    api.arena('conformance').free(x);
  }
}

/**
 * The cold-start workload (bench/runtimes.ts): a small LSTM(8) + Dense(26, softmax), as in the
 * alphabet example, built from a seed and run once on one sample. Returns the prediction.
 */
export async function predictOnce(api: SeqwasmApi): Promise<Float32Array> {
  await api.init();
  const rng = api.prng(SEED);
  const rnn = api.layers.lstm({ units: 8 });
  const head = api.layers.dense({ units: 26, activation: 'softmax' });
  try {
    rnn.build([null, 5, 26], rng.derive('rnn'));
    head.build([null, 8], rng.derive('head'));
    return predict(api, rnn, head, 1, rng.derive('x'));
  } finally {
    rnn.dispose();
    head.dispose();
  }
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
