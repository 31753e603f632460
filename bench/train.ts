// npm run bench:train [-- --quick] [-- --json]: training throughput (samples/s) of whole models
// through the public API — model.fit(x, y, { epochs, batchSize, shuffle: false, verbose: 0 }) —
// against TF.js 4.22 Layers on its cpu and wasm backends (the wasm one single-threaded SIMD in
// Node, like us), brain.js (its nearest task, bench/peers/brain.ts) and PyTorch with 1 and 2
// threads when Python can import torch (bench/peers/torch.ts), all in this one run. Also the
// "training" suite of npm run bench:
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
// each ratio the median of the per-round ratios (harness.ts compareInRounds). PyTorch trains its
// own initial weights (the speed does not depend on them) on the same data; its GRU is
// Keras's resetAfter form, ours here resetAfter: false. Inference is bench/inference.ts.
//
// The recurrent workloads also get a row "… 2T": seqwasm with init({ threads: 2 }) in a child
// process (bench/peers/seqwasm-threads.ts; same model, data and fit() calls) against PyTorch
// with 1 and 2 threads and against seqwasm on one thread, in rounds of their own.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { init, type Tensor } from '../src/node.js';
import { compareInRounds, isMain, PEER_THREADS, report, type Contestant, type Row, type SuiteOptions } from './harness.js';
import { BRAIN_ALPHABET_NOTE, BRAIN_TRAIN_NOTE, brainAlphabet, brainSequences, brainTimeStep, brainTrain } from './peers/brain.js';
import { threadedSeqwasm, type ThreadedSeqwasm } from './peers/seqwasm-threads.js';
import { startTorch, type TorchStart } from './peers/torch.js';
import { alphabet, mnistLike, ourModel, prefix, tfjsModel, type Architecture, type CellName } from './workloads.js';

const ROUNDS = 3;
/** Minimum time of one measurement; a slow peer's single fit() call may take longer. */
const MIN_MS = 1000;
/** Warm-up time of each contestant: small models spend most of their time in JS, which V8 optimises only after many calls. */
const WARMUP_MS = 2000;
/** --quick: one call of each contestant, no warm-up, two workloads: only to see that every contestant runs. */
const QUICK = { rounds: 1, minMs: 0, warmupMs: 0 };
const QUICK_WORKLOADS = ['train LSTM(128) 28x28 b100', 'train alphabet LSTM(8) 5x26 b32'];

type Backend = 'cpu' | 'wasm';
const PEERS: readonly Backend[] = ['wasm', 'cpu'];

interface Workload {
  name: string;
  architecture: Architecture;
  batchSize: number;
  x: Tensor;
  y: Tensor;
  /** Epochs per fit() call: enough that each call's fixed costs (checking x and y, setting up) are spread as in real use. */
  epochs: number;
  /** Samples per epoch for each TF.js peer and brain.js (whole batches, a prefix of x). */
  peerSamples: Record<Backend | 'brain', number>;
}

export interface TrainSuiteOptions extends SuiteOptions {
  /** A PyTorch peer already started (npm run bench shares one); started here when absent. */
  torch?: TorchStart;
}

const mnist = mnistLike(1000);
/** train LSTM(128) | GRU(128) | SimpleRNN(128) 28x28 b100 (also built by bench/threads.ts's children). */
export const recurrentWorkload = (cell: CellName): Workload => ({
  name: `train ${cell}(128) 28x28 b100`,
  architecture: { cell, units: 128, inputShape: [28, 28], classes: 10, optimizer: 'adam' },
  batchSize: 100,
  ...mnist,
  epochs: 1,
  peerSamples: { wasm: 200, cpu: 100, brain: 10 },
});
const WORKLOADS: Workload[] = [
  recurrentWorkload('LSTM'),
  recurrentWorkload('GRU'),
  recurrentWorkload('SimpleRNN'),
  // 21 windows × 32 = 672 samples: 21 full batches of 32.
  {
    name: 'train alphabet LSTM(8) 5x26 b32',
    architecture: { cell: 'LSTM', units: 8, inputShape: [5, 26], classes: 26, optimizer: 'rmsprop' },
    batchSize: 32,
    ...alphabet(32),
    epochs: 5,
    peerSamples: { wasm: 672, cpu: 672, brain: 21 },
  },
];

const FIT = { shuffle: false, verbose: 0 } as const;

/** Samples/s of calls of `train` (each `samples` samples) repeated until `ms` have passed (at least one call). */
async function samplesPerSecond(train: () => unknown, samples: number, ms: number): Promise<number> {
  let done = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await train();
    done += samples;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (done / elapsed) * 1000;
}

/** A trainer measured by samples/s, after selecting its backend. */
function trainer(label: string, samples: number, train: () => unknown, { minMs, warmupMs }: Timing, select: () => Promise<unknown> = async () => {}, note?: string): Contestant {
  const run = async (ms: number) => {
    await select();
    return samplesPerSecond(train, samples, ms);
  };
  return { label, note, measure: () => run(minMs), warmUp: warmupMs ? () => run(warmupMs) : undefined };
}

interface Timing {
  minMs: number;
  warmupMs: number;
}

async function contestants(w: Workload, torch: TorchStart, timing: Timing, quick: boolean): Promise<Contestant[]> {
  const model = ourModel(w.architecture);
  const list = [trainer('seqwasm', w.x.shape[0] * w.epochs, () => model.fit(w.x, w.y, { ...FIT, epochs: w.epochs, batchSize: w.batchSize }), timing)];
  for (const backend of PEERS) {
    await tf.setBackend(backend);
    const peer = tfjsModel(w.architecture, model);
    const samples = w.peerSamples[backend];
    const x = prefix(w.x, samples);
    const y = prefix(w.y, samples);
    const xs = tf.tensor(x.data, x.shape);
    const ys = tf.tensor(y.data, y.shape);
    list.push(trainer(`tfjs-${backend}`, samples * w.epochs, () => peer.fit(xs, ys, { ...FIT, epochs: w.epochs, batchSize: w.batchSize }), timing, () => tf.setBackend(backend)));
  }
  const { cell, units, inputShape } = w.architecture;
  if (units === 8) {
    const { net, strings } = brainAlphabet();
    list.push(trainer('brain.js', strings.length, () => brainTrain(net, strings), timing, undefined, BRAIN_ALPHABET_NOTE));
  } else {
    const net = brainTimeStep(cell, units, inputShape[1]);
    const sequences = brainSequences(w.x.data, w.peerSamples.brain, ...inputShape);
    list.push(trainer('brain.js', sequences.length, () => brainTrain(net, sequences, cell), timing, undefined, BRAIN_TRAIN_NOTE));
  }
  if ('peer' in torch) {
    const { peer } = torch;
    const samples = quick ? w.batchSize : w.x.shape[0];
    const request = {
      cmd: 'train',
      key: w.name,
      cell: cell === 'SimpleRNN' ? 'simpleRNN' : cell.toLowerCase(),
      units,
      steps: inputShape[0],
      features: inputShape[1],
      classes: w.architecture.classes,
      optimizer: w.architecture.optimizer,
      batch: w.batchSize,
      epochs: w.epochs,
      samples,
      x: peer.file(`${w.name} x`, prefix(w.x, samples).data),
      y: peer.file(`${w.name} y`, prefix(w.y, samples).data),
    };
    for (const threads of PEER_THREADS) {
      const note = cell === 'GRU' ? "PyTorch's GRU is Keras's resetAfter form (ours here: resetAfter false)" : undefined;
      const run = async (ms: number) => (await peer.request({ ...request, threads, ms })).value as number;
      list.push({ label: `pytorch ${threads}T`, note, measure: () => run(timing.minMs), warmUp: timing.warmupMs ? () => run(timing.warmupMs) : undefined });
    }
  }
  return list;
}

const progress = (line: string) => process.stderr.write(`${line}  (load average ${loadavg()[0].toFixed(1)})\n`);

/** The training rows; assumes init() was awaited. */
export async function trainRows({ quick = false, torch }: TrainSuiteOptions = {}): Promise<Row[]> {
  const { rounds, minMs, warmupMs } = quick ? QUICK : { rounds: ROUNDS, minMs: MIN_MS, warmupMs: WARMUP_MS };
  const ownTorch = torch === undefined;
  const pytorch = torch ?? (await startTorch());
  const twoThreads = threadedSeqwasm(2);
  const rows: Row[] = [];
  const compare = async (name: string, list: Contestant[]) => {
    rows.push(...(await compareInRounds({ name, unit: 'samples/s', higherIsBetter: true }, list, rounds, progress)));
    if ('skipped' in pytorch) rows.push({ name, unit: 'samples/s', value: rows[rows.length - 1].value, peer: 'pytorch', note: pytorch.skipped });
  };
  try {
    for (const w of quick ? WORKLOADS.filter((w) => QUICK_WORKLOADS.includes(w.name)) : WORKLOADS) {
      const list = await contestants(w, pytorch, { minMs, warmupMs }, quick);
      await compare(w.name, list);
      if (w.architecture.units < 128) continue;
      // The same contestants are warm already.
      const again = (c: Contestant, label = c.label): Contestant => ({ ...c, label, warmUp: undefined });
      await compare(`${w.name} 2T`, [threaded(twoThreads, w, { minMs, warmupMs }), again(list[0], 'seqwasm 1T'), ...list.filter((c) => c.label.startsWith('pytorch')).map((c) => again(c))]);
    }
  } finally {
    twoThreads.close();
    if (ownTorch && 'peer' in pytorch) pytorch.peer.close();
  }
  return rows;
}

/** seqwasm in a threaded child process, training the workload's model by the same fit() calls. */
function threaded(child: ThreadedSeqwasm, w: Workload, { minMs, warmupMs }: Timing): Contestant {
  const samples = w.x.shape[0] * w.epochs;
  return {
    label: `seqwasm ${child.threads}T`,
    measure: async () => (samples / (await child.callMs(w.name, minMs, 1))) * 1000,
    warmUp: warmupMs ? () => child.warm(w.name, warmupMs) : undefined,
  };
}

if (isMain(import.meta.url)) {
  await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));
  report(await trainRows({ quick: process.argv.includes('--quick') }));
}
