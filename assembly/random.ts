// The initializers' random draws (src/layers/initializers.ts), bit for bit as the JavaScript
// Prng (src/util/prng.ts) and the polar-method sampler made them: one call fills a whole
// weight, instead of a JS call per number running cold in the engine's interpreter.
//
// `state` points at the generator's four xoshiro128** words (s0 … s3, 16 bytes), which the
// host copies in before the call and back after it, so that drawing continues in JS where
// the fill stopped. Every value is float64 arithmetic in the order of the JS code it mirrors
// (Wasm has no fused multiply-add and f64.sqrt is correctly rounded, like Math.sqrt), then
// rounded once to f32 where the weight is f32. Nothing is checked here: the TypeScript
// wrapper (src/kernels/random.ts) guarantees sizes and arguments.

/** The next 32 random bits (xoshiro128** 1.1), advancing the state in memory. */
// @ts-ignore: decorator
@inline function nextU32(state: usize): u32 {
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return result;
}

/** Prng.float(): a multiple of 2^−53 in [0, 1) from 27 + 26 bits of two draws (every step exact). */
// @ts-ignore: decorator
@inline function nextFloat(state: usize): f64 {
  const high = <f64>(nextU32(state) >>> 5);
  const low = <f64>(nextU32(state) >>> 6);
  return (high * 67108864.0 + low) / 9007199254740992.0;
}

const LN2_HI: f64 = 6.93147180369123816490e-1; // ln 2 rounded to 32 bits: k·LN2_HI is exact for |k| < 2^20
const LN2_LO: f64 = 1.90821492927058770002e-10; // ln 2 − LN2_HI
const SQRT_TWO: f64 = 1.4142135623730951;

/**
 * detmath.ts's log, the same float64 operations in the same order, for the polar method's
 * s = u² + v²: a normal number in [2^−104, 1), so the JS function's subnormal lift and its
 * m < √½ branch (m is read in [1, 2)) never apply and are left out.
 */
function polarLog(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  let exponent = <f64>(<i32>(bits >>> 52) - 1023);
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000); // mantissa with exponent 0: m in [1, 2)
  if (m > SQRT_TWO) {
    m /= 2; // exact
    exponent += 1;
  }
  const f = m - 1; // exact (Sterbenz)
  const s = f / (2 + f);
  const z = s * s;
  // R(z) = Σ z^k·2/(2k + 1), k = 1 … 12, by Horner from the last term (detmath's SERIES[k] = 2/(2k + 3)).
  let r = 2.0 / 25.0;
  r = 2.0 / 23.0 + z * r;
  r = 2.0 / 21.0 + z * r;
  r = 2.0 / 19.0 + z * r;
  r = 2.0 / 17.0 + z * r;
  r = 2.0 / 15.0 + z * r;
  r = 2.0 / 13.0 + z * r;
  r = 2.0 / 11.0 + z * r;
  r = 2.0 / 9.0 + z * r;
  r = 2.0 / 7.0 + z * r;
  r = 2.0 / 5.0 + z * r;
  r = 2.0 / 3.0 + z * r;
  r *= z;
  const halfSquare = 0.5 * f * f;
  return exponent * LN2_HI - (halfSquare - (s * (halfSquare + r) + exponent * LN2_LO) - f);
}

/**
 * Uniform in [min, max) as f32, n values at `out`: f32(min + (max − min)·u), u = Prng.float();
 * a draw that rounds up to f32(max) is redrawn (unless f32(max) = f32(min): then it is the only value).
 */
export function randomUniform(state: usize, out: usize, n: i32, min: f64, max: f64): void {
  const width = max - min;
  const top = <f32>max;
  const bottom = <f32>min;
  for (let i = 0; i < n; i++) {
    let value: f32;
    do value = <f32>(min + width * nextFloat(state));
    while (value >= top && top > bottom);
    store<f32>(out + (<usize>i << 2), value);
  }
}

/**
 * n normal values at `out`, mean + stddev·z (SCALED) or z itself, each rounded once to T; z from the
 * polar method as the JS NormalSampler drew them: each accepted pair (u, v) gives u·factor,
 * then v·factor, used in that order. With `truncated`, a z beyond ±2 is skipped and the next
 * taken (Keras's truncated normal). A pair's second value left over at the end is dropped,
 * as the JS sampler, made afresh for each weight, dropped it.
 */
// @ts-ignore: decorator
@inline function normalFill<T>(state: usize, out: usize, n: i32, mean: f64, stddev: f64, truncated: bool, SCALED: bool): void {
  let i = 0;
  while (i < n) {
    const u = 2 * nextFloat(state) - 1; // exact: float() is a multiple of 2^−53 in [0, 1)
    const v = 2 * nextFloat(state) - 1;
    const s = u * u + v * v;
    if (s >= 1 || s == 0) continue;
    const factor = sqrt<f64>((-2 * polarLog(s)) / s);
    const first = u * factor;
    if (!truncated || (first <= 2 && first >= -2)) {
      store<T>(out + (<usize>i) * sizeof<T>(), <T>(SCALED ? mean + stddev * first : first));
      i++;
    }
    const second = v * factor;
    if (i < n && (!truncated || (second <= 2 && second >= -2))) {
      store<T>(out + (<usize>i) * sizeof<T>(), <T>(SCALED ? mean + stddev * second : second));
      i++;
    }
  }
}

/** n f32 normal values (mean, stddev, optionally truncated to ±2 standard deviations) at `out`. */
export function randomNormal(state: usize, out: usize, n: i32, mean: f64, stddev: f64, truncated: bool): void {
  normalFill<f32>(state, out, n, mean, stddev, truncated, true);
}

/** n f64 standard normal values at `out`, untruncated: the Orthogonal initializer's matrix. */
export function standardNormal64(state: usize, out: usize, n: i32): void {
  normalFill<f64>(state, out, n, 0, 1, false, false);
}
