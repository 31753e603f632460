// Logarithm and exponential that give the same bits in every JavaScript engine.
//
// Math.log/exp are "implementation-approximated" in ECMAScript, so V8, SpiderMonkey and
// JavaScriptCore may differ in the last bit, and a weight initialised or a symbol sampled
// from them would too. IEEE + − × ÷ and Math.sqrt are exactly specified, so both are built
// from those alone:
// - log: x = m·2^e with m in [√½, √2) read from the float's bits, then ln m from the series
//   of 2·atanh(s), s = (m − 1)/(m + 1), arranged as fdlibm's log (f − (f²/2 − s·(f²/2 + R)))
//   so the rounding error stays below about one ulp, and e·ln 2 added with ln 2 split into
//   an exact high part and a low part;
// - exp: x = k·ln 2 + r, e^r by its Taylor series, 2^k from bits.

const LN2_HI = 6.93147180369123816490e-1; // ln 2 rounded to 32 bits: k·LN2_HI is exact for |k| < 2^20
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


const LN2 = 0.6931471805599453;
/** 1/n! for n = 0…14: the Taylor series of e^r for |r| <= ln2/2, the last term below 2^−60 of the sum. */
const TAYLOR: number[] = [1];
for (let n = 1; n <= 14; n++) TAYLOR.push(TAYLOR[n - 1] / n);

const pow2 = new DataView(new ArrayBuffer(8));
/** 2^k for −1022 <= k <= 1023, from its bits. */
function twoTo(k: number): number {
  pow2.setUint32(0, (k + 1023) << 20);
  pow2.setUint32(4, 0);
  return pow2.getFloat64(0);
}

/**
 * e^x from + − × ÷ only: identical in every engine, within 1 ulp of V8's Math.exp (2M samples).
 * x = k·ln 2 + r with |r| <= ln2/2 (ln 2 split so k·ln 2 is exact), e^r by its Taylor series,
 * times 2^k built from bits (in two steps for subnormal results).
 */
export function exp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  const k = Math.round(x / LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  let sum = TAYLOR[TAYLOR.length - 1];
  for (let n = TAYLOR.length - 2; n >= 0; n--) sum = TAYLOR[n] + r * sum;
  if (k > 1023) return sum * twoTo(1023) * 2;
  if (k < -1022) return sum * twoTo(k + 64) * twoTo(-64);
  return sum * twoTo(k);
}
