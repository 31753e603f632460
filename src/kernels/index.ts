// Typed, range-checked wrappers around the Wasm kernels: every argument is validated on
// the host, so a bad size or region is a RangeError/TypeError and never a Wasm trap.
export * from './gemm.js';
export * from './activations.js';
export * from './elementwise.js';
export * from './recurrent.js';
export * from './optimizers.js';
export * from './losses.js';
export * from './linalg.js';
