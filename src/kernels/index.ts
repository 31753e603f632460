/**
 * The kernel layer: typed, range-checked wrappers around the Wasm kernels (GEMM, activations,
 * elementwise, whole-layer recurrent forward and backward, optimizer updates, losses) that
 * work on {@link F32Region}s of the {@link Arena}. Every argument is validated on the host,
 * so a bad size or region is a RangeError/TypeError naming it and never a Wasm trap. Models
 * and layers use these for you; reach for them to build your own layers or check numerics.
 *
 * @example
 * ```ts
 * import { init, arena, kernels } from 'seqwasm';
 * await init();
 * const x = arena().fromArray([-1, 0, 1]);
 * kernels.activate('tanh', x);        // in place
 * x.toArray();                        // Float32Array [-0.7616, 0, 0.7616]
 * ```
 *
 * @module
 */
export * from './gemm.js';
export * from './activations.js';
export * from './elementwise.js';
export * from './recurrent.js';
export * from './optimizers.js';
export * from './losses.js';
export * from './linalg.js';
export * from './merge.js';
export * from './attention.js';
export * from './random.js';
