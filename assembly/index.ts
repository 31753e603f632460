// The one seqwasm WebAssembly module. Every kernel file is re-exported here; the host
// (src/runtime) owns all memory above heapBase() and passes byte offsets into it.
export * from './gemm';
export * from './activations';
export * from './elementwise';
export * from './probe';
export * from './recurrent';
export * from './losses';
export * from './optimizers';
export * from './linalg';
export * from './conv1d';
export * from './normalization';
export * from './shape';
export * from './merge';
export * from './attention';
export * from './random';

/** Bumped whenever an exported signature changes, so a stale .wasm is refused by the host. */
export function abiVersion(): i32 {
  return 8;
}

/** First byte after the module's static data; the host arena starts above it. */
export function heapBase(): usize {
  return __heap_base;
}
