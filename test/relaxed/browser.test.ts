// init({ relaxedSimd: true }) in Chromium (Debian's, which validates relaxed SIMD without a
// flag): the fetch entry finds seqwasm-relaxed.wasm beside itself, its GEMMs stay within the
// float64 bound, and a module that cannot be fetched falls back to the default one.
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, runPage, serve } from '../../scripts/runtimes/launch.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/**
 * The page's script (the served CSP allows no inline script): init() with the options in its
 * URL, then the multiply-add probe of child.ts on the batch-1 and tiled paths and the worst GEMM
 * error against a float64 reference on shapes from 1, 3, 17 and 129.
 */
const PAGE_SCRIPT = `
import * as seqwasm from './seqwasm.fetch.js';
const missing = new URL(location.href).searchParams.has('missing');
await seqwasm.init({ relaxedSimd: true, ...(missing && { relaxedSimdSource: './nonexistent-relaxed.wasm' }) });
const { kernels, arena } = seqwasm;
const region = (values) => arena().fromArray(values);
const x = 1 + 2 ** -12;
const readings = [1, 5].map((m) => {
  const c = region(new Float32Array(m));
  kernels.gemm({ a: region(new Float32Array(m).fill(x)), b: region(Float32Array.of(x)), bias: region(Float32Array.of(-1)), c, m, n: 1, k: 1 });
  return c.toArray()[m - 1];
});
const rng = seqwasm.prng(3);
let worst = 0;
for (const [m, n, k] of [[1, 129, 17], [3, 17, 129], [17, 3, 1], [129, 129, 3]]) {
  const a = Float32Array.from({ length: m * k }, () => 2 * rng.float32() - 1);
  const b = Float32Array.from({ length: k * n }, () => 2 * rng.float32() - 1);
  const c = region(new Float32Array(m * n));
  kernels.gemm({ a: region(a), b: region(b), c, m, n, k });
  const got = c.toArray();
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let sum = 0, size = 0;
    for (let p = 0; p < k; p++) { sum += a[i * k + p] * b[p * n + j]; size += Math.abs(a[i * k + p] * b[p * n + j]); }
    worst = Math.max(worst, Math.abs(got[i * n + j] - sum) / size);
  }
}
console.log('seqwasm-result ' + JSON.stringify({ info: seqwasm.runtimeInfo(), readings, worst }));
`;

interface Result {
  info: { relaxedSimd: boolean; relaxedSimdFallback?: string };
  readings: number[];
  worst: number;
}

describe('init({ relaxedSimd: true }) in Chromium', () => {
  let dir: string;
  let server: Server;
  let browser: Browser;
  let origin: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seqwasm-relaxed-'));
    for (const file of readdirSync(DIST).filter((f) => /^seqwasm.*\.(js|wasm)$/.test(f))) copyFileSync(join(DIST, file), join(dir, file));
    writeFileSync(join(dir, 'page.js'), PAGE_SCRIPT);
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="./page.js"></script>');
    server = await serve(dir);
    browser = await launchChromium();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = async (query: string) => (await runPage(browser, `${origin}/index.html${query}`)).result as unknown as Result;

  it('runs the relaxed module fetched from beside the entry, within the float64 bound', async () => {
    const relaxed = await open('');
    expect(relaxed.info).toMatchObject({ relaxedSimd: true });
    expect(relaxed.info.relaxedSimdFallback).toBeUndefined();
    expect([2 ** -11, 2 ** -11 + 2 ** -24]).toContain(relaxed.readings[0]);
    expect(relaxed.readings[1]).toBe(relaxed.readings[0]);
    expect(relaxed.worst).toBeLessThan(1e-5);
  });

  it('falls back to the default module when the relaxed one cannot be fetched', async () => {
    const fallback = await open('?missing');
    expect(fallback.info.relaxedSimd).toBe(false);
    expect(fallback.info.relaxedSimdFallback).toMatch(/^the relaxed-SIMD module could not load: init\(input\): fetching .*nonexistent-relaxed.wasm failed with HTTP 404/);
    expect(fallback.readings).toEqual([2 ** -11, 2 ** -11]);
  });
});
