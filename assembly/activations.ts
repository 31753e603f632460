// Activation buffer kernels over the vector math of vmath.ts (accuracy documented there).
// Pointers are byte offsets into memory owned by the host; counts are in floats. Every
// kernel may run in place (dst == src); partially overlapping buffers are not supported.
// Tails (n % 4 elements) go through the same vector code as the body, so an element's result
// does not depend on its position.
import {
  expV, expNegV, sigmoidV, tanhV, hardSigmoidV, hardSigmoidKeras3V, reluV,
  sigmoidGradV, tanhGradV, reluGradV, hardSigmoidGradV, hardSigmoidKeras3GradV,
  loadTail, storeTail,
} from './vmath';

const EXP = 0;
const SIGMOID = 1;
const TANH = 2;
const HARD_SIGMOID = 3;
const RELU = 4;
const HARD_SIGMOID_KERAS3 = 5;

/** The activation `op` (a compile-time constant after inlining, so only one branch remains). */
// @ts-ignore: decorator
@inline function activate(op: i32, x: v128): v128 {
  if (op == EXP) return expV(x);
  if (op == SIGMOID) return sigmoidV(x);
  if (op == TANH) return tanhV(x);
  if (op == HARD_SIGMOID) return hardSigmoidV(x);
  if (op == HARD_SIGMOID_KERAS3) return hardSigmoidKeras3V(x);
  return reluV(x);
}

/** dst[i] = op(src[i]) for i < n, four vectors per iteration (the math is latency-bound). */
// @ts-ignore: decorator
@inline function mapActivation(op: i32, src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const a = activate(op, v128.load(src + o));
    const b = activate(op, v128.load(src + o, 16));
    const c = activate(op, v128.load(src + o, 32));
    const d = activate(op, v128.load(src + o, 48));
    v128.store(dst + o, a);
    v128.store(dst + o, b, 16);
    v128.store(dst + o, c, 32);
    v128.store(dst + o, d, 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, activate(op, v128.load(src + o)));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    storeTail(dst + o, activate(op, loadTail(src + o, r)), r);
  }
}

/** dst = e^src (n floats). */
export function exp(src: usize, dst: usize, n: i32): void {
  mapActivation(EXP, src, dst, n);
}

/** dst = σ(src) = 1/(1 + e^-src). */
export function sigmoid(src: usize, dst: usize, n: i32): void {
  mapActivation(SIGMOID, src, dst, n);
}

/** dst = tanh(src). */
export function tanh(src: usize, dst: usize, n: i32): void {
  mapActivation(TANH, src, dst, n);
}

/** dst = clip(0.2·src + 0.5, 0, 1) (TF.js hardSigmoid). */
export function hardSigmoid(src: usize, dst: usize, n: i32): void {
  mapActivation(HARD_SIGMOID, src, dst, n);
}

/** dst = relu6(src + 3) / 6 (Keras 3 hard_sigmoid). */
export function hardSigmoidKeras3(src: usize, dst: usize, n: i32): void {
  mapActivation(HARD_SIGMOID_KERAS3, src, dst, n);
}

/** dst = max(src, 0). */
export function relu(src: usize, dst: usize, n: i32): void {
  mapActivation(RELU, src, dst, n);
}

/** The derivative of activation `op` from its output y. */
// @ts-ignore: decorator
@inline function derivative(op: i32, y: v128): v128 {
  if (op == SIGMOID) return sigmoidGradV(y);
  if (op == TANH) return tanhGradV(y);
  if (op == HARD_SIGMOID) return hardSigmoidGradV(y);
  if (op == HARD_SIGMOID_KERAS3) return hardSigmoidKeras3GradV(y);
  return reluGradV(y);
}

/** dx[i] = dy[i]·op'(from y[i]) for i < n; dx may be dy or y. */
// @ts-ignore: decorator
@inline function mapGrad(op: i32, y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const a = f32x4.mul(v128.load(dy + o), derivative(op, v128.load(y + o)));
    const b = f32x4.mul(v128.load(dy + o, 16), derivative(op, v128.load(y + o, 16)));
    v128.store(dx + o, a);
    v128.store(dx + o, b, 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), derivative(op, v128.load(y + o))));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    storeTail(dx + o, f32x4.mul(loadTail(dy + o, r), derivative(op, loadTail(y + o, r))), r);
  }
}

/** dx = dy·y(1 − y), where y = σ(x): the backward pass of sigmoid from its output. */
export function sigmoidGrad(y: usize, dy: usize, dx: usize, n: i32): void {
  mapGrad(SIGMOID, y, dy, dx, n);
}

/** dx = dy·(1 − y²), where y = tanh(x). */
export function tanhGrad(y: usize, dy: usize, dx: usize, n: i32): void {
  mapGrad(TANH, y, dy, dx, n);
}

/** dx = dy where y > 0, else 0, where y = relu(x). */
export function reluGrad(y: usize, dy: usize, dx: usize, n: i32): void {
  mapGrad(RELU, y, dy, dx, n);
}

/** dx = 0.2·dy where 0 < y < 1, else 0, where y = hardSigmoid(x). */
export function hardSigmoidGrad(y: usize, dy: usize, dx: usize, n: i32): void {
  mapGrad(HARD_SIGMOID, y, dy, dx, n);
}

/** dx = dy/6 where 0 < y < 1, else 0, where y = hardSigmoidKeras3(x). */
export function hardSigmoidKeras3Grad(y: usize, dy: usize, dx: usize, n: i32): void {
  mapGrad(HARD_SIGMOID_KERAS3, y, dy, dx, n);
}

/**
 * Row-wise softmax of a rows×cols matrix: dst[r, j] = e^(src[r, j] − m_r) / s_r with m_r the
 * row maximum and s_r the sum of the exponentials, accumulated in a fixed order (four lane
 * sums over the vector part, combined as (l0 + l1) + (l2 + l3), then the tail elements in
 * order). The division is exact-rounded, not a multiply by 1/s. A row holding NaN or +Inf
 * becomes NaN; so does a row of −Inf only.
 */
export function softmax(src: usize, dst: usize, rows: i32, cols: i32): void {
  const body = cols & ~3;
  const r = cols & 3;
  const rowBytes = <usize>cols << 2;
  for (let row = 0; row < rows; row++) {
    const x = src + <usize>row * rowBytes;
    const y = dst + <usize>row * rowBytes;
    // Maximum: f32x4.max/f32.max propagate NaN; the order of a maximum does not matter.
    let m = f32.NEGATIVE_INFINITY;
    if (body > 0) {
      let mv = v128.load(x);
      for (let j = 4; j < body; j += 4) mv = f32x4.max(mv, v128.load(x + (<usize>j << 2)));
      m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    }
    for (let j = body; j < cols; j++) m = max(m, load<f32>(x + (<usize>j << 2)));
    const mv = f32x4.splat(m);
    // Exponentials into dst, and their sum.
    let sv = f32x4.splat(0);
    for (let j = 0; j < body; j += 4) {
      const o = <usize>j << 2;
      const e = expNegV(f32x4.sub(v128.load(x + o), mv));
      v128.store(y + o, e);
      sv = f32x4.add(sv, e);
    }
    let s = (f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1)) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
    if (r > 0) {
      const o = <usize>body << 2;
      const e = expNegV(f32x4.sub(loadTail(x + o, r), mv));
      storeTail(y + o, e, r);
      s += f32x4.extract_lane(e, 0);
      if (r > 1) s += f32x4.extract_lane(e, 1);
      if (r > 2) s += f32x4.extract_lane(e, 2);
    }
    // Normalise.
    const div = f32x4.splat(s);
    for (let j = 0; j < body; j += 4) {
      const o = <usize>j << 2;
      v128.store(y + o, f32x4.div(v128.load(y + o), div));
    }
    if (r > 0) {
      const o = <usize>body << 2;
      storeTail(y + o, f32x4.div(loadTail(y + o, r), div), r);
    }
  }
}

/**
 * The backward pass of row-wise softmax from its output: dx[r, j] = y[r, j]·(dy[r, j] − d_r)
 * with d_r = Σ_j dy[r, j]·y[r, j], summed in the same fixed order as softmax. dx may be dy or y.
 */
export function softmaxGrad(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  const body = cols & ~3;
  const r = cols & 3;
  const rowBytes = <usize>cols << 2;
  for (let row = 0; row < rows; row++) {
    const yr = y + <usize>row * rowBytes;
    const dyr = dy + <usize>row * rowBytes;
    const dxr = dx + <usize>row * rowBytes;
    let dv = f32x4.splat(0);
    for (let j = 0; j < body; j += 4) {
      const o = <usize>j << 2;
      dv = f32x4.add(dv, f32x4.mul(v128.load(dyr + o), v128.load(yr + o)));
    }
    let d = (f32x4.extract_lane(dv, 0) + f32x4.extract_lane(dv, 1)) + (f32x4.extract_lane(dv, 2) + f32x4.extract_lane(dv, 3));
    for (let j = body; j < cols; j++) {
      const o = <usize>j << 2;
      d += load<f32>(dyr + o) * load<f32>(yr + o);
    }
    const dsplat = f32x4.splat(d);
    for (let j = 0; j < body; j += 4) {
      const o = <usize>j << 2;
      v128.store(dxr + o, f32x4.mul(v128.load(yr + o), f32x4.sub(v128.load(dyr + o), dsplat)));
    }
    if (r > 0) {
      const o = <usize>body << 2;
      storeTail(dxr + o, f32x4.mul(loadTail(yr + o, r), f32x4.sub(loadTail(dyr + o, r), dsplat)), r);
    }
  }
}
