// Masking (Keras): a step whose features all equal maskValue is padding; the output is
// x ⊙ mask (padded steps become exactly zero) and the mask goes to the next layers.
import { sizeOf, type Tensor, type TensorLike } from './tensor.js';

// x [B][T][F] -> y [B][T][F], mask [B][T]
export function forward(x: TensorLike, maskValue = 0): { output: Tensor; mask: Uint8Array } {
  const F = x.shape[x.shape.length - 1];
  const mask = new Uint8Array(sizeOf(x.shape) / F);
  for (let i = 0; i < mask.length; i++) for (let k = 0; k < F; k++) if (x.data[i * F + k] !== maskValue) mask[i] = 1;
  const data = Float64Array.from(x.data, (v, i) => v * mask[Math.floor(i / F)]);
  return { output: { shape: [...x.shape], data }, mask };
}

// mask [B][T], dy [B][T][F] -> dx [B][T][F]
export function backward(mask: Uint8Array, dy: ArrayLike<number>): Float64Array {
  const F = dy.length / mask.length;
  return Float64Array.from(dy, (v, i) => v * mask[Math.floor(i / F)]);
}
