// init({ threads }): the same bits for every thread count, and a silent, visible fallback.
// Each case runs test/threads/child.ts in a fresh Node process (init() happens once per
// process) against the built package entry, whose pool workers run that same entry file.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { init, runtimeInfo } from '../../src/index.js';

const expectedHash = readFileSync(new URL('../runtimes/expected-hash.txt', import.meta.url), 'utf8').trim();
const child = new URL('./child.ts', import.meta.url).pathname;

interface Info {
  threads: number;
  threadsRequested: number;
  sharedMemory: boolean;
  threadsFallback?: string;
  threadedCalls: number;
}

interface ChildReport {
  info: Info;
  gemm: string;
  hash: string;
  conformanceThreadedCalls: number;
  recurrent: string;
  training: string;
  recurrentThreadedCalls: number;
  afterReset: { info: Info; gemm: string; memoryBytes: number };
  afterStop: { info: Info; gemm: string };
}

/** A child's time limit (a test's children run at once, on a machine that may be busy). */
const CHILD_MS = 150_000;

/** Runs the child; a pool worker that kept the process alive would end this in the timeout. */
async function run(threads: number, ...flags: string[]): Promise<ChildReport> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, String(threads), ...flags], { timeout: CHILD_MS });
  return JSON.parse(stdout) as ChildReport;
}

describe('init({ threads })', () => {
  it('gives the conformance hash, the single-thread GEMM bits (odd shapes 1…513) and recurrent layers\' bits (batches 1, 3, 17; units 1, 3, 129; training LSTM, GRU, SimpleRNN, Bidirectional, masked) with 1, 2 and 4 threads, also after reset()', async () => {
    const [one, two, four] = await Promise.all([run(1), run(2), run(4)]);
    expect(one.info).toMatchObject({ threads: 1, threadsRequested: 1, sharedMemory: false, threadedCalls: 0 });
    expect(one.hash).toBe(expectedHash);
    for (const [threads, report] of [[2, two], [4, four]] as const) {
      expect(report.info).toMatchObject({ threads, threadsRequested: threads, sharedMemory: true });
      expect(report.info.threadsFallback).toBeUndefined();
      // The GEMM shapes above 2^18 multiply-adds were split across the workers.
      expect(report.info.threadedCalls).toBeGreaterThan(10);
      expect(report.gemm).toBe(one.gemm);
      expect(report.hash).toBe(expectedHash);
      // Recurrent layers split by samples and gradient columns (recurrent-digest.ts), with the plain module's bits.
      expect(report.recurrentThreadedCalls).toBeGreaterThan(100);
      expect(report.recurrent).toBe(one.recurrent);
      expect(report.training).toBe(one.training);
      expect(report.afterReset.info.threads).toBe(threads);
      expect(report.afterReset.gemm).toBe(one.gemm);
      expect(report.afterReset.memoryBytes).toBeLessThan(16 << 20);
      expect(report.afterStop.info).toMatchObject({ threads: 1, threadsRequested: threads, threadsFallback: 'the workers were stopped by stopThreads()' });
      expect(report.afterStop.gemm).toBe(one.gemm);
    }
  }, CHILD_MS + 10_000);

  it('falls back to one thread, with the same bits, where the runtime has no Web Workers or no shared memory, or the threads fail to start', async () => {
    const [reference, fetchEntry, noShared, missing] = await Promise.all([run(1), run(2, '--fetch-entry'), run(3, '--no-shared-memory'), run(2, '--missing-threads-module')]);
    expect(fetchEntry.info).toMatchObject({ threads: 1, threadsRequested: 2, sharedMemory: false, threadedCalls: 0 });
    expect(fetchEntry.info.threadsFallback).toBe('this runtime has no Web Workers'); // Node 20 has no global Worker
    expect(noShared.info).toMatchObject({ threads: 1, threadsRequested: 3, sharedMemory: false, threadedCalls: 0 });
    expect(noShared.info.threadsFallback).toMatch(/shared WebAssembly.Memory is unavailable/);
    expect(missing.info).toMatchObject({ threads: 1, threadsRequested: 2, sharedMemory: false, threadedCalls: 0 });
    expect(missing.info.threadsFallback).toMatch(/^the threads could not start: init\(input\): could not read \/nonexistent\/seqwasm-threads.wasm: ENOENT.*seqwasm-threads.wasm$/);
    for (const report of [fetchEntry, noShared, missing]) {
      expect(report.hash).toBe(expectedHash);
      expect(report.gemm).toBe(reference.gemm);
    }
  }, CHILD_MS + 10_000);

  it('refuses a bad thread count or an unknown option by name, even after init()', async () => {
    await expect(init({ threads: 0 })).rejects.toThrow('init(options): threads: expected an integer from 1 to 64, got 0');
    await expect(init({ threads: 2.5 })).rejects.toThrow(RangeError);
    await expect(init({ thread: 2 } as never)).rejects.toThrow("init(options): unknown option 'thread'");
  });

  it('reports one thread and no shared memory for a plain init()', () => {
    expect(runtimeInfo()).toEqual({ threads: 1, threadsRequested: 1, sharedMemory: false, simd: true, threadedCalls: 0, relaxedSimd: false, training: true });
  });
});
