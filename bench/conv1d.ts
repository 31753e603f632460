// npx tsx bench/conv1d.ts [--json] [--quick]: the conv1d layer's im2col form (one window
// matrix, one packed GEMM; what layers/conv.ts does) against a direct form (one packed GEMM
// per tap over x read in place, accumulated), forward and forward + backward, on B=32,
// T=128, 16 channels, 32 filters, k=5, 'valid' (the direct form's best case: no padding).
// Both use the same Wasm GEMM; their outputs are checked to agree before anything is timed.
// GFLOP/s from CPU time (see cpuMsPerCall), in interleaved rounds; the ratio is the median of
// the per-round ratios.
import { readFileSync } from 'node:fs';
import { arena, init } from '../src/node.js';
import { columnSums, copy, fill } from '../src/kernels/elementwise.js';
import { gemm, gemmPacked, packedPanelSize, packWeights } from '../src/kernels/gemm.js';
import { addRowToEach, col2im1d, im2col1d } from '../src/kernels/sequence.js';
import { windowLayout } from '../src/layers/conv.js';
import { compareInRounds, isMain, report, type Contestant, type Row, type SuiteOptions } from './harness.js';

const [B, T, C, F, K] = [32, 128, 16, 32, 5];

/**
 * CPU milliseconds of this process per call of `run`, over calls for `budgetMs` of wall time.
 * The VMs these run on are shared (load averages of 20 on 2 cores were seen): a call longer
 * than a scheduler slice waits for other processes, which wall time would count.
 */
function cpuMsPerCall(run: () => void, budgetMs: number): number {
  const start = performance.now();
  const cpu = process.cpuUsage();
  let calls = 0;
  while (calls < 3 || performance.now() - start < budgetMs) {
    run();
    calls++;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / calls;
}

export async function conv1dRows({ quick = false }: SuiteOptions = {}): Promise<Row[]> {
  const memory = arena();
  const { outSteps, padLeft } = windowLayout(T, K, 1, 'valid');
  const window = { batch: B, steps: T, channels: C, taps: K, stride: 1, dilation: 1, padLeft, outSteps };
  const rows = B * outSteps;
  const random = (n: number) => Float32Array.from({ length: n }, (_, i) => ((i * 2654435761) % 1000) / 500 - 1);
  const x = memory.fromArray(random(B * T * C));
  const kernel = memory.fromArray(random(K * C * F));
  const bias = memory.fromArray(random(F));
  const dy = memory.fromArray(random(rows * F));
  const y = memory.allocF32(rows * F);
  const dx = memory.allocF32(B * T * C);
  const dKernel = memory.allocF32(K * C * F);
  const dBias = memory.allocF32(F);
  const zeros = memory.allocF32(B * T * F);

  // im2col: the window matrix and the whole kernel packed once (with the bias), and transposed for dx.
  const cols = memory.allocF32(rows * K * C);
  const dcols = memory.allocF32(rows * K * C);
  const packed = memory.allocF32(packedPanelSize(F, K * C));
  const packedT = memory.allocF32(packedPanelSize(K * C, F));
  packWeights({ b: kernel, n: F, k: K * C, bias, out: packed });
  packWeights({ b: kernel, n: K * C, k: F, transB: true, out: packedT });
  const im2colForward = () => {
    im2col1d(x, cols, window);
    gemmPacked({ a: cols, packed, c: y, m: rows, n: F, k: K * C });
  };
  const im2colStep = () => {
    im2colForward();
    gemm({ a: cols, b: dy, c: dKernel, m: K * C, n: F, k: rows, transA: true, accumulate: true });
    columnSums(dy, dBias, rows, F, true);
    gemmPacked({ a: dy, packed: packedT, c: dcols, m: rows, n: K * C, k: F });
    col2im1d(dcols, dx, window);
  };

  // direct: each tap's C×F slice packed on its own (no bias), and transposed for dx. The batch
  // is read as one long sequence of B·T steps, so each tap is one GEMM over all its rows:
  // full[r] = Σ_j x[r + j]·W_j for r < B·T − (k − 1); row b·T + t is output (b, t) for t < Tout,
  // and the rows that straddle two samples are computed and dropped.
  const fullRows = B * T - (K - 1);
  const full = memory.allocF32(B * T * F);
  const dFull = memory.allocF32(B * T * F);
  const taps = Array.from({ length: K }, (_, j) => {
    const slice = kernel.sub(j * C * F, C * F);
    const forward = memory.allocF32(packedPanelSize(F, C));
    const transposed = memory.allocF32(packedPanelSize(C, F));
    packWeights({ b: slice, n: F, k: C, out: forward });
    packWeights({ b: slice, n: C, k: F, transB: true, out: transposed });
    return { forward, transposed, x: x.sub(j * C, fullRows * C), dx: dx.sub(j * C, fullRows * C), dSlice: dKernel.sub(j * C * F, C * F) };
  });
  const directForward = () => {
    addRowToEach(zeros, bias, full, fullRows, F);
    for (const tap of taps) gemmPacked({ a: tap.x, packed: tap.forward, c: full, m: fullRows, n: F, k: C, accumulate: true });
    for (let b = 0; b < B; b++) copy(full.sub(b * T * F, outSteps * F), y.sub(b * outSteps * F, outSteps * F));
  };
  const directStep = () => {
    directForward();
    columnSums(dy, dBias, rows, F, true);
    fill(dFull, 0); // the straddling rows get no gradient
    for (let b = 0; b < B; b++) copy(dy.sub(b * outSteps * F, outSteps * F), dFull.sub(b * T * F, outSteps * F));
    fill(dx, 0);
    const dRows = dFull.sub(0, fullRows * F);
    for (const tap of taps) {
      gemm({ a: tap.x, b: dRows, c: tap.dSlice, m: C, n: F, k: fullRows, transA: true, accumulate: true });
      gemmPacked({ a: dRows, packed: tap.transposed, c: tap.dx, m: fullRows, n: C, k: F, accumulate: true });
    }
  };

  im2colForward();
  const expected = y.toArray();
  directForward();
  const got = y.toArray();
  const worst = expected.reduce((w, v, i) => Math.max(w, Math.abs(v - got[i])), 0);
  if (worst > 1e-4) throw new Error(`the direct form disagrees with im2col by ${worst}`);

  const flops = 2 * rows * K * C * F;
  const budget = quick ? 100 : 500;
  const rounds = quick ? 2 : 7;
  const results: Row[] = [];
  for (const [label, im2colRun, directRun, passes] of [
    ['forward', im2colForward, directForward, 1],
    ['forward + backward', im2colStep, directStep, 3],
  ] as const) {
    const gflops = async (run: () => void) => (passes * flops) / (cpuMsPerCall(run, budget) * 1e6);
    const contestants: Contestant[] = [
      { label: 'im2col', measure: () => gflops(im2colRun), warmUp: async () => cpuMsPerCall(im2colRun, budget) },
      { label: 'direct (one GEMM per tap)', measure: () => gflops(directRun), warmUp: async () => cpuMsPerCall(directRun, budget) },
    ];
    results.push(...(await compareInRounds({ name: `conv1d ${label} B=${B} T=${T} C=${C} F=${F} k=${K} valid, im2col`, unit: 'GFLOP/s', higherIsBetter: true }, contestants, rounds)));
  }
  return results;
}

if (isMain(import.meta.url)) {
  await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));
  report(await conv1dRows({ quick: process.argv.includes('--quick') }));
}
