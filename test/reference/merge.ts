// Float64 reference of the merge layers (Keras semantics), written from the definitions with
// plain index loops, independent of src/layers/merge.ts. Tensors are row-major, batch first.
//
// forward(kind, inputs, shapes, options) → output; backward(…, dOutput) → one gradient per input.
// Elementwise kinds take inputs of one shape; concatenate joins along `axis` (>= 1);
// dot contracts axes [ax, ay] of two rank-2 or rank-3 inputs per sample.

export type MergeKind = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'concatenate' | 'dot';

export interface MergeOptions {
  axis?: number;
  axes?: [number, number];
  /** Dot: L2-normalise each input along its axis first, x / sqrt(max(Σx², 1e-12)). */
  normalize?: boolean;
}

/** x / sqrt(max(Σx², 1e-12)) along `axis` of a row-major tensor of `shape`. */
export function l2Normalize(x: ArrayLike<number>, shape: readonly number[], axis: number): Float64Array {
  const inner = size(shape.slice(axis + 1));
  const length = shape[axis];
  const outer = size(shape.slice(0, axis));
  const y = new Float64Array(x.length);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    let s = 0;
    for (let p = 0; p < length; p++) s += x[(o * length + p) * inner + i] ** 2;
    const norm = Math.sqrt(Math.max(s, 1e-12));
    for (let p = 0; p < length; p++) y[(o * length + p) * inner + i] = x[(o * length + p) * inner + i] / norm;
  }
  return y;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function outputShape(kind: MergeKind, shapes: readonly (readonly number[])[], options: MergeOptions = {}): number[] {
  if (kind === 'concatenate') {
    const axis = options.axis!;
    return shapes[0].map((d, k) => (k === axis ? shapes.reduce((sum, s) => sum + s[k], 0) : d));
  }
  if (kind === 'dot') {
    const [x, y] = shapes;
    const [ax, ay] = options.axes!;
    if (x.length === 2) return [x[0], 1];
    return [x[0], ...x.filter((_, k) => k > 0 && k !== ax), ...y.filter((_, k) => k > 0 && k !== ay)];
  }
  return [...shapes[0]];
}

export function forward(kind: MergeKind, inputs: readonly ArrayLike<number>[], shapes: readonly (readonly number[])[], options: MergeOptions = {}): Float64Array {
  const out = outputShape(kind, shapes, options);
  const y = new Float64Array(size(out));
  if (kind === 'concatenate') {
    const axis = options.axis!;
    const outer = size(out.slice(0, axis));
    let offset = 0;
    inputs.forEach((x, i) => {
      const inner = size(shapes[i].slice(axis));
      const outInner = size(out.slice(axis));
      for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) y[o * outInner + offset + j] = x[o * inner + j];
      offset += inner;
    });
    return y;
  }
  if (kind === 'dot') {
    const [x, z] = options.normalize ? inputs.map((v, i) => l2Normalize(v, shapes[i], options.axes![i])) : inputs;
    const [xs, zs] = shapes;
    const [ax, ay] = options.axes!;
    const B = xs[0];
    if (xs.length === 2) {
      for (let b = 0; b < B; b++) for (let k = 0; k < xs[1]; k++) y[b] += x[b * xs[1] + k] * z[b * zs[1] + k];
      return y;
    }
    // x[b, i, k] with k on axis ax; z[b, k, j] with k on axis ay.
    const xAt = (b: number, i: number, k: number) => (ax === 2 ? x[(b * xs[1] + i) * xs[2] + k] : x[(b * xs[1] + k) * xs[2] + i]);
    const zAt = (b: number, k: number, j: number) => (ay === 1 ? z[(b * zs[1] + k) * zs[2] + j] : z[(b * zs[1] + j) * zs[2] + k]);
    const [, m, n] = out;
    const K = xs[ax];
    for (let b = 0; b < B; b++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += xAt(b, i, k) * zAt(b, k, j);
      y[(b * m + i) * n + j] = s;
    }
    return y;
  }
  for (let e = 0; e < y.length; e++) {
    const v = inputs.map((x) => x[e]);
    if (kind === 'add') y[e] = v.reduce((a, b) => a + b, 0);
    else if (kind === 'subtract') y[e] = v[0] - v[1];
    else if (kind === 'multiply') y[e] = v.reduce((a, b) => a * b, 1);
    else if (kind === 'average') y[e] = v.reduce((a, b) => a + b, 0) / v.length;
    else y[e] = Math.max(...v);
  }
  return y;
}

/** The gradient of Σ dOutput·y with respect to each input. Maximum gives each element's gradient to the first maximal input. */
export function backward(kind: MergeKind, inputs: readonly ArrayLike<number>[], shapes: readonly (readonly number[])[], dOutput: ArrayLike<number>, options: MergeOptions = {}): Float64Array[] {
  const grads = shapes.map((s) => new Float64Array(size(s)));
  if (kind === 'concatenate' || kind === 'dot') {
    // Concatenate is linear and Dot linear in each input with the other fixed: the gradient is
    // the transpose of that map, read off one unit vector at a time (other inputs of a
    // concatenation zeroed, as they add a constant).
    inputs.forEach((x, i) => {
      for (let e = 0; e < x.length; e++) {
        const unit = new Float64Array(x.length);
        unit[e] = 1;
        const probe = inputs.map((other, j) => (j === i ? unit : kind === 'concatenate' ? new Float64Array(other.length) : other));
        const y = forward(kind, probe, shapes, options);
        let g = 0;
        for (let o = 0; o < y.length; o++) g += dOutput[o] * y[o];
        grads[i][e] = g;
      }
    });
    return grads;
  }
  for (let e = 0; e < dOutput.length; e++) {
    const v = inputs.map((x) => x[e]);
    const winner = v.indexOf(Math.max(...v));
    grads.forEach((g, i) => {
      if (kind === 'add') g[e] = dOutput[e];
      else if (kind === 'subtract') g[e] = i === 0 ? dOutput[e] : -dOutput[e];
      else if (kind === 'multiply') g[e] = dOutput[e] * v.reduce((p, x, j) => (j === i ? p : p * x), 1);
      else if (kind === 'average') g[e] = dOutput[e] / v.length;
      else g[e] = i === winner ? dOutput[e] : 0;
    });
  }
  return grads;
}
