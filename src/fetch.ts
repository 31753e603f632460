// Browser, Deno and Bun entry: the default module is fetched from beside this file.
import { registerPlatform } from './runtime/module.js';

registerPlatform({
  defaultSource: () => fetch(new URL('./seqwasm.wasm', import.meta.url)),
  load: (location) => fetch(location),
});

export * from './index.js';
