// Standard normal draws that are the same bits in every JavaScript engine.
//
// Math.log/sin/cos are "implementation-approximated" in ECMAScript, so V8, SpiderMonkey and
// JavaScriptCore may differ in the last bit, and a weight initialised from them would too.
// IEEE + − × ÷ and Math.sqrt are exactly specified. So:
// - the transform is Marsaglia's polar method, which needs only a logarithm and a square
//   root (Box–Muller would also need sin and cos);
// - the logarithm is ours: x = m·2^e with m in [√½, √2) read from the float's bits, then
//   ln m from the series of 2·atanh(s), s = (m − 1)/(m + 1), arranged as fdlibm's log
//   (f − (f²/2 − s·(f²/2 + R))) so the rounding error stays below about one ulp, and
//   e·ln 2 added with ln 2 split into an exact high part and a low part.
import type { Prng } from '../util/prng.js';

const LN2_HI = 6.93147180369123816490e-1; // ln 2 rounded to 32 bits: e·LN2_HI is exact
const LN2_LO = 1.90821492927058770002e-10; // ln 2 − LN2_HI
const SQRT_HALF = 0.7071067811865476; // literals rather than Math.SQRT1_2 and Math.SQRT2, which the spec only calls approximate
const SQRT_TWO = 1.4142135623730951;
/** 2/(2k + 1) for k = 1…12: R(z) = Σ z^k·2/(2k + 1), z = s² ≤ 0.0295, the last term below 2^−60 of the sum. */
const SERIES = Array.from({ length: 12 }, (_, k) => 2 / (2 * k + 3));

const bits = new DataView(new ArrayBuffer(8));

/** ln(x) for finite x > 0 from + − × ÷ only: within about 1 ulp of the true value, identical in every engine. */
export function log(x: number): number {
  if (!(x > 0) || x === Infinity) throw new RangeError(`log(x): expected a finite number > 0, got ${x}`);
  let exponent = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54: lift a subnormal into the normal range
    exponent = -54;
  }
  bits.setFloat64(0, x);
  const high = bits.getUint32(0);
  exponent += (high >>> 20) - 1023;
  bits.setUint32(0, (high & 0x000fffff) | 0x3ff00000); // mantissa with exponent 0: m in [1, 2)
  let m = bits.getFloat64(0);
  if (m > SQRT_TWO) {
    m /= 2; // exact
    exponent += 1;
  } else if (m < SQRT_HALF) {
    m *= 2;
    exponent -= 1;
  }
  const f = m - 1; // exact (Sterbenz)
  const s = f / (2 + f);
  const z = s * s;
  let r = SERIES[SERIES.length - 1];
  for (let k = SERIES.length - 2; k >= 0; k--) r = SERIES[k] + z * r;
  r *= z;
  const halfSquare = 0.5 * f * f;
  return exponent * LN2_HI - (halfSquare - (s * (halfSquare + r) + exponent * LN2_LO) - f);
}

/** Standard normal numbers from a Prng by the polar method; each accepted pair gives two draws, used in order. */
export class NormalSampler {
  private spare: number | undefined;

  constructor(private readonly rng: Prng) {}

  next(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    for (;;) {
      const u = 2 * this.rng.float() - 1; // exact: float() is a multiple of 2^−53 in [0, 1)
      const v = 2 * this.rng.float() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const factor = Math.sqrt((-2 * log(s)) / s);
      this.spare = v * factor;
      return u * factor;
    }
  }
}
