// The public API of 'seqwasm/inference': every model, layer, file format and data helper of
// 'seqwasm' without the training code (compile, fit, evaluate, the losses, metrics,
// optimizers and callbacks), for pages, workers and servers that only predict. It loads
// seqwasm-inference.wasm (forward kernels only) by default. Import it through its package
// entry ('seqwasm/inference'), which registers where that .wasm comes from.
/**
 * seqwasm for serving: build or load a model and predict, with the same bits as 'seqwasm',
 * without the training code and with a Wasm module of forward kernels only. Everything but
 * training: {@link sequential}, {@link model}, {@link layers}, predict / step /
 * {@link sample}, save and {@link loadModel} (a saved training config is left out),
 * {@link exportONNX}, {@link data}, {@link kernels}. compile, fit and evaluate throw a
 * {@link ModelStateError} that names 'seqwasm'. Call {@link init} once first.
 *
 * @example
 * ```ts
 * import { init, loadModel } from 'seqwasm/inference';
 * await init();
 * const model = await loadModel('file://model/model.json'); // saved by seqwasm, TF.js or Keras
 * model.predict(x);
 * ```
 *
 * @packageDocumentation
 */
export { init, isInitialized, arena, memoryInfo, reset, runtimeInfo, stopThreads, SeqwasmInitError, NotInitializedError, InferenceOnlyError } from './runtime/module.js';
export type { WasmSource, MemoryInfo, InitOptions, RuntimeInfo } from './runtime/module.js';
export type { ArenaUsage } from './runtime/arena.js';
export { Arena, F32Region } from './runtime/arena.js';
export * as kernels from './kernels/index.js';
export * as layers from './layers/index.js';
export * as data from './data/index.js';
export { DataError } from './data/errors.js';
export { LayerError, LayerConfigError, LayerInputError, LayerStateError } from './layers/errors.js';
export { tensor, toTensor, toNested, shapeSize, argMax, slice, take, concat, reshape } from './tensor.js';
export type { Tensor, TensorLike, NestedArray, NestedNumbers } from './tensor.js';
export { Prng, prng, DEFAULT_SEED } from './util/prng.js';
export type { MutableArrayLike } from './util/prng.js';
export * from './model/index.js';
export * from './io/index.js';
