// The public API, shared by every entry file. Import seqwasm through its package entry
// (node / fetch / workerd), which registers where the .wasm comes from.
export { init, isInitialized, arena, memoryInfo, reset, runtimeInfo, stopThreads, SeqwasmInitError, NotInitializedError } from './runtime/module.js';
export type { WasmSource, MemoryInfo, InitOptions, RuntimeInfo } from './runtime/module.js';
export { Arena, F32Region } from './runtime/arena.js';
export * as kernels from './kernels/index.js';
export * as layers from './layers/index.js';
export * as data from './data/index.js';
export { DataError } from './data/errors.js';
export { LayerError, LayerConfigError, LayerInputError, LayerStateError } from './layers/errors.js';
export { tensor, toTensor, toNested, shapeSize, argMax, slice, take, concat, reshape } from './tensor.js';
export type { Tensor, TensorLike, NestedArray, NestedNumbers } from './tensor.js';
export { Prng, prng, DEFAULT_SEED } from './util/prng.js';
export * from './model/index.js';
