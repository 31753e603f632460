// init({ relaxedSimd: true }): the relaxed-SIMD module (dist/seqwasm-relaxed.wasm, GEMM
// micro-kernels on relaxed_madd) validates, its GEMMs match a float64 reference on odd shapes,
// training converges on it, and the default module is taken, silently and visibly in
// runtimeInfo(), wherever it cannot run. Each case runs test/relaxed/child.ts in a fresh Node
// process: Node 20 validates relaxed SIMD only with --experimental-wasm-relaxed-simd.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { init } from '../../src/index.js';

const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const expectedHash = readFileSync(new URL('../runtimes/expected-hash.txt', import.meta.url), 'utf8').trim();
const relaxedBytes = () => readFileSync(new URL('../../dist/seqwasm-relaxed.wasm', import.meta.url));
const child = new URL('./child.ts', import.meta.url).pathname;

/**
 * The bound on |C − reference| / Σ|terms| for K ≤ 129 products summed in float32 with the bias
 * and old C: γ(K+2) = 7.8e-6 whether each multiply-add rounds once (fused) or twice, as in
 * test/kernels/gemm.test.ts; a missing or doubled term is an error of about 1/K.
 */
const TOLERANCE = 1e-5;
/** bias + a·b of the child's multiply-add probe: rounded twice (mul, then add), or fused. */
const UNFUSED = 2 ** -11;
const FUSED = 2 ** -11 + 2 ** -24;

interface ChildReport {
  info: { threads: number; relaxedSimd: boolean; relaxedSimdFallback?: string; threadsFallback?: string };
  gemm: { worst: number; cases: number };
  readings: number[];
  training: { first: number; last: number; accuracy: number };
  hash?: string;
}

async function run(nodeFlags: string[], ...args: string[]): Promise<ChildReport> {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeFlags, '--import', 'tsx', child, ...args], { timeout: 120_000 });
  return JSON.parse(stdout) as ChildReport;
}

describe('init({ relaxedSimd: true })', () => {
  it('builds a module that only an engine with relaxed SIMD validates', async () => {
    const bytes = relaxedBytes();
    // This process runs without the flag: Node 20 refuses the relaxed_madd instructions.
    expect(WebAssembly.validate(bytes)).toBe(false);
    const { stdout } = await promisify(execFile)(process.execPath, [RELAXED_FLAG, '-e', `process.stdout.write(String(WebAssembly.validate(require('fs').readFileSync(${JSON.stringify(new URL('../../dist/seqwasm-relaxed.wasm', import.meta.url).pathname)}))))`]);
    expect(stdout).toBe('true');
  });

  it('runs the relaxed module where it validates: GEMMs within the float64 bound on shapes 1, 3, 17, 129, and training converges', async () => {
    const report = await run([RELAXED_FLAG]);
    expect(report.info).toMatchObject({ threads: 1, relaxedSimd: true });
    expect(report.info.relaxedSimdFallback).toBeUndefined();
    expect(report.gemm.cases).toBe(4 ** 3 * 8);
    expect(report.gemm.worst).toBeLessThan(TOLERANCE);
    // Each engine may fuse or not, but the same way on both kernel paths (batch 1 and tiled).
    expect([UNFUSED, FUSED]).toContain(report.readings[0]);
    expect(report.readings[1]).toBe(report.readings[0]);
    expect(report.training.accuracy).toBe(1);
    expect(report.training.last).toBeLessThan(report.training.first / 100);
  });

  it('falls back to the default module, with its bits, where validate refuses it, the file is missing or threads run', async () => {
    const [refused, missing, threaded] = await Promise.all([
      run([], '--conformance'),
      run([RELAXED_FLAG], '--missing-relaxed-module'),
      run([RELAXED_FLAG], '--threads=2'),
    ]);
    expect(refused.info).toMatchObject({ relaxedSimd: false, relaxedSimdFallback: 'WebAssembly.validate refused seqwasm-relaxed.wasm: this engine lacks relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)' });
    expect(missing.info.relaxedSimd).toBe(false);
    expect(missing.info.relaxedSimdFallback).toMatch(/^the relaxed-SIMD module could not load: init\(input\): could not read \/nonexistent\/seqwasm-relaxed.wasm: ENOENT/);
    expect(threaded.info).toMatchObject({ threads: 2, relaxedSimd: false, relaxedSimdFallback: 'the threaded module of init({ threads }) runs plain SIMD; relaxed SIMD applies only on one thread' });
    for (const report of [refused, missing, threaded]) {
      expect(report.readings).toEqual([UNFUSED, UNFUSED]);
      expect(report.gemm.worst).toBeLessThan(TOLERANCE);
    }
    expect(refused.hash).toBe(expectedHash);
  });

  it('refuses a relaxedSimd that is not a boolean, by name', async () => {
    await expect(init({ relaxedSimd: 'yes' as never })).rejects.toThrow('init(options): relaxedSimd: expected true or false, got string');
    await expect(init({ relaxedSimdSorce: 'x' } as never)).rejects.toThrow("init(options): unknown option 'relaxedSimdSorce'; expected source, threads, threadsSource, relaxedSimd or relaxedSimdSource");
  });
});
