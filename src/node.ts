// Node entry: the default module is the seqwasm.wasm file beside this one, read with fs
// (Node 20's fetch cannot read file: URLs). Paths and file: URLs are read from disk.
import { readFile } from 'node:fs/promises';
import { registerPlatform } from './runtime/module.js';

registerPlatform({
  defaultSource: () => readFile(new URL('./seqwasm.wasm', import.meta.url)),
  async load(location) {
    const url = typeof location === 'string' ? parseUrl(location) : location;
    if (url === undefined || url.protocol === 'file:') return readFile(url ?? location);
    return fetch(url);
  },
});

/** A string that parses as a URL with a scheme other than a drive letter; otherwise a path. */
function parseUrl(location: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]+:/i.test(location)) return undefined;
  try {
    return new URL(location);
  } catch {
    return undefined;
  }
}

export * from './index.js';
