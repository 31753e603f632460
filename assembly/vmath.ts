// Vector math building blocks: @inline functions on f32x4 lanes that the buffer kernels
// (activations.ts, elementwise.ts) and the layers' fused gate epilogues call. Import them from
// here, not from a file that index.ts re-exports: an exported v128 function would become a
// Wasm export that JS cannot call.
//
// Accuracy, in ULPs against the float64 function rounded to f32, measured on the built
// kernels over all 2^32 f32 inputs (and checked on 1M+ points by
// test/kernels/activations.test.ts):
//   expV      <= 1 ULP (99.5% correctly rounded), denormal results included; +Inf from
//             x = 88.72283935546875 (the first f32 above ln FLT_MAX), +0 from x = -103.97208404541016
//             down, both as correctly rounded
//   sigmoidV  <= 2 ULP (96.6% correctly rounded)
//   tanhV     <= 4 ULP (97.1% correctly rounded, 12 inputs at 4); odd, so tanhV(-0) = -0
// All three map NaN to NaN and saturate exactly: exp(-Inf) = 0, exp(+Inf) = +Inf,
// sigmoid(-Inf) = 0, sigmoid(+Inf) = 1, tanh(±Inf) = ±1.
// Only plain (deterministic) SIMD: no relaxed or fused operations, so every lane's result is
// the same bits on every engine. Clamps use pmin/pmax (one instruction on x64, NaN kept in the
// first operand) rather than min/max (a seven-instruction NaN-propagating sequence in V8).

// Constants live in a 16-byte-aligned static table, one v128 per constant (the value four
// times), and are loaded where they are used. Binaryen folds f32x4.splat(constant) into a
// v128.const that V8 rebuilds through a general register (three instructions) on every loop
// iteration; a load cannot be folded and costs one L1 µop. Measured on sigmoid: as fast as
// hoisting the constants into locals by hand, 7% faster than splats.
const K = memory.data<f32>([
  1.0, 1.0, 1.0, 1.0,
  -0.0, -0.0, -0.0, -0.0, // the sign bit
  1.4426950216293335, 1.4426950216293335, 1.4426950216293335, 1.4426950216293335, // log2(e)
  // -ln 2 in two parts: the high part has 16 significant bits, so n·LN2_HI is exact for |n| <= 256
  -0.693145751953125, -0.693145751953125, -0.693145751953125, -0.693145751953125,
  -1.428606765330187e-6, -1.428606765330187e-6, -1.428606765330187e-6, -1.428606765330187e-6,
  // q(t) ≈ (e^t − 1)/t on |t| <= ln2/2 (q0 = 1): minimax for the relative error of 1 + t·q(t), 1.9e-9
  0.4999999403953552, 0.4999999403953552, 0.4999999403953552, 0.4999999403953552, // q1
  0.16666428744792938, 0.16666428744792938, 0.16666428744792938, 0.16666428744792938, // q2
  0.04166799783706665, 0.04166799783706665, 0.04166799783706665, 0.04166799783706665, // q3
  0.008374333381652832, 0.008374333381652832, 0.008374333381652832, 0.008374333381652832, // q4
  0.0013844565255567431, 0.0013844565255567431, 0.0013844565255567431, 0.0013844565255567431, // q5
  // Rounding magic 1.5·2^23: adding it rounds to an integer held in the low mantissa bits.
  12582912.0, 12582912.0, 12582912.0, 12582912.0,
  // The magic plus an exponent bias, so that (bits << 23) is 2^n scaled by 2^(bias − 127).
  12583039.0, 12583039.0, 12583039.0, 12583039.0, // bias 127: 2^n
  12583103.0, 12583103.0, 12583103.0, 12583103.0, // bias 191: 2^(n+64)
  5.421010862427522e-20, 5.421010862427522e-20, 5.421010862427522e-20, 5.421010862427522e-20, // 2^-64
  // Input clamps: exp(x) is +0 below -103.972 and +Inf above 88.723 in f32; tanh(x) is 1 above 9.011.
  -104.0, -104.0, -104.0, -104.0,
  89.0, 89.0, 89.0, 89.0,
  -18.5, -18.5, -18.5, -18.5, // -2·|x| clamp for tanh
  2.0, 2.0, 2.0, 2.0,
  0.2, 0.2, 0.2, 0.2, // hardSigmoid slope (TF.js: clip(0.2x + 0.5, 0, 1))
  0.5, 0.5, 0.5, 0.5,
  3.0, 3.0, 3.0, 3.0, // Keras 3 hard_sigmoid: relu6(x + 3) / 6
  6.0, 6.0, 6.0, 6.0,
  0.1666666716337204, 0.1666666716337204, 0.1666666716337204, 0.1666666716337204, // its slope, f32(1/6)
], 16);

const ONE = 0;
const SIGN = 1;
const LOG2E = 2;
const MINUS_LN2_HI = 3;
const MINUS_LN2_LO = 4;
const Q1 = 5;
const Q2 = 6;
const Q3 = 7;
const Q4 = 8;
const Q5 = 9;
const MAGIC = 10;
const MAGIC_BIAS_127 = 11;
const MAGIC_BIAS_191 = 12;
const TWO_TO_MINUS_64 = 13;
const EXP_LO = 14;
const EXP_HI = 15;
const TANH_Z_LO = 16;
const TWO = 17;
const HARD_SLOPE = 18;
const HALF = 19;
const THREE = 20;
const SIX = 21;
const SIXTH = 22;

/** The constant in slot `slot` of the table, in all four lanes. */
// @ts-ignore: decorator
@inline function k(slot: i32): v128 {
  return v128.load(K + (<usize>slot << 4));
}

/** e^t − 1 ≈ t·q(t), evaluated as q(t) (Estrin's scheme: shorter dependency chain than Horner). */
// @ts-ignore: decorator
@inline function expQ(t: v128): v128 {
  const t2 = f32x4.mul(t, t);
  const q45 = f32x4.add(f32x4.mul(k(Q5), t), k(Q4));
  const q23 = f32x4.add(f32x4.mul(k(Q3), t), k(Q2));
  const q01 = f32x4.add(f32x4.mul(k(Q1), t), k(ONE));
  return f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(q45, t2), q23), t2), q01);
}

/** t = x − n·ln 2 in two steps (Cody–Waite): n·LN2_HI is exact, only the small n·LN2_LO term rounds. */
// @ts-ignore: decorator
@inline function reduce(x: v128, n: v128): v128 {
  const t = f32x4.add(f32x4.mul(n, k(MINUS_LN2_HI)), x);
  return f32x4.add(f32x4.mul(n, k(MINUS_LN2_LO)), t);
}

/**
 * e^x for x <= 0 (or NaN); the cheaper half of expV. Results below 2^-126 are formed as
 * (2^(n+64)·p)·2^-64 so they round once, as denormals should.
 */
// @ts-ignore: decorator
@inline export function expNegV(x: v128): v128 {
  const z = f32x4.pmax(x, k(EXP_LO));
  const rounded = f32x4.add(f32x4.mul(z, k(LOG2E)), k(MAGIC_BIAS_191));
  const s = i32x4.shl(rounded, 23); // 2^(n+64)
  const t = reduce(z, f32x4.sub(rounded, k(MAGIC_BIAS_191)));
  const e = f32x4.add(f32x4.mul(f32x4.mul(t, s), expQ(t)), s);
  return f32x4.mul(e, k(TWO_TO_MINUS_64));
}

/**
 * e^x, <= 1 ULP for every f32 x. 2^n (n in [-150, 128]) is applied as two factors
 * 2^(n>>1)·2^(n − n>>1), each a normal number, so overflow gives +Inf and gradual underflow
 * rounds once.
 */
// @ts-ignore: decorator
@inline export function expV(x: v128): v128 {
  const z = f32x4.pmin(f32x4.pmax(x, k(EXP_LO)), k(EXP_HI));
  const rounded = f32x4.add(f32x4.mul(z, k(LOG2E)), k(MAGIC));
  const n = i32x4.sub(rounded, k(MAGIC));
  const nHalf = i32x4.shr_s(n, 1);
  const s1 = i32x4.add(i32x4.shl(nHalf, 23), k(ONE)); // 2^(n>>1): the bits of 1.0 add the bias
  const s2 = i32x4.add(i32x4.shl(i32x4.sub(n, nHalf), 23), k(ONE));
  const t = reduce(z, f32x4.sub(rounded, k(MAGIC)));
  const e = f32x4.add(f32x4.mul(f32x4.mul(t, s1), expQ(t)), s1);
  return f32x4.mul(e, s2);
}

/**
 * σ(x) = 1/(1 + e^-x), <= 2 ULP. Computes f = e/(1 + e) with e = e^-|x| (no cancellation),
 * then σ(x) = f for x < 0 and 1 − f otherwise.
 */
// @ts-ignore: decorator
@inline export function sigmoidV(x: v128): v128 {
  const e = expNegV(v128.or(x, k(SIGN)));
  const f = f32x4.div(e, f32x4.add(e, k(ONE)));
  return v128.bitselect(f, f32x4.sub(k(ONE), f), i32x4.shr_s(x, 31));
}

/**
 * tanh(x), <= 4 ULP. With m = e^(−2|x|) − 1 (an expm1 that keeps full relative accuracy near
 * 0: for |x| < ~0.17 it is t·q(t) alone), tanh|x| = −m/(m + 2); the sign of x is put back last,
 * so the function is exactly odd. −2|x| is clamped at −18.5, where the result is 1.
 */
// @ts-ignore: decorator
@inline export function tanhV(x: v128): v128 {
  const z = f32x4.pmax(f32x4.mul(v128.or(x, k(SIGN)), k(TWO)), k(TANH_Z_LO));
  const rounded = f32x4.add(f32x4.mul(z, k(LOG2E)), k(MAGIC_BIAS_127));
  const s = i32x4.shl(rounded, 23); // 2^n, n in [-27, 0]
  const t = reduce(z, f32x4.sub(rounded, k(MAGIC_BIAS_127)));
  const m = f32x4.add(f32x4.mul(f32x4.mul(t, s), expQ(t)), f32x4.sub(s, k(ONE)));
  // m/(m + 2) = −tanh|x|: keep its magnitude, take the sign of x (so tanh(±0) = ±0).
  return v128.bitselect(x, f32x4.div(m, f32x4.add(m, k(TWO))), k(SIGN));
}

/** TF.js hardSigmoid: clip(0.2x + 0.5, 0, 1) (Keras 3's relu6(x + 3)/6 differs). NaN stays NaN. */
// @ts-ignore: decorator
@inline export function hardSigmoidV(x: v128): v128 {
  const y = f32x4.add(f32x4.mul(x, k(HARD_SLOPE)), k(HALF));
  return f32x4.pmin(f32x4.pmax(y, f32x4.splat(0)), k(ONE));
}

/** Keras 3 hard_sigmoid: relu6(x + 3) / 6, in that order (the division exact-rounded). NaN stays NaN. */
// @ts-ignore: decorator
@inline export function hardSigmoidKeras3V(x: v128): v128 {
  const relu6 = f32x4.pmin(f32x4.pmax(f32x4.add(x, k(THREE)), f32x4.splat(0)), k(SIX));
  return f32x4.div(relu6, k(SIX));
}

/** max(x, 0); NaN stays NaN and −0 stays −0 (equal to 0). */
// @ts-ignore: decorator
@inline export function reluV(x: v128): v128 {
  return f32x4.pmax(x, f32x4.splat(0));
}

// Derivatives taken from the activation's output y, as backward passes store outputs.
// Kinks take the value 0 (relu at 0, hardSigmoid at ±2.5, Keras 3's at ±3), as in TF.js.

/** σ'(x) = y(1 − y). */
// @ts-ignore: decorator
@inline export function sigmoidGradV(y: v128): v128 {
  return f32x4.mul(y, f32x4.sub(k(ONE), y));
}

/** tanh'(x) = 1 − y². */
// @ts-ignore: decorator
@inline export function tanhGradV(y: v128): v128 {
  return f32x4.sub(k(ONE), f32x4.mul(y, y));
}

/** relu'(x) = 1 where y > 0, else 0. */
// @ts-ignore: decorator
@inline export function reluGradV(y: v128): v128 {
  return v128.and(f32x4.gt(y, f32x4.splat(0)), k(ONE));
}

/** hardSigmoid'(x) = 0.2 where 0 < y < 1, else 0. */
// @ts-ignore: decorator
@inline export function hardSigmoidGradV(y: v128): v128 {
  return v128.and(v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.lt(y, k(ONE))), k(HARD_SLOPE));
}

/** Keras 3 hard_sigmoid'(x) = 1/6 where 0 < y < 1, else 0. */
// @ts-ignore: decorator
@inline export function hardSigmoidKeras3GradV(y: v128): v128 {
  return v128.and(v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.lt(y, k(ONE))), k(SIXTH));
}

// Tails: the last n % 4 elements go through the same vector code, gathered into a register
// (other lanes zero) and scattered back, so a tail element gets the same bits as it would in
// a full vector, and nothing outside [ptr, ptr + 4r) is read or written.

/** Lanes 0..r−1 from ptr (1 <= r <= 3), zeros above. */
// @ts-ignore: decorator
@inline export function loadTail(ptr: usize, r: i32): v128 {
  let v = v128.load32_zero(ptr);
  if (r > 1) v = v128.load32_lane(ptr, v, 1, 4);
  if (r > 2) v = v128.load32_lane(ptr, v, 2, 8);
  return v;
}

/** Stores lanes 0..r−1 of v to ptr (1 <= r <= 3). */
// @ts-ignore: decorator
@inline export function storeTail(ptr: usize, v: v128, r: i32): void {
  v128.store32_lane(ptr, v, 0);
  if (r > 1) v128.store32_lane(ptr, v, 1, 4);
  if (r > 2) v128.store32_lane(ptr, v, 2, 8);
}
