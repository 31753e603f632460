// A/B of two or more builds of the Wasm module in one process, for kernel work on a shared,
// noisy machine: every build runs the same raw kernels on the same inputs, interleaved in
// rounds, timed in CPU time of this process (time lost to other processes mostly left out),
// and each build's outputs are compared with the first's bit for bit.
//
//   cp dist/seqwasm.wasm /tmp/before.wasm      # then change assembly/ and npm run build:wasm
//   npx tsx bench/ab.ts /tmp/before.wasm dist/seqwasm.wasm [--rounds 30] [--only lstm,gemm]
//
// Cases: the whole-layer forward of LSTM(128) and SimpleRNN(128) over 28 steps × 28 features
// at batch 1 and 100 (inference: no tape), GEMM 512³ packed and NN (packing B in the call),
// packed GEMMs of the shapes an LSTM(128) layer multiplies, and the register-only peak probe. Values are ms per call: median and min over rounds.
import { readFileSync } from 'node:fs';
import { median } from './harness.js';

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  rnnPackedSize(cell: number, features: number, units: number, flags: number): number;
  rnnWorkSize(cell: number, batch: number, steps: number, features: number, units: number, flags: number): number;
  rnnPack(cell: number, features: number, units: number, flags: number, kernel: number, recurrentKernel: number, bias: number, packed: number): void;
  rnnForward(...args: number[]): void;
  gemmPackedSize(n: number, k: number): number;
  gemmPackB(transB: boolean, n: number, k: number, b: number, ldb: number, bias: number, packed: number): void;
  gemmPacked(m: number, n: number, k: number, a: number, lda: number, packed: number, c: number, ldc: number, accumulate: boolean): void;
  gemmScratchSize(transA: boolean, m: number, n: number, k: number): number;
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, bias: number, c: number, ldc: number, accumulate: boolean, scratch: number): void;
  peakProbe(iterations: number): number;
}

/** One case on one build: run() once per call; output() what must match across builds. */
interface Instance {
  run(): void;
  output(): Float32Array;
}

interface Case {
  name: string;
  /** Calls per timed round. */
  calls: number;
  make(ex: Exports): Instance;
}

const LSTM = 1;
const SIMPLE_RNN = 0;
const TANH = 3;
const SIGMOID = 2;
const STEPS = 28;
const FEATURES = 28;
const UNITS = 128;
const GEMM_SIZE = 512;

/** A bump allocator over the module's memory above heapBase, filled with seeded values. */
function heap(ex: Exports) {
  let top = (ex.heapBase() + 63) & ~63;
  let seed = 1;
  const take = (floats: number): number => {
    const at = top;
    top += (floats * 4 + 63) & ~63;
    const missing = top - ex.memory.buffer.byteLength;
    if (missing > 0) ex.memory.grow(Math.ceil(missing / 65536));
    return at;
  };
  const view = (at: number, floats: number) => new Float32Array(ex.memory.buffer, at, floats);
  /** floats in (−scale, scale) from a linear congruential generator, the same for every build. */
  const random = (floats: number, scale = 1): number => {
    const at = take(floats);
    let s = seed++ * 2654435761;
    view(at, floats).forEach((_, i, values) => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      values[i] = scale * ((s / 2 ** 32) * 2 - 1);
    });
    return at;
  };
  return { take, view, random };
}

function recurrentCase(cell: number, batch: number): Case {
  const gates = cell === LSTM ? 4 : 1;
  return {
    name: `${cell === LSTM ? 'LSTM' : 'SimpleRNN'}(${UNITS}) forward b${batch}`,
    calls: batch === 1 ? 200 : 4,
    make(ex) {
      const { take, view, random } = heap(ex);
      const GU = gates * UNITS;
      const [kernel, recurrent, bias] = [random(FEATURES * GU, 0.3), random(UNITS * GU, 0.15), random(GU, 0.1)];
      const packed = take(ex.rnnPackedSize(cell, FEATURES, UNITS, 0));
      ex.rnnPack(cell, FEATURES, UNITS, 0, kernel, recurrent, bias, packed);
      const x = random(batch * STEPS * FEATURES);
      const [h, c] = [take(batch * UNITS), take(batch * UNITS)];
      const work = take(ex.rnnWorkSize(cell, batch, STEPS, FEATURES, UNITS, 0));
      return {
        run: () => ex.rnnForward(cell, batch, STEPS, FEATURES, UNITS, 0, TANH, SIGMOID, x, packed, 0, 0, 0, 0, 0, 0, h, cell === LSTM ? c : 0, 0, work),
        output: () => view(h, batch * UNITS).slice(),
      };
    },
  };
}

/** C (m×n) = A (m×k) · B (k×n), B packed once outside the timed calls unless `packedOnly` is false. */
function gemmCase(packedOnly: boolean, m = GEMM_SIZE, k = GEMM_SIZE, n = GEMM_SIZE): Case {
  const cube = m === n && k === n;
  return {
    name: `GEMM ${cube ? `${n}³` : `${m}x${k}x${n}`} ${packedOnly ? 'packed' : 'NN'}`,
    calls: Math.max(3, Math.round(3e8 / (2 * m * k * n))),
    make(ex) {
      const { take, view, random } = heap(ex);
      const [a, b, c] = [random(m * k), random(k * n), take(m * n)];
      const packed = take(ex.gemmPackedSize(n, k));
      ex.gemmPackB(false, n, k, b, n, 0, packed);
      const scratch = take(ex.gemmScratchSize(false, m, n, k));
      return {
        run: packedOnly ? () => ex.gemmPacked(m, n, k, a, k, packed, c, n, false) : () => ex.gemm(false, false, m, n, k, a, k, b, n, 0, c, n, false, scratch),
        output: () => view(c, m * n).slice(),
      };
    },
  };
}

const PROBE: Case = {
  name: 'peak probe 2^20 iterations',
  calls: 3,
  make: (ex) => ({ run: () => ex.peakProbe(1 << 20), output: () => new Float32Array([ex.peakProbe(1 << 10)]) }),
};

const CASES = [
  recurrentCase(LSTM, 1),
  recurrentCase(LSTM, 100),
  recurrentCase(SIMPLE_RNN, 1),
  recurrentCase(SIMPLE_RNN, 100),
  gemmCase(true),
  gemmCase(false),
  gemmCase(true, 100, 128, 512), // the recurrent product of an LSTM(128) step at batch 100
  gemmCase(true, 28, 28, 512), // the input projection of one 28-step sequence
  gemmCase(true, 2800, 28, 512), // … and of 100 of them
  PROBE,
];

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

/** CPU ms per call of `calls` calls (user + system time of this process). */
function cpuMsPerCall(instance: Instance, calls: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) instance.run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / calls;
}

const files = process.argv.slice(2).filter((arg) => arg.endsWith('.wasm'));
if (files.length < 2) {
  console.error('usage: npx tsx bench/ab.ts before.wasm after.wasm [more.wasm …] [--rounds N] [--only name,name]');
  process.exit(2);
}
const rounds = Number(option('--rounds') ?? 20);
const only = option('--only')?.toLowerCase().split(',');
const builds = await Promise.all(files.map(async (file) => (await WebAssembly.instantiate(readFileSync(file), {})).instance.exports as unknown as Exports));
const names = files.map((file) => file.split('/').pop()!);

for (const c of CASES.filter((c) => !only || only.some((word) => c.name.toLowerCase().includes(word)))) {
  // A fresh instance per case would cost a compile each; the bump allocators simply go on growing.
  const instances = builds.map((ex) => c.make(ex));
  instances.forEach((instance) => cpuMsPerCall(instance, c.calls * 5)); // warm-up: V8 tiers up to TurboFan
  const expected = instances[0].output();
  const same = instances.map((instance) => {
    const got = instance.output();
    return got.length === expected.length && new Uint32Array(got.buffer).every((bits, i) => bits === new Uint32Array(expected.buffer)[i]);
  });
  const times = instances.map((): number[] => []);
  for (let round = 0; round < rounds; round++) instances.forEach((instance, i) => times[i].push(cpuMsPerCall(instance, c.calls)));
  const base = median(times[0]);
  console.log(c.name);
  instances.forEach((_, i) => {
    const ratio = i ? `  ${(base / median(times[i])).toFixed(3)}× the first` : '';
    console.log(`  ${names[i].padEnd(24)} median ${median(times[i]).toFixed(4)} ms  min ${Math.min(...times[i]).toFixed(4)} ms${ratio}${same[i] ? '' : '  DIFFERENT BITS'}`);
  });
}
