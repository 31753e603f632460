// init({ threads }) in Chromium: pool workers are Web Workers, started from a Web Worker of a
// cross-origin isolated page (COOP + COEP); the bits match one thread. A page's main thread,
// and a worker of a page without isolation, fall back to one thread and say why.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, runPage } from '../../scripts/runtimes/launch.js';

const DIST = new URL('../../dist/', import.meta.url);

/** A user's module worker: init({ threads }) with the count in its URL, then GEMMs on odd shapes. */
const USER_WORKER = `
import * as seqwasm from './seqwasm.fetch.js';
const threads = Number(new URL(location.href).searchParams.get('threads'));
await seqwasm.init({ threads });
const { kernels, arena } = seqwasm;
const rng = seqwasm.prng(11);
const outputs = [];
let variant = 0;
for (const [m, n, k] of [[513, 129, 17], [1, 513, 513], [3, 513, 129], [129, 17, 513], [17, 513, 129]]) {
  const transA = (variant & 1) === 1, transB = (variant & 2) === 2;
  variant++;
  const random = (length) => arena().fromArray(Float32Array.from({ length }, () => 2 * rng.float32() - 1));
  const a = random(m * k), b = random(k * n), bias = random(n), c = random(m * n);
  kernels.gemm({ a, b, c, m, n, k, transA, transB, bias, accumulate: true });
  outputs.push(c.toArray());
}
const all = new Float32Array(outputs.reduce((length, c) => length + c.length, 0));
outputs.reduce((at, c) => (all.set(c, at), at + c.length), 0);
const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
postMessage({ info: seqwasm.runtimeInfo(), digest: Array.from(digest, (x) => x.toString(16).padStart(2, '0')).join('') });
`;

/** The page: runs the user worker (or, with main=1, init({ threads }) itself) and prints the result. */
const PAGE = `<!doctype html><script type="module">
const params = new URL(location.href).searchParams;
const print = (result) => console.log('seqwasm-result ' + JSON.stringify(result));
if (params.get('main')) {
  const seqwasm = await import('./seqwasm.fetch.js');
  await seqwasm.init({ threads: 2 });
  print({ info: seqwasm.runtimeInfo() });
} else {
  const worker = new Worker('./user-worker.js?threads=' + params.get('threads'), { type: 'module' });
  worker.onmessage = (event) => print(event.data);
  worker.onerror = (event) => console.log('seqwasm-error ' + event.message);
}
</script>`;

const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', wasm: 'application/wasm' };

/** Serves the page, the user worker and dist/; under /isolated/ with COOP and COEP. */
function serve(): Promise<Server> {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const isolated = path.startsWith('/isolated/');
    const file = path.replace(/^\/(isolated|plain)\//, '');
    const headers: Record<string, string> = { 'content-type': TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream', 'cache-control': 'no-store' };
    if (isolated) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    try {
      const body = file === 'index.html' ? PAGE : file === 'user-worker.js' ? USER_WORKER : await readFile(new URL(file.replace(/[^\w.-]/g, ''), DIST));
      response.writeHead(200, headers).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Result {
  info: { threads: number; threadsRequested: number; sharedMemory: boolean; threadsFallback?: string; threadedCalls: number };
  digest?: string;
}

describe('init({ threads }) in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let origin: string;
  beforeAll(async () => {
    server = await serve();
    browser = await launchChromium();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });
  const open = async (path: string) => (await runPage(browser, `${origin}/${path}`)).result as unknown as Result;

  it('splits GEMMs across Web Workers in a worker of an isolated page, with the bits of one thread', async () => {
    const one = await open('isolated/index.html?threads=1');
    expect(one.info).toMatchObject({ threads: 1, sharedMemory: false, threadedCalls: 0 });
    for (const threads of [2, 4]) {
      const many = await open(`isolated/index.html?threads=${threads}`);
      expect(many.info).toMatchObject({ threads, threadsRequested: threads, sharedMemory: true });
      expect(many.info.threadedCalls).toBeGreaterThan(0);
      expect(many.digest).toBe(one.digest);
    }
  });

  it("falls back to one thread on a page's main thread and in a worker of a page without isolation", async () => {
    const main = await open('isolated/index.html?main=1');
    expect(main.info).toMatchObject({ threads: 1, threadsRequested: 2, sharedMemory: false });
    expect(main.info.threadsFallback).toMatch(/main thread may not block/);
    const plain = await open('plain/index.html?threads=2');
    expect(plain.info).toMatchObject({ threads: 1, threadsRequested: 2, sharedMemory: false });
    expect(plain.info.threadsFallback).toMatch(/not cross-origin isolated/);
    const isolated = await open('isolated/index.html?threads=1');
    expect(plain.digest).toBe(isolated.digest);
  });
});
