// Kernels of the merge layers (src/layers/merge.ts) that elementwise.ts does not have:
// maximum and its gradient routing, division by a count (Keras's Average divides), block
// copies for concatenation, and a batched matrix product for Dot. Pointers are byte offsets
// into host-owned memory, counts in floats; every sum has a fixed order.
import { loadTail, storeTail } from './vmath';

/** dst = max(a, b) element-wise (a where they are equal; for the finite values layers see). */
export function maximum(a: usize, b: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(a + o);
    const y = v128.load(b + o);
    v128.store(dst + o, v128.bitselect(x, y, f32x4.ge(x, y)));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const x = loadTail(a + o, r);
    const y = loadTail(b + o, r);
    storeTail(dst + o, v128.bitselect(x, y, f32x4.ge(x, y)), r);
  }
}

/**
 * The gradient of a chain of maximums, one input at a time in input order: where x equals the
 * output, dx takes what is left of the gradient and nothing is left for the inputs after it
 * (the first maximal input gets it all, as TF's pairwise maximum gradient gives it);
 * elsewhere dx = 0. `remaining` starts as dOutput and is updated in place.
 */
export function routeToMaximum(x: usize, out: usize, remaining: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const hit = f32x4.eq(v128.load(x + o), v128.load(out + o));
    const left = v128.load(remaining + o);
    v128.store(dx + o, v128.bitselect(left, zero, hit));
    v128.store(remaining + o, v128.bitselect(zero, left, hit));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const hit = f32x4.eq(loadTail(x + o, r), loadTail(out + o, r));
    const left = loadTail(remaining + o, r);
    storeTail(dx + o, v128.bitselect(left, zero, hit), r);
    storeTail(remaining + o, v128.bitselect(zero, left, hit), r);
  }
}

/** dst = src / d (a true division, as Keras's Average divides the sum by the input count). */
export function divideBy(src: usize, dst: usize, n: i32, d: f32): void {
  const dv = f32x4.splat(d);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.div(v128.load(src + o), dv));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    storeTail(dst + o, f32x4.div(loadTail(src + o, r), dv), r);
  }
}

/**
 * rows blocks of `width` floats: block r of src (at src + r·srcStride floats) to block r of
 * dst (at dst + r·dstStride). Concatenation's forward (each input into its columns of the
 * output) and backward (the output gradient's columns back to each input).
 */
export function copyBlocks(src: usize, srcStride: i32, dst: usize, dstStride: i32, rows: i32, width: i32): void {
  const bytes = <usize>width << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(dst + ((<usize>r * <usize>dstStride) << 2), src + ((<usize>r * <usize>srcStride) << 2), bytes);
  }
}

/**
 * For each of `batch` pairs: C (m×n) = op(A)·op(B) + (accumulate ? C : 0), contracting k,
 * where op(A)[i][p] = aT ? A[p][i] (A stored k×m) : A[i][p] (m×k) and op(B)[p][j] =
 * bT ? B[j][p] (n×k) : B[p][j] (k×n). Each element sums p = 0 … k−1 in order, in f32, then
 * adds C. The matrices of pair b start b·(m·k), b·(k·n) and b·(m·n) floats in. Dot's
 * forward and both gradients (op choices swapped) are this one kernel; Dot's matrices are
 * small (steps × features), so a plain loop suffices.
 */
export function batchMatmul(a: usize, b: usize, c: usize, batch: i32, m: i32, n: i32, k: i32, aT: i32, bT: i32, accumulate: i32): void {
  // Strides in floats of op(A) along i and p, and of op(B) along p and j.
  const aI: usize = aT ? 1 : <usize>k;
  const aP: usize = aT ? <usize>m : 1;
  const bP: usize = bT ? 1 : <usize>n;
  const bJ: usize = bT ? <usize>k : 1;
  for (let s = 0; s < batch; s++) {
    const as = a + ((<usize>s * <usize>m * <usize>k) << 2);
    const bs = b + ((<usize>s * <usize>k * <usize>n) << 2);
    const cs = c + ((<usize>s * <usize>m * <usize>n) << 2);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum: f32 = 0;
        for (let p = 0; p < k; p++) {
          sum += load<f32>(as + ((<usize>i * aI + <usize>p * aP) << 2)) * load<f32>(bs + ((<usize>p * bP + <usize>j * bJ) << 2));
        }
        const at = cs + ((<usize>i * <usize>n + <usize>j) << 2);
        store<f32>(at, accumulate ? load<f32>(at) + sum : sum);
      }
    }
  }
}

/**
 * L2 normalisation along the middle axis of [outer, length, inner] (Dot's normalize):
 * y = x / sqrt(max(s, eps)) with s = Σ x² over the axis, summed in order in f32; `sums`
 * (outer·inner floats) keeps each s for the backward pass.
 */
export function l2Normalize(src: usize, dst: usize, sums: usize, outer: i32, length: i32, inner: i32, eps: f32): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = <usize>o * <usize>length * <usize>inner + <usize>i;
      let s: f32 = 0;
      for (let p = 0; p < length; p++) {
        const v = load<f32>(src + ((base + <usize>p * <usize>inner) << 2));
        s += v * v;
      }
      store<f32>(sums + ((<usize>o * <usize>inner + <usize>i) << 2), s);
      const norm = sqrt<f32>(max<f32>(s, eps));
      for (let p = 0; p < length; p++) {
        const at = (base + <usize>p * <usize>inner) << 2;
        store<f32>(dst + at, load<f32>(src + at) / norm);
      }
    }
  }
}

/**
 * The gradient of l2Normalize: dx = (dy − y·(y·dy)) / n where s > eps, else dy / n (the norm
 * is the constant sqrt(eps) there), with y the normalised values and n = sqrt(max(s, eps)).
 */
export function l2NormalizeBackward(y: usize, dy: usize, sums: usize, dx: usize, outer: i32, length: i32, inner: i32, eps: f32): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = <usize>o * <usize>length * <usize>inner + <usize>i;
      const s = load<f32>(sums + ((<usize>o * <usize>inner + <usize>i) << 2));
      const norm = sqrt<f32>(max<f32>(s, eps));
      let projection: f32 = 0;
      if (s > eps) {
        for (let p = 0; p < length; p++) {
          const at = (base + <usize>p * <usize>inner) << 2;
          projection += load<f32>(y + at) * load<f32>(dy + at);
        }
      }
      for (let p = 0; p < length; p++) {
        const at = (base + <usize>p * <usize>inner) << 2;
        store<f32>(dx + at, (load<f32>(dy + at) - load<f32>(y + at) * projection) / norm);
      }
    }
  }
}
