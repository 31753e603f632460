// Run by threads.test.ts in a fresh Node process (init() happens once per process): loads the
// built package entry, inits with the thread count in argv, and prints one JSON line with
// runtimeInfo(), the conformance hash and digests of GEMM results on odd shapes, of the
// recurrent kernels and of models trained with fit() (recurrent-digest.ts).
//   tsx test/threads/child.ts <threads> [--fetch-entry | --no-shared-memory | --missing-threads-module]
import { readFileSync } from 'node:fs';
import type * as Seqwasm from '../../src/index.js';
import { conformance } from '../runtimes/conformance.js';
import { kernelDigest, sha256, trainingDigest } from './recurrent-digest.js';

const threads = Number(process.argv[2]);
const flags = new Set(process.argv.slice(3));
if (flags.has('--no-shared-memory')) Reflect.deleteProperty(globalThis, 'SharedArrayBuffer');
const dist = new URL('../../dist/', import.meta.url);
const entry = flags.has('--fetch-entry') ? 'seqwasm.fetch.js' : 'seqwasm.node.js';
const seqwasm = (await import(new URL(entry, dist).href)) as typeof Seqwasm;
const threadsSource = flags.has('--missing-threads-module') ? '/nonexistent/seqwasm-threads.wasm' : undefined;
await seqwasm.init({ threads, source: readFileSync(new URL('seqwasm.wasm', dist)), ...(threadsSource && { threadsSource }) });

const SIZES = [1, 3, 17, 129, 513];

/**
 * SHA-256 over C of gemm (transposes, bias and accumulate cycling through all eight variants)
 * and gemmPacked on every m, n, k of SIZES, then on a batch-1 row large enough to be split
 * (gemm's unpacked path for m = 1; four in a row so that every variant meets it).
 */
async function gemmDigest(): Promise<string> {
  const { kernels } = seqwasm;
  const regions = seqwasm.arena();
  const rng = seqwasm.prng(7);
  const random = (length: number) => regions.fromArray(Float32Array.from({ length }, () => 2 * rng.float32() - 1));
  const shapes = [...SIZES.flatMap((m) => SIZES.flatMap((n) => SIZES.map((k) => [m, n, k]))), ...Array(4).fill([1, 1025, 1025])];
  const outputs: Float32Array[] = [];
  shapes.forEach(([m, n, k], variant) => {
    const transA = (variant & 1) !== 0;
    const transB = (variant & 2) !== 0;
    const accumulate = (variant & 4) !== 0;
    const [a, b, bias, c] = [random(m * k), random(k * n), random(n), random(m * n)];
    kernels.gemm({ a, b, c, m, n, k, transA, transB, accumulate, bias: accumulate ? bias : undefined });
    outputs.push(c.toArray());
    const packed = regions.allocF32(kernels.packedPanelSize(n, k));
    kernels.packWeights({ b, n, k, transB, bias, out: packed });
    kernels.gemmPacked({ a, packed, c, m, n, k, accumulate: !accumulate });
    outputs.push(c.toArray());
    for (const region of [a, b, bias, c, packed]) regions.free(region);
  });
  return sha256(outputs);
}

const gemm = await gemmDigest();
const info = seqwasm.runtimeInfo();
const hash = await conformance(seqwasm);
const conformanceThreadedCalls = seqwasm.runtimeInfo().threadedCalls - info.threadedCalls;
// The fallbacks run the plain module: their recurrent bits are the 1-thread run's by construction.
const recurrent = flags.size ? undefined : await kernelDigest(seqwasm);
const training = flags.size ? undefined : await trainingDigest(seqwasm);
const recurrentThreadedCalls = seqwasm.runtimeInfo().threadedCalls - info.threadedCalls - conformanceThreadedCalls;
// After reset() (a fresh shared memory) and after stopThreads(), the same bits.
const block = seqwasm.arena().allocF32(16 << 20);
seqwasm.arena().free(block);
const { memoryBytes } = await seqwasm.reset();
const afterReset = { info: seqwasm.runtimeInfo(), gemm: await gemmDigest(), memoryBytes };
await seqwasm.stopThreads();
const afterStop = { info: seqwasm.runtimeInfo(), gemm: await gemmDigest() };
console.log(JSON.stringify({ info, gemm, hash, conformanceThreadedCalls, recurrent, training, recurrentThreadedCalls, afterReset, afterStop }));
