// Conv1D on sequences [B][T][C] (channels last), written from Keras's definition, one output
// element at a time: z[b, t, f] = bias[f] + Σ_j Σ_c x[b, t·stride − padLeft + j·dilation, c]·W[j, c, f]
// (steps outside [0, T) are zeros), y = act(z). Kernel (k, C, F), bias (F).
import { activate, activateGrad, type ElementwiseActivation } from './activations.js';
import { checkLength, type Tensor, type TensorLike } from './tensor.js';

export type Padding = 'valid' | 'same' | 'causal';

export interface Conv1DOptions {
  kernelSize: number;
  filters: number;
  strides?: number;
  dilationRate?: number;
  padding?: Padding;
  activation?: ElementwiseActivation;
}

export interface Conv1DWeights {
  kernel: ArrayLike<number>;
  bias?: ArrayLike<number>;
}

/**
 * TensorFlow's window layout: output steps and the zeros before step 0. 'same' pads
 * max((Tout − 1)·stride + span − T, 0) steps in all, the odd one on the right; 'causal' pads
 * span − 1 on the left only.
 */
export function layout(T: number, span: number, stride: number, padding: Padding): { outSteps: number; padLeft: number } {
  switch (padding) {
    case 'valid':
      return { outSteps: Math.floor((T - span) / stride) + 1, padLeft: 0 };
    case 'causal':
      return { outSteps: Math.floor((T + (span - 1) - span) / stride) + 1, padLeft: span - 1 }; // T + span − 1 steps after padding
    case 'same': {
      const outSteps = Math.ceil(T / stride);
      return { outSteps, padLeft: Math.floor(Math.max((outSteps - 1) * stride + span - T, 0) / 2) };
    }
  }
}

function geometry(x: TensorLike, w: Conv1DWeights, o: Conv1DOptions) {
  const [B, T, C] = x.shape;
  const { kernelSize: k, filters: F, strides: stride = 1, dilationRate: d = 1, padding = 'valid' } = o;
  checkLength('conv1d kernel', w.kernel, k * C * F);
  if (w.bias) checkLength('conv1d bias', w.bias, F);
  const { outSteps, padLeft } = layout(T, (k - 1) * d + 1, stride, padding);
  /** The input step of tap j of output step t, or −1 in the padding. */
  const at = (t: number, j: number) => {
    const p = t * stride - padLeft + j * d;
    return p >= 0 && p < T ? p : -1;
  };
  return { B, T, C, k, F, outSteps, at };
}

function preActivation(x: TensorLike, w: Conv1DWeights, o: Conv1DOptions): Tensor {
  const { B, T, C, k, F, outSteps, at } = geometry(x, w, o);
  const z = new Float64Array(B * outSteps * F);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < outSteps; t++)
      for (let f = 0; f < F; f++) {
        let s = w.bias ? w.bias[f] : 0;
        for (let j = 0; j < k; j++) {
          const p = at(t, j);
          if (p < 0) continue;
          for (let c = 0; c < C; c++) s += x.data[(b * T + p) * C + c] * w.kernel[(j * C + c) * F + f];
        }
        z[(b * outSteps + t) * F + f] = s;
      }
  return { shape: [B, outSteps, F], data: z };
}

// x [B, T, C] → y [B, Tout, F]
export function forward(x: TensorLike, w: Conv1DWeights, o: Conv1DOptions): Tensor {
  const z = preActivation(x, w, o);
  return { shape: z.shape, data: z.data.map((a) => activate(o.activation ?? 'linear', a)) };
}

// dy [B, Tout, F] → dx [B, T, C], dKernel (k, C, F), dBias (F)
export function backward(x: TensorLike, w: Conv1DWeights, o: Conv1DOptions, dy: ArrayLike<number>): { dx: Float64Array; dKernel: Float64Array; dBias?: Float64Array } {
  const { B, T, C, k, F, outSteps, at } = geometry(x, w, o);
  const z = preActivation(x, w, o);
  checkLength('conv1d dy', dy, z.data.length);
  const dx = new Float64Array(B * T * C);
  const dKernel = new Float64Array(k * C * F);
  const dBias = w.bias ? new Float64Array(F) : undefined;
  for (let b = 0; b < B; b++)
    for (let t = 0; t < outSteps; t++)
      for (let f = 0; f < F; f++) {
        const i = (b * outSteps + t) * F + f;
        const dz = dy[i] * activateGrad(o.activation ?? 'linear', z.data[i]);
        if (dBias) dBias[f] += dz;
        for (let j = 0; j < k; j++) {
          const p = at(t, j);
          if (p < 0) continue;
          for (let c = 0; c < C; c++) {
            dKernel[(j * C + c) * F + f] += x.data[(b * T + p) * C + c] * dz;
            dx[(b * T + p) * C + c] += w.kernel[(j * C + c) * F + f] * dz;
          }
        }
      }
  return { dx, dKernel, dBias };
}
