// The Platform of browsers, Deno and Bun, for both fetch entries (src/fetch.ts,
// src/inference.fetch.ts): modules are fetched from beside the entry file, which also runs
// the pool workers of init({ threads }) as Web Workers.
import { registerPlatform, type EntryFiles } from './module.js';
import { servePoolWorkerIfAsked, spawnWebWorker, webWorkersUnavailable } from './web-workers.js';

/** Registers the fetching Platform for the entry whose files are `files`, and serves pool work when this is a pool worker. */
export function registerWebPlatform(files: EntryFiles): void {
  registerPlatform({
    defaultSource: () => files.module,
    load: (location) => fetch(location),
    threads: {
      defaultSource: () => files.threads,
      spawn: (start) => spawnWebWorker(files.entry, start),
      unavailable: webWorkersUnavailable,
    },
    relaxedSimdSource: () => files.relaxedSimd,
  });
  servePoolWorkerIfAsked();
}
