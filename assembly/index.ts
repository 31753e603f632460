// The full seqwasm WebAssembly module (training and inference; inference.ts builds the
// forward-only one). Every kernel file is re-exported here; the host (src/runtime) owns all
// memory above heapBase() and passes byte offsets into it.
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

export { abiVersion, heapBase } from './abi';
