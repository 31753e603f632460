// Node entry: everything seqwasm does, training included. The default module is seqwasm.wasm
// beside this file, read with fs; paths and file: URLs are read from disk.
import { installTrainer } from './model/trainer.js';
import { registerNodePlatform } from './runtime/node-platform.js';
import { trainer } from './training/trainer.js';

registerNodePlatform({
  module: new URL('./seqwasm.wasm', import.meta.url),
  threads: new URL('./seqwasm-threads.wasm', import.meta.url),
  relaxedSimd: new URL('./seqwasm-relaxed.wasm', import.meta.url),
  entry: new URL(import.meta.url),
});
installTrainer(trainer);

export * from './index.js';
