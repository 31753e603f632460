// A learned positional embedding added to a sequence: y[b, t, f] = x[b, t, f] + E[t, f], E
// (sequenceLength, F) of which the first T rows are used.
import type { Tensor, TensorLike } from './tensor.js';

export function forward(x: TensorLike, embeddings: ArrayLike<number>): Tensor {
  const [B, T, F] = x.shape;
  const y = new Float64Array(x.data.length);
  for (let b = 0; b < B; b++) for (let i = 0; i < T * F; i++) y[b * T * F + i] = x.data[b * T * F + i] + embeddings[i];
  return { shape: [B, T, F], data: y };
}

// dy [B, T, F] → dx = dy, dEmbeddings (sequenceLength, F): rows past T get 0
export function backward(dy: TensorLike, sequenceLength: number): { dx: Float64Array; dEmbeddings: Float64Array } {
  const [B, T, F] = dy.shape;
  const dEmbeddings = new Float64Array(sequenceLength * F);
  for (let b = 0; b < B; b++) for (let i = 0; i < T * F; i++) dEmbeddings[i] += dy.data[b * T * F + i];
  return { dx: Float64Array.from(dy.data), dEmbeddings };
}
