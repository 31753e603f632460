// Pooling over time on [B][T][C], from Keras's (TensorFlow's) definitions: windows of `pool`
// steps every `stride` steps, 'valid' or 'same' (TensorFlow's layout, see conv1d.layout);
// padded steps take no part (max over the real ones, mean divided by their count). Global
// pooling takes the mean or max over the real steps of a mask (all steps without one); a
// sample with no real step gives 0 (seqwasm's choice: Keras divides 0 by 0).
import { layout } from './conv1d.js';
import type { Mask, Tensor, TensorLike } from './tensor.js';

export interface PoolOptions {
  kind: 'max' | 'average';
  poolSize: number;
  strides?: number;
  padding?: 'valid' | 'same';
}

/** The input steps of each output step's window. */
function windows(T: number, o: PoolOptions): number[][] {
  const stride = o.strides ?? o.poolSize;
  const { outSteps, padLeft } = layout(T, o.poolSize, stride, o.padding ?? 'valid');
  return Array.from({ length: outSteps }, (_, t) => Array.from({ length: o.poolSize }, (_, j) => t * stride - padLeft + j).filter((p) => p >= 0 && p < T));
}

/** For each output element, the input elements it reads (flat indices into x). */
function sources(shape: readonly number[], o: PoolOptions): number[][] {
  const [B, T, C] = shape;
  const steps = windows(T, o);
  const out: number[][] = [];
  for (let b = 0; b < B; b++) for (const window of steps) for (let c = 0; c < C; c++) out.push(window.map((p) => (b * T + p) * C + c));
  return out;
}

/** Index of the first maximum of x over `from`. */
const argmax = (x: ArrayLike<number>, from: number[]): number => from.reduce((best, i) => (x[i] > x[best] ? i : best), from[0]);

export function forward(x: TensorLike, o: PoolOptions): Tensor {
  const [B, , C] = x.shape;
  const reads = sources(x.shape, o);
  const data = Float64Array.from(reads, (from) => (o.kind === 'max' ? x.data[argmax(x.data, from)] : from.reduce((s, i) => s + x.data[i], 0) / from.length));
  return { shape: [B, reads.length / (B * C), C], data };
}

export function backward(x: TensorLike, o: PoolOptions, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(x.data.length);
  sources(x.shape, o).forEach((from, i) => {
    if (o.kind === 'max') dx[argmax(x.data, from)] += dy[i];
    else for (const k of from) dx[k] += dy[i] / from.length;
  });
  return dx;
}

/** For each [b, c], the input elements of the real steps. */
function globalSources(shape: readonly number[], mask: Mask | undefined): number[][] {
  const [B, T, C] = shape;
  const out: number[][] = [];
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++) {
      const from: number[] = [];
      for (let t = 0; t < T; t++) if (!mask || mask[b * T + t]) from.push((b * T + t) * C + c);
      out.push(from);
    }
  return out;
}

// x [B, T, C] → y [B, C]
export function globalForward(x: TensorLike, kind: 'max' | 'average', mask?: Mask): Tensor {
  const [B, , C] = x.shape;
  const data = Float64Array.from(globalSources(x.shape, mask), (from) => {
    if (from.length === 0) return 0;
    return kind === 'max' ? x.data[argmax(x.data, from)] : from.reduce((s, i) => s + x.data[i], 0) / from.length;
  });
  return { shape: [B, C], data };
}

export function globalBackward(x: TensorLike, kind: 'max' | 'average', dy: ArrayLike<number>, mask?: Mask): Float64Array {
  const dx = new Float64Array(x.data.length);
  globalSources(x.shape, mask).forEach((from, i) => {
    if (from.length === 0) return;
    if (kind === 'max') dx[argmax(x.data, from)] += dy[i];
    else for (const k of from) dx[k] += dy[i] / from.length;
  });
  return dx;
}
