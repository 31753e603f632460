// Node entry: the default module is the seqwasm.wasm file beside this one, read with fs
// (Node 20's fetch cannot read file: URLs). Paths and file: URLs are read from disk.
import { readFile } from 'node:fs/promises';
import { registerFileReader, urlOf } from './runtime/location.js';
import { registerPlatform } from './runtime/module.js';

registerPlatform({
  defaultSource: () => new URL('./seqwasm.wasm', import.meta.url),
  async load(location) {
    const url = typeof location === 'string' ? urlOf(location) : location;
    if (url === undefined || url.protocol === 'file:') return readFile(url ?? location);
    return fetch(url);
  },
});

// Imported on first use: only loadModel() reads files, and its reader is loaded lazily too.
registerFileReader(async (location, limits) => (await import('./runtime/node-files.js')).readRegularFile(location, limits));

export * from './index.js';
