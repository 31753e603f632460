// Optimizer update kernels: one call updates one weight tensor in place from its gradient,
// together with that tensor's slots (optimizer state). Pointers are byte offsets into memory
// owned by the host; counts are in floats; a slot a configuration does not use is passed as 0
// and never touched. The weights, gradient and slots must not overlap.
//
// Every element is updated by the same f32x4 code (tails gathered into a vector, as in
// activations.ts), in plain IEEE f32 arithmetic: no fused multiply-add, so the results are
// the same bits on every engine. Scalars that depend on the step (Adam's bias corrections)
// are computed here in f64 from the step number, with this module's own Math.pow.
//
// Decoupled weight decay (Keras 3 `weight_decay`, AdamW) is the first thing each update does:
// w ← w − w·decay with decay = learningRate·weightDecay, as Keras applies it before the step.
import { loadTail, storeTail } from './vmath';

/** Four lanes from ptr, or the first r of them (others zero) in a tail; r is 4 in the body loops. */
// @ts-ignore: decorator
@inline function ld(ptr: usize, r: i32): v128 {
  return r == 4 ? v128.load(ptr) : loadTail(ptr, r);
}

// @ts-ignore: decorator
@inline function st(ptr: usize, v: v128, r: i32): void {
  if (r == 4) v128.store(ptr, v);
  else storeTail(ptr, v, r);
}

/** w − w·decay: decoupled weight decay. With decay 0 it is w exactly (w·0 = ±0), so no variant without it is needed. */
// @ts-ignore: decorator
@inline function decayed(w: v128, decay: v128): v128 {
  return f32x4.sub(w, f32x4.mul(w, decay));
}

/** x·a + y·b: each product rounded, then the sum (the moving averages of RMSprop and Adam). */
// @ts-ignore: decorator
@inline function mix(x: v128, a: v128, y: v128, b: v128): v128 {
  return f32x4.add(f32x4.mul(x, a), f32x4.mul(y, b));
}

// ---- SGD ---------------------------------------------------------------------------------

/** One group of lanes at byte offset o (r lanes). */
// @ts-ignore: decorator
@inline function sgdLanes(o: usize, r: i32, w: usize, g: usize, vel: usize, lr: v128, mu: v128, decay: v128,
  withMomentum: bool, nesterov: bool): void {
  const x = decayed(ld(w + o, r), decay);
  const step = f32x4.mul(ld(g + o, r), lr);
  if (!withMomentum) {
    st(w + o, f32x4.sub(x, step), r);
    return;
  }
  // Keras 3: the velocity holds the learning rate (v = μ·v − lr·g), so a changing rate
  // weighs each step's gradient by the rate of that step.
  const v = f32x4.sub(f32x4.mul(ld(vel + o, r), mu), step);
  st(vel + o, v, r);
  st(w + o, f32x4.add(x, nesterov ? f32x4.sub(f32x4.mul(v, mu), step) : v), r);
}

// @ts-ignore: decorator
@inline function sgdLoop(w: usize, g: usize, vel: usize, n: i32, lr: f32, momentum: f32, decay: f32,
  withMomentum: bool, nesterov: bool): void {
  const lrv = f32x4.splat(lr);
  const muv = f32x4.splat(momentum);
  const dv = f32x4.splat(decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) sgdLanes(<usize>i << 2, 4, w, g, vel, lrv, muv, dv, withMomentum, nesterov);
  if (i < n) sgdLanes(<usize>i << 2, n - i, w, g, vel, lrv, muv, dv, withMomentum, nesterov);
}

/**
 * SGD, Keras 3 form. momentum == 0: w ← w − lr·g (vel unused). Otherwise
 * vel ← μ·vel − lr·g, then w ← w + vel, or with Nesterov w ← w + μ·vel − lr·g.
 */
export function sgdUpdate(w: usize, g: usize, vel: usize, n: i32, lr: f32, momentum: f32, nesterov: i32, decay: f32): void {
  if (momentum == 0) sgdLoop(w, g, vel, n, lr, momentum, decay, false, false);
  else if (nesterov) sgdLoop(w, g, vel, n, lr, momentum, decay, true, true);
  else sgdLoop(w, g, vel, n, lr, momentum, decay, true, false);
}

// ---- RMSprop -----------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function rmspropLanes(o: usize, r: i32, w: usize, g: usize, ms: usize, mom: usize, mg: usize,
  lr: v128, rho: v128, oneMinusRho: v128, mu: v128, eps: v128, decay: v128,
  withMomentum: bool, centered: bool): void {
  const x = decayed(ld(w + o, r), decay);
  const gv = ld(g + o, r);
  const s = mix(ld(ms + o, r), rho, f32x4.mul(gv, gv), oneMinusRho);
  st(ms + o, s, r);
  let den: v128;
  if (centered) {
    const a = mix(ld(mg + o, r), rho, gv, oneMinusRho);
    st(mg + o, a, r);
    den = f32x4.add(f32x4.sub(s, f32x4.mul(a, a)), eps);
  } else {
    den = f32x4.add(s, eps);
  }
  let inc = f32x4.div(f32x4.mul(lr, gv), f32x4.sqrt(den));
  if (withMomentum) {
    inc = f32x4.add(f32x4.mul(ld(mom + o, r), mu), inc);
    st(mom + o, inc, r);
  }
  st(w + o, f32x4.sub(x, inc), r);
}

// @ts-ignore: decorator
@inline function rmspropLoop(w: usize, g: usize, ms: usize, mom: usize, mg: usize, n: i32,
  lr: f32, rho: f32, oneMinusRho: f32, momentum: f32, eps: f32, decay: f32,
  withMomentum: bool, centered: bool): void {
  const lrv = f32x4.splat(lr);
  const rv = f32x4.splat(rho);
  const cv = f32x4.splat(oneMinusRho);
  const muv = f32x4.splat(momentum);
  const ev = f32x4.splat(eps);
  const dv = f32x4.splat(decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) rmspropLanes(<usize>i << 2, 4, w, g, ms, mom, mg, lrv, rv, cv, muv, ev, dv, withMomentum, centered);
  if (i < n) rmspropLanes(<usize>i << 2, n - i, w, g, ms, mom, mg, lrv, rv, cv, muv, ev, dv, withMomentum, centered);
}

/**
 * RMSprop, Keras 3 form: ms ← ρ·ms + (1−ρ)·g²; centered: mg ← ρ·mg + (1−ρ)·g and
 * d = ms − mg² + ε, else d = ms + ε; inc = lr·g/√d; with momentum mom ← μ·mom + inc and
 * w ← w − mom, else w ← w − inc. (TF.js 4.22 subtracts ε in the centered form, a bug that
 * takes the square root of a negative number once ms − mg² < ε.) `oneMinusRho` is 1 − ρ
 * rounded once from float64, as Keras and TF.js form it.
 */
export function rmspropUpdate(w: usize, g: usize, ms: usize, mom: usize, mg: usize, n: i32,
  lr: f32, rho: f32, oneMinusRho: f32, momentum: f32, eps: f32, centered: i32, decay: f32): void {
  // One loop per combination, so each inlines without the branches it does not need.
  if (momentum != 0) {
    if (centered) rmspropLoop(w, g, ms, mom, mg, n, lr, rho, oneMinusRho, momentum, eps, decay, true, true);
    else rmspropLoop(w, g, ms, mom, mg, n, lr, rho, oneMinusRho, momentum, eps, decay, true, false);
  } else {
    if (centered) rmspropLoop(w, g, ms, mom, mg, n, lr, rho, oneMinusRho, momentum, eps, decay, false, true);
    else rmspropLoop(w, g, ms, mom, mg, n, lr, rho, oneMinusRho, momentum, eps, decay, false, false);
  }
}

// ---- Adam --------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function adamLanes(o: usize, r: i32, w: usize, g: usize, m: usize, v: usize, vhat: usize,
  b1: v128, c1: v128, b2: v128, c2: v128, alpha: v128, eps: v128, decay: v128,
  amsgrad: bool): void {
  const x = decayed(ld(w + o, r), decay);
  const gv = ld(g + o, r);
  const mv = mix(ld(m + o, r), b1, gv, c1);
  let vv = mix(ld(v + o, r), b2, f32x4.mul(gv, gv), c2);
  st(m + o, mv, r);
  st(v + o, vv, r);
  if (amsgrad) {
    vv = f32x4.max(ld(vhat + o, r), vv);
    st(vhat + o, vv, r);
  }
  st(w + o, f32x4.sub(x, f32x4.div(f32x4.mul(mv, alpha), f32x4.add(f32x4.sqrt(vv), eps))), r);
}

// @ts-ignore: decorator
@inline function adamLoop(w: usize, g: usize, m: usize, v: usize, vhat: usize, n: i32,
  b1: f32, c1: f32, b2: f32, c2: f32, alpha: f32, eps: f32, decay: f32, amsgrad: bool): void {
  const b1v = f32x4.splat(b1);
  const c1v = f32x4.splat(c1);
  const b2v = f32x4.splat(b2);
  const c2v = f32x4.splat(c2);
  const av = f32x4.splat(alpha);
  const ev = f32x4.splat(eps);
  const dv = f32x4.splat(decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) adamLanes(<usize>i << 2, 4, w, g, m, v, vhat, b1v, c1v, b2v, c2v, av, ev, dv, amsgrad);
  if (i < n) adamLanes(<usize>i << 2, n - i, w, g, m, v, vhat, b1v, c1v, b2v, c2v, av, ev, dv, amsgrad);
}

/**
 * Adam step number `step` (1 for the first): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * AMSGrad: v̂ ← max(v̂, v) used in place of v; then w ← w − α·m/(√v + ε̂), where the bias
 * corrections are folded into the scalars (Keras 3's form, one division per element):
 * α = lr·√(1−β2^t)/(1−β1^t) and ε̂ = ε·√(1−β2^t), the powers of β rounded to float32. That is exactly TF.js's
 * w − lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1^t), v̂ = v/(1−β2^t). Keras 3 adds ε itself to √v, in
 * effect ε/√(1−β2^t) on √v̂ (31.6·ε at step 1 with β2 = 0.999); for gradients below ~1e-3
 * that moves the first steps by more than 1e-5 relative, so we keep TF.js's (and the paper's
 * Algorithm 1) placement of ε.
 */
export function adamUpdate(w: usize, g: usize, m: usize, v: usize, vhat: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, step: i32, amsgrad: i32, decay: f32): void {
  // β^t of the float32 β, as Keras (ops.power of the cast β) and TF.js (a float32 running
  // product) form it: 1 − f32(0.999) is 1.3e-5 away from 0.001, which the bias correction
  // would otherwise carry into the first updates.
  const t = <f64>step;
  const correction2 = Math.sqrt(1 - Math.pow(<f64><f32>beta2, t));
  const alpha = <f32>(lr * correction2 / (1 - Math.pow(<f64><f32>beta1, t)));
  const epsHat = <f32>(eps * correction2);
  const b1 = <f32>beta1;
  const c1 = <f32>(1 - beta1);
  const b2 = <f32>beta2;
  const c2 = <f32>(1 - beta2);
  if (amsgrad) {
    adamLoop(w, g, m, v, vhat, n, b1, c1, b2, c2, alpha, epsHat, decay, true);
  } else {
    adamLoop(w, g, m, v, vhat, n, b1, c1, b2, c2, alpha, epsHat, decay, false);
  }
}

// ---- Adagrad -----------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function adagradLanes(o: usize, r: i32, w: usize, g: usize, acc: usize, lr: v128, eps: v128, decay: v128): void {
  const x = decayed(ld(w + o, r), decay);
  const gv = ld(g + o, r);
  const a = f32x4.add(ld(acc + o, r), f32x4.mul(gv, gv));
  st(acc + o, a, r);
  st(w + o, f32x4.sub(x, f32x4.div(f32x4.mul(lr, gv), f32x4.sqrt(f32x4.add(a, eps)))), r);
}

// @ts-ignore: decorator
@inline function adagradLoop(w: usize, g: usize, acc: usize, n: i32, lr: f32, eps: f32, decay: f32): void {
  const lrv = f32x4.splat(lr);
  const ev = f32x4.splat(eps);
  const dv = f32x4.splat(decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) adagradLanes(<usize>i << 2, 4, w, g, acc, lrv, ev, dv);
  if (i < n) adagradLanes(<usize>i << 2, n - i, w, g, acc, lrv, ev, dv);
}

/** Adagrad (Keras 3 and TF.js agree): acc ← acc + g², w ← w − lr·g/√(acc + ε). */
export function adagradUpdate(w: usize, g: usize, acc: usize, n: i32, lr: f32, eps: f32, decay: f32): void {
  adagradLoop(w, g, acc, n, lr, eps, decay);
}

// ---- scalars -----------------------------------------------------------------------------

/** x^y in f64 by this module's pow: the same bits on every engine, unlike the host's Math.pow (learning-rate schedules). */
export function pow64(x: f64, y: f64): f64 {
  return Math.pow(x, y);
}
