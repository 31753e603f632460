// The forward-only seqwasm module (dist/seqwasm-inference.wasm): the kernels that predict(),
// model.step(), building layers from a seed (the initializers' draws, the orthogonal QR) and loading or
// packing weights call, and none of the training ones (backward passes, losses, metrics,
// optimizers, gradient clipping). The functions are index.ts's own, built with the release
// flags, so every forward kernel computes the same bits as seqwasm.wasm; what no export below
// reaches is not compiled in. test/runtime/inference-module.test.ts runs every built-in layer
// kind on this module and checks that list against the full module's bits.
export { abiVersion, heapBase } from './abi';
export { gemmPackB, gemmPacked, gemm } from './gemm';
export { sigmoid, tanh, hardSigmoid, hardSigmoidKeras3, relu, softmax } from './activations';
export { add, sub, mul, scale, fill, copy } from './elementwise';
export { rnnPackedSize, rnnTapeSize, rnnWorkSize, rnnPack, rnnForward } from './recurrent';
export { orthonormalColumns } from './linalg';
export { im2col1d, maxPool1d, avgPool1d, globalAvgPool1d, globalMaxPool1d } from './conv1d';
export { layerNorm } from './normalization';
export { repeatRows, permute3, addRowToEach } from './shape';
export { maximum, divideBy, copyBlocks, batchMatmul, l2Normalize } from './merge';
export { batchGemm, tanhScores, maskScores, zeroMaskedRows } from './attention';
export { randomUniform, randomNormal, standardNormal64 } from './random';

/** Marks the forward-only module: the host (src/runtime/module.ts) reports it in runtimeInfo().training and names it when a training kernel is called. */
export function inferenceOnly(): i32 {
  return 1;
}
