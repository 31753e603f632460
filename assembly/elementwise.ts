// Element-wise and reduction kernels on f32 buffers. Pointers are byte offsets into memory
// owned by the host; counts are in floats. Maps may run in place (dst equal to an input);
// partially overlapping buffers are not supported except by copy. Every reduction has a
// fixed order, documented per kernel, so its result is the same bits on every engine.
import { loadTail, storeTail } from './vmath';

const ADD = 0;
const SUB = 1;
const MUL = 2;

/** a op b (a compile-time constant after inlining, so only one branch remains). */
// @ts-ignore: decorator
@inline function combine(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  return f32x4.mul(a, b);
}

/** dst[i] = a[i] op b[i] for i < n. */
// @ts-ignore: decorator
@inline function mapBinary(op: i32, a: usize, b: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const x = combine(op, v128.load(a + o), v128.load(b + o));
    const y = combine(op, v128.load(a + o, 16), v128.load(b + o, 16));
    v128.store(dst + o, x);
    v128.store(dst + o, y, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, combine(op, v128.load(a + o), v128.load(b + o)));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    storeTail(dst + o, combine(op, loadTail(a + o, r), loadTail(b + o, r)), r);
  }
}

/** dst = a + b. */
export function add(a: usize, b: usize, dst: usize, n: i32): void {
  mapBinary(ADD, a, b, dst, n);
}

/** dst = a − b. */
export function sub(a: usize, b: usize, dst: usize, n: i32): void {
  mapBinary(SUB, a, b, dst, n);
}

/** dst = a·b (element-wise). */
export function mul(a: usize, b: usize, dst: usize, n: i32): void {
  mapBinary(MUL, a, b, dst, n);
}

/** y = y + alpha·x (a multiply then an add: two roundings, no fused multiply-add). */
export function axpy(x: usize, y: usize, n: i32, alpha: f32): void {
  const av = f32x4.splat(alpha);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const p = f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o)));
    const q = f32x4.add(v128.load(y + o, 16), f32x4.mul(av, v128.load(x + o, 16)));
    v128.store(y + o, p);
    v128.store(y + o, q, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    storeTail(y + o, f32x4.add(loadTail(y + o, r), f32x4.mul(av, loadTail(x + o, r))), r);
  }
}

/** dst = alpha·src. */
export function scale(src: usize, dst: usize, n: i32, alpha: f32): void {
  const av = f32x4.splat(alpha);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const p = f32x4.mul(av, v128.load(src + o));
    const q = f32x4.mul(av, v128.load(src + o, 16));
    v128.store(dst + o, p);
    v128.store(dst + o, q, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.mul(av, v128.load(src + o)));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    storeTail(dst + o, f32x4.mul(av, loadTail(src + o, r)), r);
  }
}

/**
 * dst = min(max(src, lo), hi), with NaN kept (pmax/pmin return their first operand on NaN).
 * The host checks lo <= hi.
 */
export function clip(src: usize, dst: usize, n: i32, lo: f32, hi: f32): void {
  const lov = f32x4.splat(lo);
  const hiv = f32x4.splat(hi);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const p = f32x4.pmin(f32x4.pmax(v128.load(src + o), lov), hiv);
    const q = f32x4.pmin(f32x4.pmax(v128.load(src + o, 16), lov), hiv);
    v128.store(dst + o, p);
    v128.store(dst + o, q, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.pmin(f32x4.pmax(v128.load(src + o), lov), hiv));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    storeTail(dst + o, f32x4.pmin(f32x4.pmax(loadTail(src + o, r), lov), hiv), r);
  }
}

/** dst[i] = value for i < n. */
export function fill(dst: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v);
  const r = n - i;
  if (r > 0) storeTail(dst + (<usize>i << 2), v, r);
}

/** dst = src (n floats); the buffers may overlap in any way (memmove). */
export function copy(src: usize, dst: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

/**
 * dst (cols×rows) = srcᵀ for a row-major rows×cols src, in 4×4 blocks transposed in
 * registers; the edge rows and columns are copied one by one. src and dst must not overlap.
 */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  const srcRow = <usize>cols << 2;
  const dstRow = <usize>rows << 2;
  const rows4 = rows & ~3;
  const cols4 = cols & ~3;
  for (let i = 0; i < rows4; i += 4) {
    const s = src + <usize>i * srcRow;
    const d = dst + (<usize>i << 2);
    for (let j = 0; j < cols4; j += 4) {
      const p = s + (<usize>j << 2);
      const r0 = v128.load(p);
      const r1 = v128.load(p + srcRow);
      const r2 = v128.load(p + 2 * srcRow);
      const r3 = v128.load(p + 3 * srcRow);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
      const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
      const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
      const q = d + <usize>j * dstRow;
      v128.store(q, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(q + dstRow, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      v128.store(q + 2 * dstRow, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      v128.store(q + 3 * dstRow, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
    for (let j = cols4; j < cols; j++) {
      for (let ii = i; ii < i + 4; ii++) {
        store<f32>(dst + <usize>j * dstRow + (<usize>ii << 2), load<f32>(src + <usize>ii * srcRow + (<usize>j << 2)));
      }
    }
  }
  for (let i = rows4; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      store<f32>(dst + <usize>j * dstRow + (<usize>i << 2), load<f32>(src + <usize>i * srcRow + (<usize>j << 2)));
    }
  }
}

/**
 * dst[j] = (accumulate ? dst[j] : +0) + src[0, j] + src[1, j] + … + src[rows−1, j], each
 * column summed strictly in row order (so the result equals a scalar f32 loop bit for bit).
 * Bias gradients: the column sums of dG over the batch and time rows. src is row-major
 * rows×cols; dst must not overlap it.
 */
export function columnSums(src: usize, dst: usize, rows: i32, cols: i32, accumulate: i32): void {
  const rowBytes = <usize>cols << 2;
  let j = 0;
  // Sixteen columns at a time: four independent accumulators keep the adders busy.
  for (; j + 16 <= cols; j += 16) {
    const d = dst + (<usize>j << 2);
    let a = f32x4.splat(0), b = f32x4.splat(0), c = f32x4.splat(0), e = f32x4.splat(0);
    if (accumulate) {
      a = v128.load(d);
      b = v128.load(d, 16);
      c = v128.load(d, 32);
      e = v128.load(d, 48);
    }
    let p = src + (<usize>j << 2);
    for (let i = 0; i < rows; i++, p += rowBytes) {
      a = f32x4.add(a, v128.load(p));
      b = f32x4.add(b, v128.load(p, 16));
      c = f32x4.add(c, v128.load(p, 32));
      e = f32x4.add(e, v128.load(p, 48));
    }
    v128.store(d, a);
    v128.store(d, b, 16);
    v128.store(d, c, 32);
    v128.store(d, e, 48);
  }
  for (; j + 4 <= cols; j += 4) {
    const d = dst + (<usize>j << 2);
    let a = accumulate ? v128.load(d) : f32x4.splat(0);
    let p = src + (<usize>j << 2);
    for (let i = 0; i < rows; i++, p += rowBytes) a = f32x4.add(a, v128.load(p));
    v128.store(d, a);
  }
  // The last cols % 4 columns: the same additions, one lane at a time.
  for (; j < cols; j++) {
    const d = dst + (<usize>j << 2);
    let a: f32 = accumulate ? load<f32>(d) : 0;
    let p = src + (<usize>j << 2);
    for (let i = 0; i < rows; i++, p += rowBytes) a += load<f32>(p);
    store<f32>(d, a);
  }
}

/**
 * Σ src[i]² in float64 (each square is exact), for gradient-norm clipping. Fixed order: four
 * f64 partial sums, partial k taking the elements i ≡ k (mod 4) in increasing i, combined as
 * (s0 + s1) + (s2 + s3).
 */
export function sumSquares(src: usize, n: i32): f64 {
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(src + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    s01 = f64x2.add(s01, f64x2.mul(lo, lo));
    s23 = f64x2.add(s23, f64x2.mul(hi, hi));
  }
  let s0 = f64x2.extract_lane(s01, 0);
  let s1 = f64x2.extract_lane(s01, 1);
  let s2 = f64x2.extract_lane(s23, 0);
  // The tail elements i ≡ 0, 1, 2 (mod 4) join their partial sums.
  if (i < n) { const x = <f64>load<f32>(src + (<usize>i << 2)); s0 += x * x; }
  if (i + 1 < n) { const x = <f64>load<f32>(src + (<usize>i << 2), 4); s1 += x * x; }
  if (i + 2 < n) { const x = <f64>load<f32>(src + (<usize>i << 2), 8); s2 += x * x; }
  return (s0 + s1) + (s2 + f64x2.extract_lane(s23, 1));
}

/**
 * The index of the first element of src[0, n) that is NaN or ±Infinity, or −1 when all are
 * finite (the optimizer's check of every weight after a step). x·0 is ±0 for a finite x and
 * NaN otherwise, so 16 elements cost four multiplies and three adds before one test; only a
 * block that fails is searched element by element.
 */
export function firstNonFinite(src: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = src + (<usize>i << 2);
    const a = f32x4.add(f32x4.mul(v128.load(p), zero), f32x4.mul(v128.load(p, 16), zero));
    const b = f32x4.add(f32x4.mul(v128.load(p, 32), zero), f32x4.mul(v128.load(p, 48), zero));
    const s = f32x4.add(a, b);
    if (v128.any_true(f32x4.ne(s, s))) break;
  }
  for (; i < n; i++) {
    const x = load<f32>(src + (<usize>i << 2));
    if (x - x != 0) return i;
  }
  return -1;
}
