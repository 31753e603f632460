// Dense: y = act(x·W + b) over the last axis, so a [B][T][F] input is handled per timestep
// exactly like Keras (and like timeDistributed(dense)).
import { activate, activateGrad, type Activation } from './activations.js';
import { affine, affineBackward, checkLength, row, sizeOf, type Tensor, type TensorLike } from './tensor.js';

export interface DenseWeights {
  kernel: ArrayLike<number>; // (in, out)
  bias?: ArrayLike<number>; // (out); absent when useBias is false
}

export interface DenseGradients {
  kernel: Float64Array;
  bias?: Float64Array;
}

function dims(x: TensorLike, w: DenseWeights): { rows: number; nIn: number; nOut: number } {
  const nIn = x.shape[x.shape.length - 1];
  const nOut = w.kernel.length / nIn;
  if (!Number.isInteger(nOut)) throw new Error(`dense: kernel length ${w.kernel.length} is not a multiple of input size ${nIn}`);
  if (w.bias !== undefined) checkLength('dense bias', w.bias, nOut);
  checkLength('dense x', x.data, sizeOf(x.shape));
  return { rows: x.data.length / nIn, nIn, nOut };
}

/** Pre-activations z = x·W + b, one row per leading index. */
function preActivation(x: TensorLike, w: DenseWeights, rows: number, nIn: number, nOut: number): Float64Array {
  const z = new Float64Array(rows * nOut);
  for (let r = 0; r < rows; r++) z.set(affine(row(x.data, r * nIn, nIn), w.kernel, nOut, 0, nOut, w.bias), r * nOut);
  return z;
}

function softmaxRows(z: Float64Array, nOut: number): Float64Array {
  const y = new Float64Array(z.length);
  for (let r = 0; r < z.length; r += nOut) {
    let max = -Infinity;
    for (let n = 0; n < nOut; n++) max = Math.max(max, z[r + n]);
    let sum = 0;
    for (let n = 0; n < nOut; n++) sum += y[r + n] = Math.exp(z[r + n] - max);
    for (let n = 0; n < nOut; n++) y[r + n] /= sum;
  }
  return y;
}

// x [..., in], kernel (in, out), bias (out) -> y [..., out]
export function forward(x: TensorLike, w: DenseWeights, activation: Activation = 'linear'): Tensor {
  const { rows, nIn, nOut } = dims(x, w);
  const z = preActivation(x, w, rows, nIn, nOut);
  const data = activation === 'softmax' ? softmaxRows(z, nOut) : z.map((a) => activate(activation, a));
  return { shape: [...x.shape.slice(0, -1), nOut], data };
}

// x [..., in], dy [..., out] -> dx [..., in], dKernel (in, out), dBias (out)
export function backward(
  x: TensorLike,
  w: DenseWeights,
  activation: Activation,
  dy: ArrayLike<number>,
): { dx: Float64Array; dWeights: DenseGradients } {
  const { rows, nIn, nOut } = dims(x, w);
  checkLength('dense dy', dy, rows * nOut);
  const z = preActivation(x, w, rows, nIn, nOut);
  const dz = new Float64Array(z.length);
  if (activation === 'softmax') {
    // dz = s ⊙ (dy − Σ dy·s), row by row
    const s = softmaxRows(z, nOut);
    for (let r = 0; r < z.length; r += nOut) {
      let dot = 0;
      for (let n = 0; n < nOut; n++) dot += dy[r + n] * s[r + n];
      for (let n = 0; n < nOut; n++) dz[r + n] = s[r + n] * (dy[r + n] - dot);
    }
  } else {
    for (let i = 0; i < z.length; i++) dz[i] = dy[i] * activateGrad(activation, z[i]);
  }
  const dx = new Float64Array(rows * nIn);
  const dKernel = new Float64Array(nIn * nOut);
  const dBias = w.bias === undefined ? undefined : new Float64Array(nOut);
  for (let r = 0; r < rows; r++) {
    const dzr = dz.subarray(r * nOut, (r + 1) * nOut);
    affineBackward(row(x.data, r * nIn, nIn), w.kernel, nOut, 0, dzr, dKernel, dx.subarray(r * nIn, (r + 1) * nIn), dBias);
  }
  return { dx, dWeights: { kernel: dKernel, bias: dBias } };
}

/** Keras: out·(in + 1), or out·in without bias. */
export function parameterCount(inputDim: number, units: number, useBias = true): number {
  return units * (inputDim + (useBias ? 1 : 0));
}
