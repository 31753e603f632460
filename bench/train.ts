// npm run bench:train [-- --json]: training throughput (samples/s) of whole models through the
// public API — model.fit(x, y, { epochs, batchSize, shuffle: false, verbose: 0 }) — against
// TF.js 4.22 Layers on its cpu and wasm backends (the wasm one single-threaded SIMD in Node,
// like us), all in this one process:
//
//   train LSTM(128) | GRU(128) | SimpleRNN(128) 28x28 b100   28 steps × 28 features (MNIST read
//       row by row) → Dense(10, softmax), Adam, categoricalCrossentropy, batch 100, 1 epoch a call
//   train alphabet LSTM(8) 5x26 b32   5 one-hot letters → Dense(26, softmax), RMSprop, batch 32,
//       5 epochs a call (the lesson trains 50 in one call; per-call costs are spread alike)
//
// Every contestant trains the same architecture from the same initial weights (ours, copied
// into TF.js) on the same data: ours on all of it, the slow peers on its first few batches
// (samples/s does not depend on how many full batches are timed). TF.js gets Keras 3's gates,
// recurrentActivation 'sigmoid' (its default is hardSigmoid), and our GRU uses resetAfter:
// false, the only GRU TF.js has. Each contestant first trains for WARMUP_MS (V8 tiers Wasm up
// lazily and optimises JS only after many calls; TF.js sets up kernels on first use); a
// measurement then repeats fit() calls until MIN_MS has passed. Rounds interleave ours and the
// peers, so load that comes and goes hits all alike; each value is the median over rounds and
// each ratio the median of the per-round ratios. For context, also LSTM(128) inference:
// predict() of 28 steps at batch 1 (ms) and batch 100 (sequences/s) against TF.js wasm
// predict() + dataSync().
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { init, layers, Prng, sequential, type Sequential, type Tensor } from '../src/node.js';
import { median, medianMs, report, withPeer, type Row } from './harness.js';

await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));

const ROUNDS = 3;
/** Minimum time of one measurement; a slow peer's single fit() call may take longer. */
const MIN_MS = 1000;
/** Warm-up time of each contestant: small models spend most of their time in JS, which V8 optimises only after many calls. */
const WARMUP_MS = 2000;
const SEED = 1;

type Backend = 'cpu' | 'wasm';
type Peer = `tfjs-${Backend}`;
const PEERS: readonly Backend[] = ['wasm', 'cpu'];

interface Workload {
  name: string;
  architecture: Architecture;
  batchSize: number;
  x: Tensor;
  y: Tensor;
  /** Epochs per fit() call: enough that each call's fixed costs (checking x and y, setting up) are spread as in real use. */
  epochs: number;
  /** Samples per epoch for each peer (whole batches, a prefix of x). */
  peerSamples: Record<Backend, number>;
  /** Ours must reach this many times tfjs-wasm (the milestone's target), if it has one. */
  target?: number;
}

/** One trainer: fit() on its samples, after selecting its backend. */
interface Contestant {
  label: 'ours' | Peer;
  samples: number;
  select(): Promise<void>;
  fit(): Promise<unknown>;
}

// ---- data ------------------------------------------------------------------------------

/** MNIST-shaped data: pixels uniform in [0, 1), one-hot labels; seeded. */
function mnistLike(samples: number): { x: Tensor; y: Tensor } {
  const rng = new Prng(SEED).derive('mnist-like');
  const x = new Float32Array(samples * 28 * 28);
  for (let i = 0; i < x.length; i++) x[i] = rng.float();
  const y = new Float32Array(samples * 10);
  for (let i = 0; i < samples; i++) y[i * 10 + rng.int(10)] = 1;
  return { x: { shape: [samples, 28, 28], data: x }, y: { shape: [samples, 10], data: y } };
}

/** The alphabet lesson: every window of 5 one-hot letters → the next letter (21 windows), repeated `copies` times. */
function alphabet(copies: number): { x: Tensor; y: Tensor } {
  const windows = 26 - 5;
  const samples = windows * copies;
  const x = new Float32Array(samples * 5 * 26);
  const y = new Float32Array(samples * 26);
  for (let s = 0; s < samples; s++) {
    const first = s % windows;
    for (let t = 0; t < 5; t++) x[(s * 5 + t) * 26 + first + t] = 1;
    y[s * 26 + first + 5] = 1;
  }
  return { x: { shape: [samples, 5, 26], data: x }, y: { shape: [samples, 26], data: y } };
}

// ---- models ----------------------------------------------------------------------------

const CELLS = {
  LSTM: { ours: layers.lstm, tfjs: tf.layers.lstm, options: {} },
  GRU: { ours: layers.gru, tfjs: tf.layers.gru, options: { resetAfter: false } },
  SimpleRNN: { ours: layers.simpleRNN, tfjs: tf.layers.simpleRNN, options: {} },
} as const;
type CellName = keyof typeof CELLS;

interface Architecture {
  cell: CellName;
  units: number;
  inputShape: [number, number];
  classes: number;
  optimizer: 'adam' | 'rmsprop';
}

function ourModel(a: Architecture): Sequential {
  const model = sequential({ seed: SEED });
  const cell = CELLS[a.cell];
  model.add(cell.ours({ units: a.units, inputShape: a.inputShape, ...cell.options }));
  model.add(layers.dense({ units: a.classes, activation: 'softmax' }));
  model.compile({ optimizer: a.optimizer, loss: 'categoricalCrossentropy' });
  model.build();
  return model;
}

/** The same architecture in TF.js, starting from `initial`'s weights (same order: kernel, recurrent kernel, bias per layer). */
function tfjsModel(a: Architecture, initial: Sequential): tf.LayersModel {
  const model = tf.sequential();
  const gates = a.cell === 'SimpleRNN' ? {} : { recurrentActivation: 'sigmoid' as const };
  // Zero initializers: the weights are overwritten below (and TF.js's orthogonal initializer is slow and warns).
  const zeros = { kernelInitializer: 'zeros', recurrentInitializer: 'zeros' } as const;
  model.add(CELLS[a.cell].tfjs({ units: a.units, inputShape: a.inputShape, ...gates, ...zeros }));
  model.add(tf.layers.dense({ units: a.classes, activation: 'softmax', kernelInitializer: 'zeros' }));
  model.compile({ optimizer: a.optimizer, loss: 'categoricalCrossentropy' });
  const weights = initial.getWeights().map((w) => tf.tensor(w.data, [...w.shape]));
  model.setWeights(weights);
  tf.dispose(weights);
  return model;
}

const mnist = mnistLike(1000);
const recurrent = (cell: CellName, target?: number): Workload => ({
  name: `train ${cell}(128) 28x28 b100`,
  architecture: { cell, units: 128, inputShape: [28, 28], classes: 10, optimizer: 'adam' },
  batchSize: 100,
  ...mnist,
  epochs: 1,
  peerSamples: { wasm: 200, cpu: 100 },
  target,
});
const WORKLOADS: Workload[] = [
  recurrent('LSTM', 20),
  recurrent('GRU'),
  recurrent('SimpleRNN'),
  // 21 windows × 32 = 672 samples: 21 full batches of 32.
  {
    name: 'train alphabet LSTM(8) 5x26 b32',
    architecture: { cell: 'LSTM', units: 8, inputShape: [5, 26], classes: 26, optimizer: 'rmsprop' },
    batchSize: 32,
    ...alphabet(32),
    epochs: 5,
    peerSamples: { wasm: 672, cpu: 672 },
    target: 30,
  },
];

// ---- contestants -----------------------------------------------------------------------

const FIT = { shuffle: false, verbose: 0 } as const;

function prefix(t: Tensor, samples: number): { data: Float32Array; shape: number[] } {
  const row = t.data.length / t.shape[0];
  return { data: t.data.subarray(0, samples * row), shape: [samples, ...t.shape.slice(1)] };
}

async function contestants(w: Workload): Promise<Contestant[]> {
  const model = ourModel(w.architecture);
  const list: Contestant[] = [
    { label: 'ours', samples: w.x.shape[0] * w.epochs, select: async () => {}, fit: () => model.fit(w.x, w.y, { ...FIT, epochs: w.epochs, batchSize: w.batchSize }) },
  ];
  for (const backend of PEERS) {
    await tf.setBackend(backend);
    const peer = tfjsModel(w.architecture, model);
    const samples = w.peerSamples[backend];
    const x = prefix(w.x, samples);
    const y = prefix(w.y, samples);
    const xs = tf.tensor(x.data, x.shape);
    const ys = tf.tensor(y.data, y.shape);
    list.push({
      label: `tfjs-${backend}`,
      samples: samples * w.epochs,
      select: async () => void (await tf.setBackend(backend)),
      fit: () => peer.fit(xs, ys, { ...FIT, epochs: w.epochs, batchSize: w.batchSize }),
    });
  }
  return list;
}

/** Samples/s of fit() calls repeated until `ms` have passed (at least one call). */
async function samplesPerSecond(c: Contestant, ms: number): Promise<number> {
  await c.select();
  let samples = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    await c.fit();
    samples += c.samples;
    elapsed = performance.now() - start;
  }
  return (samples / elapsed) * 1000;
}

// ---- run -------------------------------------------------------------------------------

const progress = (line: string) => process.stderr.write(`${line}  (load average ${loadavg()[0].toFixed(1)})\n`);
const rows: Row[] = [];
const targets: Row[] = [];

for (const w of WORKLOADS) {
  const list = await contestants(w);
  for (const c of list) {
    progress(`${w.name}: warming up ${c.label}`);
    await samplesPerSecond(c, WARMUP_MS);
  }
  const values: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    let ours = 0;
    for (const c of list) {
      const value = await samplesPerSecond(c, MIN_MS);
      (values[c.label] ??= []).push(value);
      if (c.label === 'ours') ours = value;
      else (ratios[c.label] ??= []).push(ours / value);
      progress(`${w.name}: round ${round + 1}/${ROUNDS} ${c.label} ${value.toFixed(0)} samples/s`);
    }
  }
  const row: Row = { name: w.name, unit: 'samples/s', value: median(values.ours) };
  for (const c of list.slice(1)) rows.push({ ...withPeer(row, c.label, median(values[c.label])), ratio: median(ratios[c.label]) });
  if (w.target !== undefined) targets.push({ name: `target: ${w.name} ≥ ${w.target}× tfjs-wasm`, unit: 'ratio', value: median(ratios['tfjs-wasm']) });
}

// Inference for context: the LSTM(128) model, 28 steps, batch 1 and batch 100, against TF.js wasm.
{
  const lstm = WORKLOADS[0];
  const ours = ourModel(lstm.architecture);
  await tf.setBackend('wasm');
  const peer = tfjsModel(lstm.architecture, ours);
  const tasks: Record<string, () => unknown> = {};
  const peerInputs: tf.Tensor[] = [];
  for (const batch of [1, 100]) {
    const x = prefix(lstm.x, batch);
    const xs = tf.tensor(x.data, x.shape);
    peerInputs.push(xs);
    tasks[`ours ${batch}`] = () => ours.predict(x, { batchSize: batch });
    tasks[`tfjs ${batch}`] = () => {
      const out = peer.predict(xs) as tf.Tensor;
      out.dataSync();
      out.dispose();
    };
  }
  progress('infer LSTM(128): timing');
  for (const fn of Object.values(tasks)) for (let i = 0; i < 5; i++) fn();
  const times: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, ms] of Object.entries(await medianMs(tasks, { time: 500, warmupTime: 100 }))) (times[name] ??= []).push(ms);
  }
  const ms = (name: string) => median(times[name]);
  rows.push(withPeer({ name: 'infer LSTM(128) 28 steps b1', unit: 'ms', value: ms('ours 1') }, 'tfjs-wasm', ms('tfjs 1'), false));
  const perSecond = (name: string) => (100 / ms(name)) * 1000;
  rows.push(withPeer({ name: 'infer LSTM(128) 28 steps b100', unit: 'seq/s', value: perSecond('ours 100') }, 'tfjs-wasm', perSecond('tfjs 100')));
  for (const t of peerInputs) t.dispose();
}

report([...rows, ...targets]);
