// npm run bench:layers [-- --json]: the whole-layer recurrent kernels (src/kernels/recurrent.ts)
// on the MNIST-by-rows shape of DESIGN.md §6 — LSTM(128), GRU(128) (resetAfter, Keras 3's
// default) and SimpleRNN(128) over batch 100 × 28 steps × 28 features — forward (inference,
// no tape), forward + backward (one training step of the layer: pack the weights as after an
// optimizer update, forward writing the tape, full BPTT backward producing dx, dW, dU, db),
// and the batch-1 forward of one 28-step sequence. Every row is compared with the
// register-only peak probe (assembly/probe.ts) measured in the same run. Also the "layers"
// suite of npm run bench (--quick: one round, shorter timing).
//
// FLOPs counted: the GEMM multiply-adds only (2 per multiply-add; gate math, packing and
// reductions are extra work, not counted), with g gates (LSTM 4, GRU 3, SimpleRNN 1):
//   forward          2·B·T·gU·(F + U)       input projection x·W + per-step h·U
//   forward+backward 3 × forward            + dX = dG·Wᵀ, dW = Xᵀ·dG, dU = Hᵀ·dG, dh = dG·Uᵀ
// LSTM(128) at B=100: forward 0.447 GFLOP, forward+backward 1.342 GFLOP.
import { readFileSync } from 'node:fs';
import { init } from '../src/node.js';
import type { F32Region } from '../src/runtime/arena.js';
import { arena, wasm } from '../src/runtime/module.js';
import {
  packRecurrentWeights, recurrentBackward, recurrentForward, recurrentPackedSize, recurrentTapeSize, recurrentWeightShapes,
  type RecurrentCell, type RecurrentSpec,
} from '../src/kernels/recurrent.js';
import { isMain, median, medianMs, report, type Row, type SuiteOptions } from './harness.js';

const UNITS = 128;
const STEPS = 28;
const FEATURES = 28;
const BATCH = 100;
const ROUNDS = 5;
const PROBE_ITERATIONS = 1 << 20;
const PEAK = 'peak probe';

interface ProbeExports {
  peakProbe(iterations: number): number;
  peakProbeFlopsPerIteration(): number;
}

const regions: F32Region[] = [];
function region(values: Float32Array | number): F32Region {
  const r = typeof values === 'number' ? arena().allocF32(values) : arena().fromArray(values);
  if (typeof values === 'number') r.view().fill(0);
  regions.push(r);
  return r;
}

/** Uniform values in [-scale, scale) from a fixed-seed generator. */
function randomValues(n: number, scale: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 31 - 1) * scale;
  }
  return out;
}

interface Task {
  name: string;
  flops: number;
  run: () => void;
}

const gates: Record<RecurrentCell, number> = { simpleRNN: 1, lstm: 4, gru: 3 };
const LABEL: Record<RecurrentCell, string> = { lstm: 'LSTM', gru: 'GRU', simpleRNN: 'SimpleRNN' };

function layerTasks(cell: RecurrentCell): Task[] {
  const spec = (batch: number): RecurrentSpec => ({ cell, units: UNITS, features: FEATURES, batch, steps: STEPS });
  const train = spec(BATCH);
  const shapes = recurrentWeightShapes(train);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const scale = Math.sqrt(6 / (FEATURES + UNITS));
  const kernel = region(randomValues(size(shapes.kernel), scale, 1));
  const recurrentKernel = region(randomValues(size(shapes.recurrentKernel), Math.sqrt(3 / UNITS), 2));
  const bias = region(randomValues(size(shapes.bias!), 0.1, 3));
  const weights = { kernel, recurrentKernel, bias };
  const packed = packRecurrentWeights(train, weights, region(recurrentPackedSize(train)));
  const x = region(randomValues(BATCH * STEPS * FEATURES, 1, 4));
  const sequence = region(BATCH * STEPS * UNITS);
  const finalH = region(BATCH * UNITS);
  const tape = region(recurrentTapeSize(train));
  const dSequence = region(randomValues(BATCH * STEPS * UNITS, 0.01, 5));
  const grads = {
    dx: region(BATCH * STEPS * FEATURES),
    dKernel: region(size(shapes.kernel)),
    dRecurrentKernel: region(size(shapes.recurrentKernel)),
    dBias: region(size(shapes.bias!)),
  };
  const one = spec(1);
  const packedOne = packRecurrentWeights(one, weights, region(recurrentPackedSize(one, false)), { withBackward: false });
  const xOne = region(randomValues(STEPS * FEATURES, 1, 6));
  const hOne = region(UNITS);
  const forwardFlops = (batch: number) => 2 * batch * STEPS * gates[cell] * UNITS * (FEATURES + UNITS);
  const label = `${LABEL[cell]}(${UNITS})`;
  return [
    { name: `${label} forward, batch ${BATCH}`, flops: forwardFlops(BATCH), run: () => recurrentForward(train, { x, packed, sequence, finalH }) },
    {
      name: `${label} forward+backward, batch ${BATCH}`,
      flops: 3 * forwardFlops(BATCH),
      run: () => {
        packRecurrentWeights(train, weights, packed.region);
        recurrentForward(train, { x, packed, sequence, finalH, tape });
        recurrentBackward(train, { x, packed, tape, dSequence, ...grads });
      },
    },
    { name: `${label} forward, batch 1`, flops: forwardFlops(1), run: () => recurrentForward(one, { x: xOne, packed: packedOne, finalH: hOne }) },
  ];
}

/** The layer rows; assumes init() was awaited. */
export async function layerRows({ quick = false }: SuiteOptions = {}): Promise<Row[]> {
  try {
    const probe = wasm('bench:layers') as unknown as ProbeExports;
    const peakTask: Task = { name: PEAK, flops: PROBE_ITERATIONS * probe.peakProbeFlopsPerIteration(), run: () => void probe.peakProbe(PROBE_ITERATIONS) };
    const tasks: Task[] = (['lstm', 'gru', 'simpleRNN'] as const).flatMap(layerTasks);

    // Past V8's baseline tier before anything is timed.
    for (const task of [peakTask, ...tasks]) for (let i = 0; i < 5; i++) task.run();
    // The machine is shared: each task is timed next to its own peak-probe run, and each ratio is
    // the median over rounds of those pairs, so load that comes and goes hits both sides alike.
    const times: Record<string, number[]> = {};
    const ratios: Record<string, number[]> = {};
    const peaks: number[] = [];
    for (let round = 0; round < (quick ? 1 : ROUNDS); round++) {
      for (const task of tasks) {
        const ms = await medianMs({ [PEAK]: peakTask.run, [task.name]: task.run }, { time: quick ? 100 : 300, warmupTime: 50 });
        const peak = peakTask.flops / ms[PEAK] / 1e6;
        peaks.push(peak);
        (times[task.name] ??= []).push(ms[task.name]);
        (ratios[task.name] ??= []).push(task.flops / ms[task.name] / 1e6 / peak);
      }
    }
    const ms = (task: Task) => median(times[task.name]);
    const ratio = (task: Task) => median(ratios[task.name]);
    const peak = median(peaks);
    const rows: Row[] = [{ name: PEAK, unit: 'GFLOP/s', value: peak }];
    for (const task of tasks) {
      rows.push({ name: task.name, unit: 'ms', value: ms(task), min: Math.min(...times[task.name]), max: Math.max(...times[task.name]) });
      rows.push({ name: task.name, unit: 'GFLOP/s', value: task.flops / ms(task) / 1e6, peer: PEAK, peerValue: peak, ratio: ratio(task) });
    }
    const lstmTrain = tasks.find((t) => t.name.startsWith('LSTM') && t.name.includes('backward'))!;
    const lstmOne = tasks.find((t) => t.name.startsWith('LSTM') && t.name.endsWith('batch 1'))!;
    rows.push({ name: 'target: LSTM forward+backward ≥ 0.60 × peak', unit: 'ratio', value: ratio(lstmTrain) });
    rows.push({ name: 'target: LSTM batch-1 forward ≤ 0.15 ms', unit: 'ms', value: ms(lstmOne) });
    return rows;
  } finally {
    for (const r of regions.splice(0)) arena().free(r);
  }
}

if (isMain(import.meta.url)) {
  await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));
  report(await layerRows({ quick: process.argv.includes('--quick') }));
}
