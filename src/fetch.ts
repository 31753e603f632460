// Browser, Deno and Bun entry: everything seqwasm does, training included. The default module
// is fetched from beside this file. Bundlers that follow `new URL('…', import.meta.url)`
// (Vite, webpack 5) emit the .wasm files with the JS.
import { installTrainer } from './model/trainer.js';
import { registerWebPlatform } from './runtime/web-platform.js';
import { trainer } from './training/trainer.js';

registerWebPlatform({
  module: new URL('./seqwasm.wasm', import.meta.url),
  threads: new URL('./seqwasm-threads.wasm', import.meta.url),
  relaxedSimd: new URL('./seqwasm-relaxed.wasm', import.meta.url),
  entry: new URL(import.meta.url),
});
installTrainer(trainer);

export * from './index.js';
