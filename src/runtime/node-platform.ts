// Node's Platform, for both Node entries (src/node.ts, src/inference.node.ts): modules are read
// from the files beside the entry with fs (Node 20's fetch cannot read file: URLs), paths and
// file: URLs from disk, and the entry file itself runs the pool workers of init({ threads }).
import { registerTextFiles } from './host-files.js';
import { registerFileReader, registerFileWriter, urlOf } from './location.js';
import { registerPlatform, type EntryFiles } from './module.js';
import { fsPromises } from './node-builtins.js';
import { readRegularFile, writeFilesToDisk } from './node-files.js';
import { servePoolWorkerIfAsked, spawnNodeWorker } from './node-workers.js';

/** Registers Node's Platform for the entry whose files are `files`, and serves pool work when this is a pool worker. */
export function registerNodePlatform(files: EntryFiles): void {
  registerPlatform({
    defaultSource: () => files.module,
    async load(location) {
      const url = typeof location === 'string' ? urlOf(location) : location;
      if (url === undefined || url.protocol === 'file:') return (await fsPromises()).readFile(url ?? location);
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
  registerTextFiles({
    appendFile: async (path, text) => (await fsPromises()).appendFile(path, text),
    writeFile: async (path, text) => (await fsPromises()).writeFile(path, text),
    stat: async (path) => (await fsPromises()).stat(path),
  });
}
