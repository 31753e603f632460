// Run by relaxed.test.ts in a fresh Node process (init() happens once per process), with or
// without --experimental-wasm-relaxed-simd: loads the built Node entry, inits with the options
// named in argv, and prints one JSON line: runtimeInfo(), the GEMM error against a float64
// reference on odd shapes, the fused-or-not reading of one multiply-add, a short training run
// and, with --conformance, the conformance hash.
//   tsx test/relaxed/child.ts [--threads=N] [--missing-relaxed-module] [--conformance]
import type * as Seqwasm from '../../src/index.js';
import { conformance } from '../runtimes/conformance.js';

const flags = new Set(process.argv.slice(2));
const threads = Number(process.argv.find((a) => a.startsWith('--threads='))?.slice('--threads='.length) ?? 1);
const seqwasm = (await import(new URL('../../dist/seqwasm.node.js', import.meta.url).href)) as typeof Seqwasm;
await seqwasm.init({ relaxedSimd: true, threads, ...(flags.has('--missing-relaxed-module') && { relaxedSimdSource: '/nonexistent/seqwasm-relaxed.wasm' }) });
const { kernels } = seqwasm;
const regions = seqwasm.arena();

const SIZES = [1, 3, 17, 129];

/**
 * The worst |C − reference| / Σ|terms| over every element of gemm (all four transposes,
 * overwriting and accumulating with a bias) and gemmPacked, on every m, n, k of SIZES;
 * the terms are the products, the bias and the old C.
 */
function gemmWorstError(): { worst: number; cases: number } {
  const rng = seqwasm.prng(11);
  const random = (length: number) => Float32Array.from({ length }, () => 2 * rng.float32() - 1);
  let worst = 0;
  let cases = 0;
  for (const m of SIZES) for (const n of SIZES) for (const k of SIZES) {
    for (let variant = 0; variant < 8; variant++) {
      const transA = (variant & 1) !== 0;
      const transB = (variant & 2) !== 0;
      const accumulate = (variant & 4) !== 0;
      const [a, b, bias, c] = [random(m * k), random(k * n), random(n), random(m * n)];
      const at = (i: number, p: number) => (transA ? a[p * m + i] : a[i * k + p]);
      const bt = (p: number, j: number) => (transB ? b[j * k + p] : b[p * n + j]);
      const regionsUsed = [a, b, bias, c].map((values) => regions.fromArray(values));
      const [ra, rb, rbias, rc] = regionsUsed;
      const packed = regions.allocF32(kernels.packedPanelSize(n, k));
      regionsUsed.push(packed);
      // gemm with op(A), op(B); then gemmPacked (A as stored when not transposed) accumulating on top.
      kernels.gemm({ a: ra, b: rb, c: rc, m, n, k, transA, transB, accumulate, bias: accumulate ? rbias : undefined });
      const afterGemm = rc.toArray();
      kernels.packWeights({ b: rb, n, k, transB, bias: rbias, out: packed });
      if (!transA) kernels.gemmPacked({ a: ra, packed, c: rc, m, n, k, accumulate: true });
      const afterPacked = rc.toArray();
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let sum = accumulate ? c[i * n + j] + bias[j] : 0;
          let size = accumulate ? Math.abs(c[i * n + j]) + Math.abs(bias[j]) : 0;
          for (let p = 0; p < k; p++) {
            sum += at(i, p) * bt(p, j);
            size += Math.abs(at(i, p) * bt(p, j));
          }
          worst = Math.max(worst, Math.abs(afterGemm[i * n + j] - sum) / size);
          if (!transA) {
            let packedSum = afterGemm[i * n + j] + bias[j];
            let packedSize = Math.abs(afterGemm[i * n + j]) + Math.abs(bias[j]);
            for (let p = 0; p < k; p++) {
              packedSum += at(i, p) * bt(p, j);
              packedSize += Math.abs(at(i, p) * bt(p, j));
            }
            worst = Math.max(worst, Math.abs(afterPacked[i * n + j] - packedSum) / packedSize);
          }
        }
      }
      for (const region of regionsUsed) regions.free(region);
      cases++;
    }
  }
  return { worst, cases };
}

/**
 * bias + a·b for a = b = 1 + 2⁻¹², bias = −1, on the batch-1 path (m = 1) and the tiled path
 * (m = 5): exactly 2⁻¹¹ + 2⁻²⁴, which a separate f32 mul rounds to 2⁻¹¹ and a fused
 * multiply-add keeps.
 */
function multiplyAddReadings(): number[] {
  const x = 1 + 2 ** -12;
  return [1, 5].map((m) => {
    const [a, b, bias, c] = [new Float32Array(m).fill(x), Float32Array.of(x), Float32Array.of(-1), new Float32Array(m)].map((v) => regions.fromArray(v));
    kernels.gemm({ a, b, c, m, n: 1, k: 1, bias });
    const value = c.toArray()[m - 1];
    for (const region of [a, b, bias, c]) regions.free(region);
    return value;
  });
}

/** Next letter of the alphabet from the 5 before it: LSTM(16) + softmax, Adam, whole-batch steps. */
async function trainAlphabet(): Promise<{ first: number; last: number; accuracy: number }> {
  const samples = 21;
  const x = new Float32Array(samples * 5 * 26);
  const y = new Float32Array(samples * 26);
  for (let s = 0; s < samples; s++) {
    for (let t = 0; t < 5; t++) x[(s * 5 + t) * 26 + s + t] = 1;
    y[s * 26 + s + 5] = 1;
  }
  const model = seqwasm.sequential({ seed: 5, layers: [seqwasm.layers.lstm({ units: 16, inputShape: [5, 26] }), seqwasm.layers.dense({ units: 26, activation: 'softmax' })] });
  model.compile({ optimizer: seqwasm.optimizers.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit({ shape: [samples, 5, 26], data: x }, { shape: [samples, 26], data: y }, { epochs: 150, batchSize: samples, shuffle: false, verbose: 0 });
  model.dispose();
  const loss = history.history.loss as number[];
  const accuracy = history.history.accuracy as number[];
  return { first: loss[0], last: loss[loss.length - 1], accuracy: accuracy[accuracy.length - 1] };
}

const info = seqwasm.runtimeInfo();
const gemm = gemmWorstError();
const readings = multiplyAddReadings();
const training = await trainAlphabet();
const hash = flags.has('--conformance') ? await conformance(seqwasm) : undefined;
console.log(JSON.stringify({ info, gemm, readings, training, hash }));
