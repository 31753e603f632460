// The weightless rearranging layers, by index arithmetic on flat row-major data: Keras
// RepeatVector, Reshape/Flatten (the identity on the flat data) and Permute (1-based dims).
import type { Tensor, TensorLike } from './tensor.js';

// x [B, F] → y [B, n, F]
export function repeatVector(x: TensorLike, n: number): Tensor {
  const [B, F] = x.shape;
  const y = new Float64Array(B * n * F);
  for (let b = 0; b < B; b++) for (let r = 0; r < n; r++) for (let f = 0; f < F; f++) y[(b * n + r) * F + f] = x.data[b * F + f];
  return { shape: [B, n, F], data: y };
}

// dy [B, n, F] → dx [B, F]
export function repeatVectorBackward(dy: TensorLike): Float64Array {
  const [B, n, F] = dy.shape;
  const dx = new Float64Array(B * F);
  for (let b = 0; b < B; b++) for (let r = 0; r < n; r++) for (let f = 0; f < F; f++) dx[b * F + f] += dy.data[(b * n + r) * F + f];
  return dx;
}

/** Row-major strides of a shape. */
const strides = (shape: readonly number[]): number[] => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

// x [B, d1, …, dn] → y [B, d_{dims[0]}, …]: y[b, i1, …, in] = x[b, j] with j_{dims[a]} = i_a
export function permute(x: TensorLike, dims: readonly number[]): Tensor {
  const shape = [x.shape[0], ...dims.map((d) => x.shape[d])];
  const inStrides = strides(x.shape);
  const outStrides = strides(shape);
  const y = new Float64Array(x.data.length);
  for (let o = 0; o < y.length; o++) {
    let source = Math.floor(o / outStrides[0]) * inStrides[0];
    dims.forEach((d, a) => (source += (Math.floor(o / outStrides[a + 1]) % shape[a + 1]) * inStrides[d]));
    y[o] = x.data[source];
  }
  return { shape, data: y };
}

// dy (permuted shape) → dx: the same permutation run backwards
export function permuteBackward(dy: TensorLike, dims: readonly number[]): Float64Array {
  const inverse = dims.map((_, axis) => dims.indexOf(axis + 1) + 1);
  return permute(dy, inverse).data;
}
