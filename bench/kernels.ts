// npm run bench:kernels [-- --json]: GEMM (NN/NT/TN, packed), activations and the
// register-only peak probe, with TF.js wasm matMul as the peer, and the relaxed-SIMD GEMM
// against the default one, all in this one process; then GEMM 512³ on 2 threads against 1
// (bench/threads.ts, in child processes).
// Also the "kernels" suite of npm run bench; assumes init() was awaited when imported.
import { readFileSync } from 'node:fs';
import { init } from '../src/node.js';
import { isMain, report, type Row, type SuiteOptions } from './harness.js';
import { gemmRows } from './kernels/gemm.js';
import { activationRows } from './kernels/activations.js';
import { relaxedGemmRows } from './kernels/gemm-relaxed.js';
import { threadRows } from './threads.js';

export async function kernelRows(options: SuiteOptions = {}): Promise<Row[]> {
  return [...(await gemmRows(options)), ...(await activationRows(options)), ...(await relaxedGemmRows(options)), ...(await threadRows(options))];
}

if (isMain(import.meta.url)) {
  await init(readFileSync(new URL('../dist/seqwasm.wasm', import.meta.url)));
  report(await kernelRows({ quick: process.argv.includes('--quick') }));
}
