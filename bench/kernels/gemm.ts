// GEMM rows of npm run bench:kernels. Shapes are named M×K×N: C (M×N) = op(A) (M×K) · op(B)
// (K×N). Each GEMM row appears twice: against the register-only peak probe measured in the
// same run (the share of this core's mul+add throughput the kernel reaches) and against
// TF.js's wasm backend (tfjs-core 4.22, XNNPACK inside) doing the same tf.matMul, transposes
// included, timed with the dataSync() of its output since that is what a user pays. Inputs
// are created once, outside the timed calls. Ours includes packing op(B) on every call
// ("gemm NN …"); the "gemm packed …" rows time only the multiply, as layers pack their
// weights once per update.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import type { F32Region } from '../../src/runtime/arena.js';
import { arena, wasm } from '../../src/runtime/module.js';
import { gemm, gemmPacked, packWeights, packedPanelSize } from '../../src/kernels/gemm.js';
import { median, medianMs, withPeer, type Row, type SuiteOptions } from '../harness.js';

/** [M, K, N]. */
const SHAPES: readonly [number, number, number][] = [
  [128, 128, 128],
  [512, 512, 512],
  [100, 156, 512], // one LSTM(128) step on 28 inputs, batch 100: [x h]·[W; U]
  [2800, 28, 512], // the input projection of 100 sequences of 28 steps
  [1, 156, 512], // the same step at batch 1
];
const OPS = [
  { op: 'NN', transA: false, transB: false },
  { op: 'NT', transA: false, transB: true },
  { op: 'TN', transA: true, transB: false },
] as const;
/** --quick: the two square shapes and NN only. */
const QUICK_SHAPES: readonly [number, number, number][] = SHAPES.slice(0, 2);
const QUICK_OPS = OPS.slice(0, 1);
/** Rounds of the whole suite; each value is the median over rounds of per-round medians. */
const ROUNDS = 3;
const PROBE_ITERATIONS = 1 << 20;
const PEAK = 'peak probe';

interface ProbeExports {
  peakProbe(iterations: number): number;
  peakProbeFlopsPerIteration(): number;
}

/** Measures every GEMM row, the peak probe and the TF.js peers; assumes init() was awaited. */
export async function gemmRows({ quick = false }: SuiteOptions = {}): Promise<Row[]> {
  const shapes = quick ? QUICK_SHAPES : SHAPES;
  const ops = quick ? QUICK_OPS : OPS;
  const rounds = quick ? 1 : ROUNDS;
  await tf.setBackend('wasm');
  await tf.ready();
  const probe = wasm('gemmRows') as unknown as ProbeExports;
  const flops: Record<string, number> = { [PEAK]: PROBE_ITERATIONS * probe.peakProbeFlopsPerIteration() };
  const tasks: Record<string, () => unknown> = { [PEAK]: () => probe.peakProbe(PROBE_ITERATIONS) };
  const regions: F32Region[] = [];
  const tensors: tf.Tensor[] = [];
  const input = (values: Float32Array) => {
    const r = arena('gemmRows').fromArray(values);
    regions.push(r);
    return r;
  };

  for (const [m, k, n] of shapes) {
    const shape = `${m}x${k}x${n}`;
    const aValues = randomValues(m * k);
    const bValues = randomValues(k * n);
    const a = input(aValues);
    const b = input(bValues);
    const c = input(new Float32Array(m * n));
    const packed = input(new Float32Array(packedPanelSize(n, k)));
    packWeights({ b, n, k, out: packed });
    tasks[`gemm packed ${shape}`] = () => gemmPacked({ a, packed, c, m, n, k });
    flops[`gemm packed ${shape}`] = 2 * m * n * k;
    for (const { op, transA, transB } of ops) {
      const ours = `gemm ${op} ${shape}`;
      tasks[ours] = () => gemm({ a, b, c, m, n, k, transA, transB });
      const ta = tf.tensor2d(aValues, transA ? [k, m] : [m, k]);
      const tb = tf.tensor2d(bValues, transB ? [n, k] : [k, n]);
      tensors.push(ta, tb);
      tasks[`tfjs ${ours}`] = () => {
        const product = tf.matMul(ta, tb, transA, transB);
        product.dataSync();
        product.dispose();
      };
      flops[ours] = flops[`tfjs ${ours}`] = 2 * m * n * k;
    }
  }

  try {
    // Past V8's baseline tier (and TF.js's first-call setup) before anything is timed.
    for (const fn of Object.values(tasks)) for (let i = 0; i < 3; i++) fn();
    const gflops: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      const ms = await medianMs(tasks, quick ? { time: 100, warmupTime: 50 } : { time: 300, warmupTime: 100 });
      for (const [name, t] of Object.entries(ms)) (gflops[name] ??= []).push(flops[name] / t / 1e6);
    }
    const value = (name: string) => median(gflops[name]);
    const spread = (name: string) => ({ min: Math.min(...gflops[name]), max: Math.max(...gflops[name]) });
    const peak = value(PEAK);
    const rows: Row[] = [{ name: PEAK, unit: 'GFLOP/s', value: peak, ...spread(PEAK) }];
    for (const [m, k, n] of shapes) {
      const shape = `${m}x${k}x${n}`;
      for (const { op } of ops) {
        const row: Row = { name: `gemm ${op} ${shape}`, unit: 'GFLOP/s', value: value(`gemm ${op} ${shape}`), ...spread(`gemm ${op} ${shape}`) };
        rows.push(withPeer(row, PEAK, peak), withPeer(row, 'tfjs-wasm', value(`tfjs gemm ${op} ${shape}`)));
      }
      rows.push(withPeer({ name: `gemm packed ${shape}`, unit: 'GFLOP/s', value: value(`gemm packed ${shape}`) }, PEAK, peak));
    }
    return rows;
  } finally {
    for (const r of regions) arena('gemmRows').free(r);
    for (const t of tensors) t.dispose();
  }
}

/** Uniform values in [-1, 1) from a fixed-seed generator, so every run multiplies the same numbers. */
function randomValues(n: number): Float32Array {
  let state = n >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}
