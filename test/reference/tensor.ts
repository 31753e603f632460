// Plain tensors and the small linear-algebra helpers every reference layer uses.
// Layout: row-major, batch first ([B][T][F] for sequences); weight matrices (rows, cols)
// row-major in Keras layout, e.g. an LSTM kernel (F, 4U) holds gate g of unit j of input k
// at k·4U + g·U + j.

/** A float64 tensor produced by the reference. */
export interface Tensor {
  shape: number[];
  data: Float64Array;
}

/** Any numeric tensor the reference accepts (Float32Array views from Wasm work as they are). */
export interface TensorLike {
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** Per-sample, per-step validity of a batch of sequences: [B][T], truthy = a real step. */
export type Mask = ArrayLike<number | boolean>;

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function tensor(shape: number[], data?: ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  if (data !== undefined && data.length !== n) throw new Error(`data length ${data.length} != size ${n} of [${shape}]`);
  return { shape, data: data === undefined ? new Float64Array(n) : Float64Array.from(data) };
}

export function checkLength(name: string, a: ArrayLike<unknown>, expected: number): void {
  if (a.length !== expected) throw new Error(`${name}: length ${a.length}, expected ${expected}`);
}

/**
 * One block of pre-activations: v·M[:, col0, col0 + n) + bias[bOff, bOff + n). M is (v.length, ld)
 * row-major (a Keras kernel); a missing bias (useBias false) adds nothing.
 */
export function affine(
  v: ArrayLike<number>,
  M: ArrayLike<number>,
  ld: number,
  col0: number,
  n: number,
  bias?: ArrayLike<number>,
  bOff = col0,
): Float64Array {
  const y = new Float64Array(n);
  if (bias !== undefined) for (let j = 0; j < n; j++) y[j] = bias[bOff + j];
  for (let k = 0; k < v.length; k++) {
    const vk = v[k];
    const r = k * ld + col0;
    for (let j = 0; j < n; j++) y[j] += vk * M[r + j];
  }
  return y;
}

/** Backward of affine for upstream d (n): dM[:, col0..] += v ⊗ d, dBias[bOff..] += d, dv += M·d. */
export function affineBackward(
  v: ArrayLike<number>,
  M: ArrayLike<number>,
  ld: number,
  col0: number,
  d: ArrayLike<number>,
  dM: Float64Array,
  dv: Float64Array,
  dBias?: Float64Array,
  bOff = col0,
): void {
  if (dBias !== undefined) addInto(dBias, d, bOff);
  for (let k = 0; k < v.length; k++) {
    const r = k * ld + col0;
    let s = 0;
    for (let j = 0; j < d.length; j++) {
      dM[r + j] += v[k] * d[j];
      s += M[r + j] * d[j];
    }
    dv[k] += s;
  }
}

/** dst[off + i] += src[i]. */
export function addInto(dst: Float64Array, src: ArrayLike<number>, off = 0): void {
  for (let i = 0; i < src.length; i++) dst[off + i] += src[i];
}

/** A copy of a[off, off + n) as float64, optionally times m[mOff + i] (a dropout mask row). */
export function row(a: ArrayLike<number>, off: number, n: number, m?: ArrayLike<number>, mOff = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[off + i] * (m === undefined ? 1 : m[mOff + i]);
  return out;
}

/** The [B][T] mask of per-sample lengths: step t of sample b is real when t < lengths[b]. */
export function maskFromLengths(lengths: ArrayLike<number>, T: number): Uint8Array {
  const mask = new Uint8Array(lengths.length * T);
  for (let b = 0; b < lengths.length; b++) {
    const n = lengths[b];
    if (!Number.isInteger(n) || n < 0 || n > T) throw new Error(`lengths[${b}] = ${n} is not an integer in [0, ${T}]`);
    mask.fill(1, b * T, b * T + n);
  }
  return mask;
}

export function concat(...parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
