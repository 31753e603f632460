// Node entry of 'seqwasm/inference': models are built, loaded and run, not trained. The
// default module is seqwasm-inference.wasm (forward kernels only) beside this file.
import { registerNodePlatform } from './runtime/node-platform.js';

registerNodePlatform({
  module: new URL('./seqwasm-inference.wasm', import.meta.url),
  threads: new URL('./seqwasm-threads.wasm', import.meta.url),
  relaxedSimd: new URL('./seqwasm-relaxed.wasm', import.meta.url),
  entry: new URL(import.meta.url),
});

export * from './inference.js';
