// Relaxed-SIMD GEMM rows of npm run bench:kernels: the GEMM of dist/seqwasm-relaxed.wasm
// (init({ relaxedSimd: true }): each multiply-add one relaxed_madd, fused where the CPU has
// FMA) against the same call on the default module and against the mul+add peak probe, all
// timed together in this process. Both modules are instantiated here on their own memories
// and called through their raw exports, so the two sides pay the same call overhead. Node 20
// validates relaxed SIMD only with --experimental-wasm-relaxed-simd: the suite turns that V8
// flag on at run time (before compiling), and reports a note instead when the engine refuses.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { median, medianMs, withPeer, type Row, type SuiteOptions } from '../harness.js';

/** [M, K, N]: the square benchmark shape and one LSTM(128) step at batch 100. */
const SHAPES: readonly [number, number, number][] = [
  [512, 512, 512],
  [100, 156, 512],
];
const ROUNDS = 3;
const PROBE_ITERATIONS = 1 << 20;

interface GemmExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemm(transA: number, transB: number, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, bias: number, c: number, ldc: number, accumulate: number, scratch: number): void;
  gemmScratchSize(transA: number, m: number, n: number, k: number): number;
  peakProbe(iterations: number): number;
  peakProbeFlopsPerIteration(): number;
}

async function instantiate(file: string): Promise<GemmExports> {
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL(`../../dist/${file}`, import.meta.url)));
  return instance.exports as unknown as GemmExports;
}

/** C = A·B (NN) of one shape on a module's own memory, the inputs written once. */
function gemmTask(module: GemmExports, [m, k, n]: readonly [number, number, number]): () => void {
  const floats = m * k + k * n + m * n + module.gemmScratchSize(0, m, n, k);
  const base = Math.ceil(module.heapBase() / 64) * 64;
  const missing = base + floats * 4 - module.memory.buffer.byteLength;
  if (missing > 0) module.memory.grow(Math.ceil(missing / 65536));
  const a = base;
  const b = a + m * k * 4;
  const c = b + k * n * 4;
  const scratch = c + m * n * 4;
  const view = new Float32Array(module.memory.buffer);
  for (let i = 0; i < m * k + k * n; i++) view[a / 4 + i] = ((i * 7919) % 2003) / 1001.5 - 1;
  return () => module.gemm(0, 0, m, n, k, a, k, b, n, 0, c, n, 0, scratch);
}

export async function relaxedGemmRows({ quick = false }: SuiteOptions = {}): Promise<Row[]> {
  const relaxedBytes = readFileSync(new URL('../../dist/seqwasm-relaxed.wasm', import.meta.url));
  if (!WebAssembly.validate(relaxedBytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  if (!WebAssembly.validate(relaxedBytes)) {
    return [{ name: 'relaxed gemm NN 512x512x512', unit: 'GFLOP/s', value: NaN, note: 'this engine refuses relaxed SIMD' }];
  }
  const [plain, relaxed] = await Promise.all([instantiate('seqwasm.wasm'), instantiate('seqwasm-relaxed.wasm')]);
  const shapes = quick ? SHAPES.slice(0, 1) : SHAPES;
  const tasks: Record<string, () => unknown> = { 'peak probe': () => plain.peakProbe(PROBE_ITERATIONS) };
  const flops: Record<string, number> = { 'peak probe': PROBE_ITERATIONS * plain.peakProbeFlopsPerIteration() };
  for (const shape of shapes) {
    const name = shape.join('x');
    tasks[`plain ${name}`] = gemmTask(plain, shape);
    tasks[`relaxed ${name}`] = gemmTask(relaxed, shape);
    flops[`plain ${name}`] = flops[`relaxed ${name}`] = 2 * shape[0] * shape[1] * shape[2];
  }
  for (const fn of Object.values(tasks)) for (let i = 0; i < 3; i++) fn(); // past V8's baseline tier
  const gflops: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  for (let round = 0; round < (quick ? 1 : ROUNDS); round++) {
    const ms = await medianMs(tasks, quick ? { time: 100, warmupTime: 50 } : { time: 300, warmupTime: 100 });
    const rate = (task: string) => flops[task] / ms[task] / 1e6;
    for (const task of Object.keys(tasks)) (gflops[task] ??= []).push(rate(task));
    for (const shape of shapes) {
      const name = shape.join('x');
      (ratios[`plain ${name}`] ??= []).push(rate(`relaxed ${name}`) / rate(`plain ${name}`));
      (ratios[`peak ${name}`] ??= []).push(rate(`relaxed ${name}`) / rate('peak probe'));
    }
  }
  const value = (task: string) => median(gflops[task]);
  return shapes.flatMap((shape) => {
    const name = shape.join('x');
    const row: Row = { name: `relaxed gemm NN ${name}`, unit: 'GFLOP/s', value: value(`relaxed ${name}`), min: Math.min(...gflops[`relaxed ${name}`]), max: Math.max(...gflops[`relaxed ${name}`]) };
    return [
      { ...withPeer(row, 'plain gemm (default module)', value(`plain ${name}`)), ratio: median(ratios[`plain ${name}`]) },
      { ...withPeer(row, 'peak probe', value('peak probe')), ratio: median(ratios[`peak ${name}`]) },
    ];
  });
}
