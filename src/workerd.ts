// Cloudflare workerd entry: workerd forbids compiling Wasm from bytes, so the module is
// imported as a WebAssembly.Module by the bundler / runtime.
import seqwasmModule from './seqwasm.wasm';
import { registerPlatform } from './runtime/module.js';

registerPlatform({
  defaultSource: () => seqwasmModule,
  load: (location) => fetch(location),
});

export * from './index.js';
