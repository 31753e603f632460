// Browser, Deno and Bun entry of 'seqwasm/inference': models are built, loaded and run, not
// trained. The default module is seqwasm-inference.wasm (forward kernels only), fetched from
// beside this file.
import { registerWebPlatform } from './runtime/web-platform.js';

registerWebPlatform({
  module: new URL('./seqwasm-inference.wasm', import.meta.url),
  threads: new URL('./seqwasm-threads.wasm', import.meta.url),
  relaxedSimd: new URL('./seqwasm-relaxed.wasm', import.meta.url),
  entry: new URL(import.meta.url),
});

export * from './inference.js';
