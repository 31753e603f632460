// Browser, Deno and Bun entry: the default module is fetched from beside this file. Bundlers
// that follow `new URL('…', import.meta.url)` (Vite, webpack 5) emit the .wasm with the JS.
import { registerPlatform } from './runtime/module.js';

registerPlatform({
  defaultSource: () => new URL('./seqwasm.wasm', import.meta.url),
  load: (location) => fetch(location),
});

export * from './index.js';
