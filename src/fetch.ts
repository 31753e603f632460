// Browser, Deno and Bun entry: the default module is fetched from beside this file. Bundlers
// that follow `new URL('…', import.meta.url)` (Vite, webpack 5) emit the .wasm with the JS.
import { registerPlatform } from './runtime/module.js';
import { servePoolWorkerIfAsked, spawnWebWorker, webWorkersUnavailable } from './runtime/web-workers.js';

registerPlatform({
  defaultSource: () => new URL('./seqwasm.wasm', import.meta.url),
  load: (location) => fetch(location),
  threads: {
    defaultSource: () => new URL('./seqwasm-threads.wasm', import.meta.url),
    spawn: (start) => spawnWebWorker(new URL(import.meta.url), start),
    unavailable: webWorkersUnavailable,
  },
  relaxedSimdSource: () => new URL('./seqwasm-relaxed.wasm', import.meta.url),
});

// The pool workers of init({ threads }) run this file too.
servePoolWorkerIfAsked();

export * from './index.js';
