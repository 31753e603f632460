// Cloudflare workerd entry of 'seqwasm/inference': models are built, loaded and run, not
// trained; the module (forward kernels only) is imported as a WebAssembly.Module.
import inferenceModule from './seqwasm-inference.wasm';
import { registerPlatform } from './runtime/module.js';

registerPlatform({
  defaultSource: () => inferenceModule,
  load: (location) => fetch(location),
});

export * from './inference.js';
