// Node's Platform, for both Node entries (src/node.ts, src/inference.node.ts): modules are read
// from the files beside the entry with fs (Node 20's fetch cannot read file: URLs), paths and
// file: URLs from disk, and the entry file itself runs the pool workers of init({ threads }).
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { registerTextFiles } from './host-files.js';
import { registerFileReader, registerFileWriter, urlOf } from './location.js';
import { registerPlatform } from './module.js';
import { readRegularFile, writeFilesToDisk } from './node-files.js';
import { servePoolWorkerIfAsked, spawnNodeWorker } from './node-workers.js';

/** Where an entry's modules are (each beside the entry file) and the entry itself. */
export interface EntryFiles {
  /** The module init() loads by default. */
  readonly module: URL;
  /** seqwasm-threads.wasm, for init({ threads }). */
  readonly threads: URL;
  /** seqwasm-relaxed.wasm, for init({ relaxedSimd: true }). */
  readonly relaxedSimd: URL;
  /** The entry file, which pool workers run. */
  readonly entry: URL;
}

export function registerNodePlatform(files: EntryFiles): void {
  registerPlatform({
    defaultSource: () => files.module,
    async load(location) {
      const url = typeof location === 'string' ? urlOf(location) : location;
      if (url === undefined || url.protocol === 'file:') return readFile(url ?? location);
      return fetch(url);
    },
    threads: {
      defaultSource: () => files.threads,
      spawn: (start) => spawnNodeWorker(files.entry, start),
    },
    relaxedSimdSource: () => files.relaxedSimd,
  });
  void servePoolWorkerIfAsked();
  registerFileReader(readRegularFile);
  registerFileWriter(writeFilesToDisk);
  registerTextFiles({ appendFile, writeFile, stat });
}
