// Cloudflare workerd entry: everything seqwasm does, training included. workerd forbids
// compiling Wasm from bytes, so the module is imported as a WebAssembly.Module by the bundler
// / runtime.
import seqwasmModule from './seqwasm.wasm';
import { installTrainer } from './model/trainer.js';
import { registerPlatform } from './runtime/module.js';
import { trainer } from './training/trainer.js';

registerPlatform({
  defaultSource: () => seqwasmModule,
  load: (location) => fetch(location),
});
installTrainer(trainer);

export * from './index.js';
