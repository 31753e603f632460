// webpack 5 needs no loader or plugin for seqwasm: it emits `new URL('./seqwasm.wasm',
// import.meta.url)` as an asset module and bundles `new Worker(new URL('./worker.js',
// import.meta.url))` as a worker with its own copy of seqwasm.
import { fileURLToPath } from 'node:url';

export default {
  mode: 'production',
  context: fileURLToPath(new URL('.', import.meta.url)),
  entry: './main.js',
  output: { path: fileURLToPath(new URL('./dist', import.meta.url)), clean: true },
};
