// Node entry: the default module is the seqwasm.wasm file beside this one, read with fs
// (Node 20's fetch cannot read file: URLs). Paths and file: URLs are read from disk.
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { registerTextFiles } from './runtime/host-files.js';
import { registerFileReader, registerFileWriter, urlOf } from './runtime/location.js';
import { registerPlatform } from './runtime/module.js';
import { readRegularFile, writeFilesToDisk } from './runtime/node-files.js';
import { servePoolWorkerIfAsked, spawnNodeWorker } from './runtime/node-workers.js';

registerPlatform({
  defaultSource: () => new URL('./seqwasm.wasm', import.meta.url),
  async load(location) {
    const url = typeof location === 'string' ? urlOf(location) : location;
    if (url === undefined || url.protocol === 'file:') return readFile(url ?? location);
    return fetch(url);
  },
  threads: {
    defaultSource: () => new URL('./seqwasm-threads.wasm', import.meta.url),
    spawn: (start) => spawnNodeWorker(new URL(import.meta.url), start),
  },
  relaxedSimdSource: () => new URL('./seqwasm-relaxed.wasm', import.meta.url),
});

// The pool workers of init({ threads }) run this file too.
void servePoolWorkerIfAsked();

registerFileReader(readRegularFile);
registerFileWriter(writeFilesToDisk);
registerTextFiles({ appendFile, writeFile, stat });

export * from './index.js';
