// Loss and metric kernels, Keras 3 semantics. Predictions and targets are row-major
// [rows, width] (sparse targets: [rows] class ids held as floats, checked by the host). A loss
// is the mean over rows of a per-row loss over the last axis (Keras 'sum_over_batch_size');
// it is returned in float64, computed in float64 in a fixed order: each row's terms in
// increasing column order (or in four partial sums by column mod 4, combined as
// (s0 + s1) + (s2 + s3), where a loop is vectorised), then the rows in order. When `grad` is
// not 0 the same call writes d(mean loss)/d(pred) there in float32, 1/rows factor included.
// Every gradient element is computed in float64 and rounded to float32 once.
// `grad` must not overlap pred, target or mask (the host checks); byte offset 0 means "no
// gradient" (the host arena starts above the module's data, so no region lives there).
//
// Masks (a sequence output of padded input): `mask` is 0 (every row counts) or [rows] floats,
// a row counting when its float is nonzero (the host passes 0/1; NaN counts). As Keras's
// apply_mask under 'sum_over_batch_size', the loss is then the mean over the valid rows only:
// `valid` replaces `rows` in every divisor, a masked row is not read and its gradient is
// written as 0, and with no valid row the loss is 0 with an all-zero gradient. Metrics sum
// over the valid rows. Without a mask, or with one where every row is valid, the arithmetic
// (and so every bit) is that of the unmasked loss.
//
// Row weights (Keras sample_weight / class_weight; only lossWeighted takes them): `weights`
// is 0 (every row weighs 1) or [rows] floats, finite and >= 0 (checked by the host). A row's
// loss and its gradient are multiplied by its weight in float64; the divisor stays the row
// count (the valid count under a mask), as Keras's 'sum_over_batch_size' reduction of
// weighted values. The unweighted exports pass 0, so the weight is the constant 1 there and
// x·1 = x keeps their bits.
//
// Probabilities are clipped to [ε, 1 − ε], ε = 1e-7, as float32 like Keras; the clip passes
// the gradient where ε <= p <= 1 − ε (inclusive, as tf.clip_by_value) and stops it outside.
// Cross-entropy modes:
//   PROBABILITIES  pred holds probabilities; grad = d/d(pred).
//   FUSED          pred holds the outputs of the model's final softmax (sigmoid for binary);
//                  grad = d/d(the logits before it): (p·Σy − y)/rows for softmax CE, (p − y)/
//                  (rows·width) for sigmoid BCE. No division by p, so no blow-up near 0 or 1.
//                  (Σy = 1 for one-hot rows; soft labels keep the exact gradient p·Σy − y.)
//   LOGITS         pred holds logits (fromLogits); stable log-sum-exp / softplus, grad w.r.t.
//                  the logits as in FUSED with the softmax/sigmoid computed here.
// The logarithms and the exponentials of binary cross-entropy are float64 Math.log/exp/log1p
// (compiled into this module, so deterministic) one element at a time: there is no vector log.
// Softmax exponentials use the float32 vector expNegV (<= 1 ULP) and are summed in float64.
import { expNegV, loadTail, storeTail } from './vmath';

/** float32(1e-7) and float32(1 − 1e-7): Keras's epsilon clip bounds as a float32 model sees them. */
const P_LO: f64 = 1.0000000116860974e-7;
const P_HI: f64 = 0.9999998807907104;

const PROBABILITIES = 0;
const FUSED = 1;
const LOGITS = 2;

const MSE = 0;
const MAE = 1;
const HUBER = 2;

// ---------------------------------------------------------------------------------------------
// Row helpers. A row's last width % 4 elements are read with loadTail (zeros in the other
// lanes) so nothing past the row's end is touched.

/** Up to four floats from ptr (r >= 4: a full vector; else lanes 0..r−1, zeros above). */
// @ts-ignore: decorator
@inline function loadUpTo(ptr: usize, r: i32): v128 {
  if (r >= 4) return v128.load(ptr);
  return loadTail(ptr, r);
}

/** Stores min(r, 4) lanes of v to ptr. */
// @ts-ignore: decorator
@inline function storeUpTo(ptr: usize, v: v128, r: i32): void {
  if (r >= 4) v128.store(ptr, v);
  else storeTail(ptr, v, r);
}

/** Lanes 2, 3 of an f32x4 promoted to f64x2. */
// @ts-ignore: decorator
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

/** Two f64x2 demoted to one f32x4 (lo in lanes 0, 1). */
// @ts-ignore: decorator
@inline function demote2(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** (s01[0] + s01[1]) + (s23[0] + s23[1]): how the four partial sums of a row combine. */
// @ts-ignore: decorator
@inline function combine(s01: v128, s23: v128): f64 {
  return (f64x2.extract_lane(s01, 0) + f64x2.extract_lane(s01, 1)) + (f64x2.extract_lane(s23, 0) + f64x2.extract_lane(s23, 1));
}

/** Σ_j x[j] over a row of n floats, in float64 and the four-partial order. */
// @ts-ignore: decorator
@inline function rowSum(x: usize, n: i32): f64 {
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  for (let j = 0; j < n; j += 4) {
    const v = loadUpTo(x + (<usize>j << 2), n - j);
    s01 = f64x2.add(s01, f64x2.promote_low_f32x4(v));
    s23 = f64x2.add(s23, promoteHigh(v));
  }
  return combine(s01, s23);
}

/** The row maximum (NaN if the row holds a NaN), f32.max order-independent. */
// @ts-ignore: decorator
@inline function rowMax(x: usize, n: i32): f32 {
  let m = f32.NEGATIVE_INFINITY;
  let j = 0;
  if (n >= 4) {
    let mv = v128.load(x);
    for (j = 4; j + 4 <= n; j += 4) mv = f32x4.max(mv, v128.load(x + (<usize>j << 2)));
    m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  }
  for (; j < n; j++) m = max(m, load<f32>(x + (<usize>j << 2)));
  return m;
}

/** The first j of a row with x[j] == its maximum, or the first NaN: argmax, first maximum wins. */
// @ts-ignore: decorator
@inline function rowArgmax(x: usize, n: i32): i32 {
  const m = rowMax(x, n);
  const mv = f32x4.splat(m);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(x + (<usize>j << 2));
    const bits = i32x4.bitmask(v128.or(f32x4.eq(v, mv), f32x4.ne(v, v)));
    if (bits != 0) return j + ctz(bits);
  }
  for (; j < n; j++) {
    const v = load<f32>(x + (<usize>j << 2));
    if (v == m || v != v) return j;
  }
  return 0;
}

/** The first j >= from with y[j] != 0 (NaN counts as nonzero), or n; skips zeros four at a time. */
// @ts-ignore: decorator
@inline function nextNonzero(y: usize, from: i32, n: i32): i32 {
  let j = from;
  while (j + 4 <= n && !v128.any_true(f32x4.ne(v128.load(y + (<usize>j << 2)), f32x4.splat(0)))) j += 4;
  while (j < n && load<f32>(y + (<usize>j << 2)) == 0) j++;
  return j;
}

/** Keras's probability clip, NaN kept. */
// @ts-ignore: decorator
@inline function clipP(x: f64): f64 {
  return min(max(x, P_LO), P_HI);
}

/** Whether the clip passes the gradient at x (false for NaN). */
// @ts-ignore: decorator
@inline function unclipped(x: f64): bool {
  return x >= P_LO && x <= P_HI;
}

/** The number of rows that count: all of them without a mask, else those whose mask is nonzero. */
// @ts-ignore: decorator
@inline function validRows(mask: usize, rows: i32): i32 {
  if (mask == 0) return rows;
  let valid = 0;
  for (let row = 0; row < rows; row++) if (load<f32>(mask + (<usize>row << 2)) != 0) valid++;
  return valid;
}

/** Whether `row` is masked out (never without a mask). */
// @ts-ignore: decorator
@inline function masked(mask: usize, row: i32): bool {
  return mask != 0 && load<f32>(mask + (<usize>row << 2)) == 0;
}

/** A masked row's gradient: zeros over its `rowBytes` bytes at g (nothing when g is 0). */
// @ts-ignore: decorator
@inline function zeroGradRow(g: usize, rowBytes: usize): void {
  if (g != 0) memory.fill(g, 0, rowBytes);
}

/** The weight of `row`: 1 without weights. */
// @ts-ignore: decorator
@inline function rowWeight(weights: usize, row: i32): f64 {
  return weights == 0 ? 1 : <f64>load<f32>(weights + (<usize>row << 2));
}

/** total/valid, and 0 when no row is valid (Keras: divide_no_nan). */
// @ts-ignore: decorator
@inline function meanOver(total: f64, valid: i32): f64 {
  return valid == 0 ? 0 : total / <f64>valid;
}

// ---------------------------------------------------------------------------------------------
// Regression: mean squared error, mean absolute error, Huber. d = pred − target in float64
// (exact for most pairs of floats), two lanes at a time.

/** The per-element loss on f64 lanes of d. Huber: |d| <= δ ? ½d² : δ|d| − ½δ² (Keras). */
// @ts-ignore: decorator
@inline function regressionTerm(op: i32, d: v128, delta: v128, halfDeltaSquared: v128): v128 {
  if (op == MSE) return f64x2.mul(d, d);
  const a = f64x2.abs(d);
  if (op == MAE) return a;
  const quadratic = f64x2.mul(f64x2.splat(0.5), f64x2.mul(d, d));
  const linear = f64x2.sub(f64x2.mul(delta, a), halfDeltaSquared);
  return v128.bitselect(quadratic, linear, f64x2.le(a, delta));
}

/** d(per-element loss)/d(pred) on f64 lanes of d: 2d, sign(d) (0 at 0), clamp(d, −δ, δ). */
// @ts-ignore: decorator
@inline function regressionSlope(op: i32, d: v128, delta: v128): v128 {
  if (op == MSE) return f64x2.add(d, d);
  if (op == MAE) {
    const one = f64x2.splat(1);
    return f64x2.sub(v128.and(f64x2.gt(d, f64x2.splat(0)), one), v128.and(f64x2.lt(d, f64x2.splat(0)), one));
  }
  return f64x2.pmin(f64x2.pmax(d, f64x2.neg(delta)), delta);
}

/**
 * Σ over the valid rows of the row's mean term (row terms in the four-partial order); with
 * grad != 0 also writes slope/(valid·width) there. The losses divide the result by valid.
 */
// @ts-ignore: decorator
@inline function regressionRows(op: i32, pred: usize, target: usize, grad: usize, mask: usize, weights: usize, rows: i32, valid: i32, width: i32, delta32: f32): f64 {
  const delta = f64x2.splat(<f64>delta32);
  const halfDeltaSquared = f64x2.splat(0.5 * (<f64>delta32 * <f64>delta32));
  const count = f64x2.splat(<f64>valid * <f64>width);
  const rowBytes = <usize>width << 2;
  let total: f64 = 0;
  for (let row = 0; row < rows; row++) {
    const start = <usize>row * rowBytes;
    if (masked(mask, row)) {
      zeroGradRow(grad != 0 ? grad + start : 0, rowBytes);
      continue;
    }
    const weight = rowWeight(weights, row);
    const weightV = f64x2.splat(weight);
    let s01 = f64x2.splat(0);
    let s23 = f64x2.splat(0);
    for (let j = 0; j < width; j += 4) {
      const o = start + (<usize>j << 2);
      const r = width - j;
      const p = loadUpTo(pred + o, r);
      const t = loadUpTo(target + o, r);
      const dLo = f64x2.sub(f64x2.promote_low_f32x4(p), f64x2.promote_low_f32x4(t));
      const dHi = f64x2.sub(promoteHigh(p), promoteHigh(t));
      s01 = f64x2.add(s01, regressionTerm(op, dLo, delta, halfDeltaSquared));
      s23 = f64x2.add(s23, regressionTerm(op, dHi, delta, halfDeltaSquared));
      if (grad != 0) {
        // Without weights (a literal 0 after inlining) the multiply is left out: the cheapest
        // loss, MSE on [1000, 1], measured 5–9% slower with it.
        const slopeLo = regressionSlope(op, dLo, delta);
        const slopeHi = regressionSlope(op, dHi, delta);
        const gLo = f64x2.div(weights == 0 ? slopeLo : f64x2.mul(slopeLo, weightV), count);
        const gHi = f64x2.div(weights == 0 ? slopeHi : f64x2.mul(slopeHi, weightV), count);
        storeUpTo(grad + o, demote2(gLo, gHi), r);
      }
    }
    const rowLoss = combine(s01, s23) / <f64>width;
    total += weights == 0 ? rowLoss : weight * rowLoss;
  }
  return total;
}

/**
 * regressionRows, compiled twice: with a literal 0 mask the compiler drops the test per row,
 * which cost 10–20% of the unmasked MSE on [1000, 1]. The other losses do far more per row
 * (a log per element, a softmax per row): there the test measured within noise (<= 3%), not
 * worth the code size of a second copy (+4 KB for the two cross-entropies).
 */
// @ts-ignore: decorator
@inline function regressionSum(op: i32, pred: usize, target: usize, grad: usize, mask: usize, rows: i32, valid: i32, width: i32, delta: f32): f64 {
  return mask == 0
    ? regressionRows(op, pred, target, grad, 0, 0, rows, valid, width, delta)
    : regressionRows(op, pred, target, grad, mask, 0, rows, valid, width, delta);
}

/** Mean squared error: mean over rows of mean_j (p − y)². */
export function lossMeanSquaredError(pred: usize, target: usize, grad: usize, mask: usize, rows: i32, width: i32): f64 {
  const valid = validRows(mask, rows);
  return meanOver(regressionSum(MSE, pred, target, grad, mask, rows, valid, width, 0), valid);
}

/** Mean absolute error: mean over rows of mean_j |p − y|; its gradient is 0 where p == y. */
export function lossMeanAbsoluteError(pred: usize, target: usize, grad: usize, mask: usize, rows: i32, width: i32): f64 {
  const valid = validRows(mask, rows);
  return meanOver(regressionSum(MAE, pred, target, grad, mask, rows, valid, width, 0), valid);
}

/** Huber loss with threshold delta (> 0, checked by the host). */
export function lossHuber(pred: usize, target: usize, grad: usize, mask: usize, rows: i32, width: i32, delta: f32): f64 {
  const valid = validRows(mask, rows);
  return meanOver(regressionSum(HUBER, pred, target, grad, mask, rows, valid, width, delta), valid);
}

// ---------------------------------------------------------------------------------------------
// Binary cross-entropy: per element, one at a time in float64 (it needs a log or an exp per
// element), mean over the row, mean over rows.

// @ts-ignore: decorator
@inline function binaryRows(mode: i32, pred: usize, target: usize, grad: usize, mask: usize, weights: usize, rows: i32, width: i32): f64 {
  const valid = validRows(mask, rows);
  const count = <f64>valid * <f64>width;
  const rowBytes = <usize>width << 2;
  let total: f64 = 0;
  for (let row = 0; row < rows; row++) {
    const start = <usize>row * rowBytes;
    if (masked(mask, row)) {
      zeroGradRow(grad != 0 ? grad + start : 0, rowBytes);
      continue;
    }
    const weight = rowWeight(weights, row);
    let sum: f64 = 0;
    for (let j = 0; j < width; j++) {
      const o = start + (<usize>j << 2);
      const x = <f64>load<f32>(pred + o);
      const y = <f64>load<f32>(target + o);
      let loss: f64;
      let slope: f64;
      if (mode == LOGITS) {
        // max(x, 0) − x·y + log(1 + e^−|x|), and σ(x) from the same e^−|x|.
        const e = Math.exp(-abs(x));
        loss = (max(x, 0) - x * y) + Math.log1p(e);
        slope = (x >= 0 ? 1 / (1 + e) : e / (1 + e)) - y;
      } else {
        // −(y·log q + (1 − y)·log(1 − q)); a term whose coefficient is 0 is 0 (q is finite).
        const q = clipP(x);
        const a = y != 0 ? y * Math.log(q) : 0;
        const b = y != 1 ? (1 - y) * Math.log(1 - q) : 0;
        loss = -(a + b);
        slope = mode == FUSED ? x - y : unclipped(x) ? (q - y) / (q * (1 - q)) : 0;
      }
      sum += loss;
      if (grad != 0) store<f32>(grad + o, <f32>((slope * weight) / count));
    }
    total += weight * (sum / <f64>width);
  }
  return meanOver(total, valid);
}

/** Binary cross-entropy; `mode` PROBABILITIES (0), FUSED with a sigmoid (1) or LOGITS (2). */
export function lossBinaryCrossentropy(pred: usize, target: usize, grad: usize, mask: usize, rows: i32, width: i32, mode: i32): f64 {
  if (mode == LOGITS) return binaryRows(LOGITS, pred, target, grad, mask, 0, rows, width);
  if (mode == FUSED) return binaryRows(FUSED, pred, target, grad, mask, 0, rows, width);
  return binaryRows(PROBABILITIES, pred, target, grad, mask, 0, rows, width);
}

// ---------------------------------------------------------------------------------------------
// Categorical cross-entropy, dense targets (one-hot or soft) or sparse class ids. On
// probabilities, Keras 3 first rescales each row to sum 1: q = clip(p/S), S = Σ_j p_j, and the
// row loss is −Σ_j y_j·log q_j (terms with y_j == 0 skipped: they are 0). Sparse = one-hot.
// The row helpers take `valid`, the number of rows that count: the gradient's divisor.

/**
 * g = (p/norm·Σy − y)/valid over a row, in float64 and rounded once (so p ≈ 1 loses nothing to
 * cancellation); norm = 1 for probabilities, the exponentials' sum for logits. p may be g
 * itself. Sparse: y = e_c, which gives the same bits as a one-hot row (x·1 − 0 = x).
 */
// @ts-ignore: decorator
@inline function softmaxGradRow(sparse: bool, p: usize, y: usize, g: usize, width: i32, norm: f64, sy: f64, valid: f64, weight: f64): void {
  const normV = f64x2.splat(norm);
  const weightV = f64x2.splat(weight);
  const syV = f64x2.splat(sy);
  const validV = f64x2.splat(valid);
  // Sparse: read p_c before the loop may overwrite it (p == g for logits).
  const c = sparse ? <i32>load<f32>(y) : 0;
  const pc = sparse ? <f64>load<f32>(p + (<usize>c << 2)) / norm : 0;
  for (let j = 0; j < width; j += 4) {
    const o = <usize>j << 2;
    const r = width - j;
    const pv = loadUpTo(p + o, r);
    let lo = f64x2.div(f64x2.promote_low_f32x4(pv), normV);
    let hi = f64x2.div(promoteHigh(pv), normV);
    if (!sparse) {
      const yv = loadUpTo(y + o, r);
      lo = f64x2.sub(f64x2.mul(lo, syV), f64x2.promote_low_f32x4(yv));
      hi = f64x2.sub(f64x2.mul(hi, syV), promoteHigh(yv));
    }
    storeUpTo(g + o, demote2(f64x2.div(f64x2.mul(lo, weightV), validV), f64x2.div(f64x2.mul(hi, weightV), validV)), r);
  }
  if (sparse) store<f32>(g + (<usize>c << 2), <f32>(((pc - 1) * weight) / valid));
}

/** One row on probabilities (PROBABILITIES or FUSED): returns the row loss (unweighted), writes the weighted gradient. */
// @ts-ignore: decorator
@inline function probabilitiesRow(mode: i32, sparse: bool, p: usize, y: usize, g: usize, width: i32, valid: i32, weight: f64): f64 {
  const s = rowSum(p, width);
  let loss: f64 = 0;
  let kept: f64 = 0; // Σ y_j over the unclipped j: the part of the loss that depends on S
  if (sparse) {
    const x = <f64>load<f32>(p + (<usize><i32>load<f32>(y) << 2)) / s;
    loss = -Math.log(clipP(x));
    if (unclipped(x)) kept = 1;
  } else {
    for (let j = nextNonzero(y, 0, width); j < width; j = nextNonzero(y, j + 1, width)) {
      const yj = <f64>load<f32>(y + (<usize>j << 2));
      const x = <f64>load<f32>(p + (<usize>j << 2)) / s;
      loss -= yj * Math.log(clipP(x));
      if (unclipped(x)) kept += yj;
    }
  }
  if (g == 0) return loss;
  if (mode == FUSED) {
    softmaxGradRow(sparse, p, y, g, width, 1, sparse ? 1 : rowSum(y, width), <f64>valid, weight);
    return loss;
  }
  // d/dp_k = Σ_{j kept} y_j/S − [k kept]·y_k/p_k: a constant, then the target's columns.
  const base = kept / s;
  const fillV = f32x4.splat(<f32>((base * weight) / <f64>valid));
  for (let j = 0; j < width; j += 4) storeUpTo(g + (<usize>j << 2), fillV, width - j);
  if (sparse) {
    const c = <i32>load<f32>(y);
    if (kept != 0) store<f32>(g + (<usize>c << 2), <f32>(((base - 1 / <f64>load<f32>(p + (<usize>c << 2))) * weight) / <f64>valid));
  } else {
    for (let j = nextNonzero(y, 0, width); j < width; j = nextNonzero(y, j + 1, width)) {
      const pj = <f64>load<f32>(p + (<usize>j << 2));
      if (unclipped(pj / s)) store<f32>(g + (<usize>j << 2), <f32>(((base - <f64>load<f32>(y + (<usize>j << 2)) / pj) * weight) / <f64>valid));
    }
  }
  return loss;
}

/**
 * One row of logits: with m the row maximum and L = log Σ_j e^(z_j − m), the row loss is
 * Σ_j y_j·(L − (z_j − m)) (each term >= 0: no cancellation, no overflow). The exponentials go
 * to g when a gradient is wanted, then become (softmax·Σy − y)/valid in place.
 */
// @ts-ignore: decorator
@inline function logitsRow(sparse: bool, z: usize, y: usize, g: usize, width: i32, valid: i32, weight: f64): f64 {
  const m = rowMax(z, width);
  const mv = f32x4.splat(m);
  let s01 = f64x2.splat(0);
  let s23 = f64x2.splat(0);
  for (let j = 0; j < width; j += 4) {
    const o = <usize>j << 2;
    const r = width - j;
    let e = expNegV(f32x4.sub(loadUpTo(z + o, r), mv));
    // A tail's padding lanes (e^(0 − m)) must not join the sum.
    if (r < 4) e = v128.and(e, i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(r)));
    if (g != 0) storeUpTo(g + o, e, r);
    s01 = f64x2.add(s01, f64x2.promote_low_f32x4(e));
    s23 = f64x2.add(s23, promoteHigh(e));
  }
  const sum = combine(s01, s23);
  const lse = Math.log(sum);
  const m64 = <f64>m;
  let loss: f64 = 0;
  if (sparse) {
    loss = lse - (<f64>load<f32>(z + (<usize><i32>load<f32>(y) << 2)) - m64);
  } else {
    for (let j = nextNonzero(y, 0, width); j < width; j = nextNonzero(y, j + 1, width)) {
      loss += <f64>load<f32>(y + (<usize>j << 2)) * (lse - (<f64>load<f32>(z + (<usize>j << 2)) - m64));
    }
  }
  if (g != 0) softmaxGradRow(sparse, g, y, g, width, sum, sparse ? 1 : rowSum(y, width), <f64>valid, weight);
  return loss;
}

// @ts-ignore: decorator
@inline function categoricalRows(mode: i32, sparse: bool, pred: usize, target: usize, grad: usize, mask: usize, weights: usize, rows: i32, width: i32): f64 {
  const valid = validRows(mask, rows);
  const rowBytes = <usize>width << 2;
  let total: f64 = 0;
  for (let row = 0; row < rows; row++) {
    const p = pred + <usize>row * rowBytes;
    const y = sparse ? target + (<usize>row << 2) : target + <usize>row * rowBytes;
    const g = grad != 0 ? grad + <usize>row * rowBytes : 0;
    if (masked(mask, row)) {
      zeroGradRow(g, rowBytes);
      continue;
    }
    const weight = rowWeight(weights, row);
    total += weight * (mode == LOGITS ? logitsRow(sparse, p, y, g, width, valid, weight) : probabilitiesRow(mode, sparse, p, y, g, width, valid, weight));
  }
  return meanOver(total, valid);
}

/** Categorical cross-entropy, dense [rows, width] targets; `mode` as lossBinaryCrossentropy (FUSED: softmax). */
export function lossCategoricalCrossentropy(pred: usize, target: usize, grad: usize, mask: usize, rows: i32, width: i32, mode: i32): f64 {
  if (mode == LOGITS) return categoricalRows(LOGITS, false, pred, target, grad, mask, 0, rows, width);
  if (mode == FUSED) return categoricalRows(FUSED, false, pred, target, grad, mask, 0, rows, width);
  return categoricalRows(PROBABILITIES, false, pred, target, grad, mask, 0, rows, width);
}

/** Sparse categorical cross-entropy: ids [rows] are integers in [0, width) (checked by the host). */
export function lossSparseCategoricalCrossentropy(pred: usize, ids: usize, grad: usize, mask: usize, rows: i32, width: i32, mode: i32): f64 {
  if (mode == LOGITS) return categoricalRows(LOGITS, true, pred, ids, grad, mask, 0, rows, width);
  if (mode == FUSED) return categoricalRows(FUSED, true, pred, ids, grad, mask, 0, rows, width);
  return categoricalRows(PROBABILITIES, true, pred, ids, grad, mask, 0, rows, width);
}

// ---------------------------------------------------------------------------------------------
// Weighted losses: one export for every loss, so the unweighted exports above keep their code.

const LOSS_MSE = 0;
const LOSS_MAE = 1;
const LOSS_HUBER = 2;
const LOSS_BINARY = 3;
const LOSS_SPARSE = 5;

/**
 * The loss `loss` (LOSS_MSE … LOSS_SPARSE) with row weights `weights` ([rows] floats); `extra`
 * is Huber's delta or a cross-entropy's mode. Loss and gradient as the unweighted export, each
 * row's terms multiplied by its weight (see the header).
 */
export function lossWeighted(loss: i32, pred: usize, target: usize, grad: usize, mask: usize, weights: usize, rows: i32, width: i32, extra: f32): f64 {
  const valid = validRows(mask, rows);
  const mode = <i32>extra;
  switch (loss) {
    case LOSS_MSE:
      return meanOver(regressionRows(MSE, pred, target, grad, mask, weights, rows, valid, width, 0), valid);
    case LOSS_MAE:
      return meanOver(regressionRows(MAE, pred, target, grad, mask, weights, rows, valid, width, 0), valid);
    case LOSS_HUBER:
      return meanOver(regressionRows(HUBER, pred, target, grad, mask, weights, rows, valid, width, extra), valid);
    case LOSS_BINARY:
      if (mode == LOGITS) return binaryRows(LOGITS, pred, target, grad, mask, weights, rows, width);
      if (mode == FUSED) return binaryRows(FUSED, pred, target, grad, mask, weights, rows, width);
      return binaryRows(PROBABILITIES, pred, target, grad, mask, weights, rows, width);
    default: {
      // 4: categorical cross-entropy, LOSS_SPARSE: its sparse twin.
      const sparse = loss == LOSS_SPARSE;
      if (mode == LOGITS) return sparse ? categoricalRows(LOGITS, true, pred, target, grad, mask, weights, rows, width) : categoricalRows(LOGITS, false, pred, target, grad, mask, weights, rows, width);
      if (mode == FUSED) return sparse ? categoricalRows(FUSED, true, pred, target, grad, mask, weights, rows, width) : categoricalRows(FUSED, false, pred, target, grad, mask, weights, rows, width);
      return sparse ? categoricalRows(PROBABILITIES, true, pred, target, grad, mask, weights, rows, width) : categoricalRows(PROBABILITIES, false, pred, target, grad, mask, weights, rows, width);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Metrics: the sum over the valid rows (all rows without a mask) of a per-row value (the host
// divides an epoch's total by its valid row count). Accuracies count exactly; mae/mse use the
// loss code above.

/** Rows whose argmax (first maximum) of pred equals that of target. */
export function metricCategoricalAccuracy(pred: usize, target: usize, mask: usize, rows: i32, width: i32): f64 {
  const rowBytes = <usize>width << 2;
  let hits = 0;
  for (let row = 0; row < rows; row++) {
    const o = <usize>row * rowBytes;
    if (!masked(mask, row) && rowArgmax(pred + o, width) == rowArgmax(target + o, width)) hits++;
  }
  return <f64>hits;
}

/** Rows whose argmax of pred equals the class id (as a float: a non-integer id never matches). */
export function metricSparseCategoricalAccuracy(pred: usize, ids: usize, mask: usize, rows: i32, width: i32): f64 {
  const rowBytes = <usize>width << 2;
  let hits = 0;
  for (let row = 0; row < rows; row++) {
    if (!masked(mask, row) && <f32>rowArgmax(pred + <usize>row * rowBytes, width) == load<f32>(ids + (<usize>row << 2))) hits++;
  }
  return <f64>hits;
}

/** Σ over rows of the fraction of the row's elements with y == (p > threshold ? 1 : 0) (Keras: exact equality). */
export function metricBinaryAccuracy(pred: usize, target: usize, mask: usize, rows: i32, width: i32, threshold: f32): f64 {
  const rowBytes = <usize>width << 2;
  const thresholdV = f32x4.splat(threshold);
  const one = f32x4.splat(1);
  let total: f64 = 0;
  for (let row = 0; row < rows; row++) {
    if (masked(mask, row)) continue;
    const p = pred + <usize>row * rowBytes;
    const y = target + <usize>row * rowBytes;
    let hitsV = i32x4.splat(0);
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const o = <usize>j << 2;
      const predicted = v128.and(f32x4.gt(v128.load(p + o), thresholdV), one);
      hitsV = i32x4.sub(hitsV, f32x4.eq(v128.load(y + o), predicted)); // a true lane is −1
    }
    let hits = (i32x4.extract_lane(hitsV, 0) + i32x4.extract_lane(hitsV, 1)) + (i32x4.extract_lane(hitsV, 2) + i32x4.extract_lane(hitsV, 3));
    for (; j < width; j++) {
      const o = <usize>j << 2;
      if (load<f32>(y + o) == (load<f32>(p + o) > threshold ? <f32>1 : <f32>0)) hits++;
    }
    total += <f64>hits / <f64>width;
  }
  return total;
}

/** Σ over rows of mean_j (p − y)². (`valid` only scales a gradient, so rows stands in for it.) */
export function metricMeanSquaredError(pred: usize, target: usize, mask: usize, rows: i32, width: i32): f64 {
  return regressionSum(MSE, pred, target, 0, mask, rows, rows, width, 0);
}

/** Σ over rows of mean_j |p − y|. */
export function metricMeanAbsoluteError(pred: usize, target: usize, mask: usize, rows: i32, width: i32): f64 {
  return regressionSum(MAE, pred, target, 0, mask, rows, rows, width, 0);
}
