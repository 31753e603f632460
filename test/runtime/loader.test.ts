// init() with every accepted input kind, each against a fresh copy of the module state.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const wasmUrl = new URL('../../dist/seqwasm.wasm', import.meta.url);
const bytes = readFileSync(wasmUrl);

/** A fresh import of the Node entry, as a new process would see it. */
async function freshNodeEntry() {
  vi.resetModules();
  return import('../../src/node.js');
}

/** init() succeeded when a kernel-free call through the arena works. */
async function expectUsable(entry: Awaited<ReturnType<typeof freshNodeEntry>>) {
  expect(entry.isInitialized()).toBe(true);
  const r = entry.arena().fromArray([1, 2, 3]);
  expect(Array.from(r.toArray())).toEqual([1, 2, 3]);
}

describe('init()', () => {
  const sources: Record<string, () => unknown> = {
    'WebAssembly.Module': () => new WebAssembly.Module(bytes),
    ArrayBuffer: () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    Uint8Array: () => new Uint8Array(bytes),
    Response: () => new Response(bytes, { headers: { 'content-type': 'application/wasm' } }),
    'file URL object': () => wasmUrl,
    'file URL string': () => wasmUrl.href,
    'path string': () => fileURLToPath(wasmUrl),
  };
  for (const [kind, make] of Object.entries(sources)) {
    it(`accepts a ${kind}`, async () => {
      const entry = await freshNodeEntry();
      await entry.init(make() as never);
      await expectUsable(entry);
    });
  }

  it('is idempotent: repeated calls share one instance', async () => {
    const entry = await freshNodeEntry();
    const first = entry.init(bytes);
    expect(entry.init(new Uint8Array(0))).toBe(first); // the second input is never looked at
    await first;
    const region = entry.arena().allocF32(4);
    await entry.init();
    expect(entry.arena().check('r', region, 4)).toBe(region.offset);
  });

  it('throws a clear error before init()', async () => {
    const entry = await freshNodeEntry();
    expect(entry.isInitialized()).toBe(false);
    expect(() => entry.arena()).toThrow(/not initialised; call and await init\(\) first/);
  });

  const bad: Record<string, [() => unknown, RegExp]> = {
    number: [() => 42, /expected a WebAssembly.Module, BufferSource, Response, URL or string, got number/],
    'plain object': [() => ({}), /got Object/],
    'invalid bytes': [() => new Uint8Array([0, 1, 2, 3]), /could not instantiate the module/],
    'a foreign module': [() => new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), /not a seqwasm module/],
    'a failed HTTP response': [() => new Response('nope', { status: 404 }), /failed with HTTP 404/],
    'a missing file': [() => '/nonexistent/seqwasm.wasm', /^init\(input\): could not read \/nonexistent\/seqwasm\.wasm: ENOENT.*check that the path or URL points to seqwasm\.wasm$/],
    'a missing relative path': [() => 'bad/path', /^init\(input\): could not read bad\/path: ENOENT/],
  };
  for (const [kind, [make, message]] of Object.entries(bad)) {
    it(`rejects ${kind} with a clear error, and can be retried`, async () => {
      const entry = await freshNodeEntry();
      const error = await entry.init(make() as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(entry.SeqwasmInitError);
      expect((error as Error).message).toMatch(message);
      expect(entry.isInitialized()).toBe(false);
      await entry.init(bytes);
      await expectUsable(entry);
    });
  }
});

describe('init() from a URL', () => {
  /** A loopback server answering every request with `status` and the module's bytes. */
  async function withServer(status: number, body: (url: string) => Promise<void>) {
    const server = createServer((_, response) => response.writeHead(status, { 'content-type': 'application/wasm' }).end(bytes));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}/assets/seqwasm.wasm`);
    } finally {
      server.close();
    }
  }

  it('fetches an http URL', () =>
    withServer(200, async (url) => {
      const entry = await freshNodeEntry();
      await entry.init(url);
      await expectUsable(entry);
    }));

  it('an HTTP 404 is a SeqwasmInitError naming the URL', () =>
    withServer(404, async (url) => {
      const entry = await freshNodeEntry();
      const error = await entry.init(url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(entry.SeqwasmInitError);
      expect((error as Error).message).toBe(`init(input): fetching ${url} failed with HTTP 404; check that the path or URL points to seqwasm.wasm`);
    }));

  it('a 404 at the default location (beside the JS, as the fetch entry reads it) names the bundler fix', () =>
    withServer(404, async (url) => {
      const entry = await freshNodeEntry();
      const { registerPlatform } = await import('../../src/runtime/module.js'); // the entry's own module instance
      registerPlatform({ defaultSource: () => new URL(url), load: (location) => fetch(location) });
      const error = await entry.init().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(entry.SeqwasmInitError);
      expect((error as Error).message).toBe(
        `init(): fetching ${url} failed with HTTP 404; seqwasm loads seqwasm.wasm from beside its JS; if a bundler moved the JS, copy node_modules/seqwasm/dist/seqwasm.wasm beside the bundle or pass its URL to init(url) (README: Bundlers)`,
      );
    }));

  it('a failed request is a SeqwasmInitError naming the URL and the reason', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/seqwasm.wasm`;
    await new Promise((resolve) => server.close(resolve)); // nothing listens there now
    const entry = await freshNodeEntry();
    const error = await entry.init(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(entry.SeqwasmInitError);
    expect((error as Error).message).toMatch(new RegExp(`^init\\(input\\): could not read ${url.replaceAll('.', '\\.')}: fetch failed \\(.*ECONNREFUSED`));
  });
});

describe('built entry files', () => {
  it('the Node entry in dist/ loads its default seqwasm.wasm with no argument', async () => {
    const entry = await import('../../dist/node.js' as string);
    await entry.init();
    expect(entry.isInitialized()).toBe(true);
  });
});
