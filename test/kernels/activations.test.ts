// The activation kernels against float64 references written out here: accuracy in ULPs over
// a sweep of more than a million points, the special values, exact thresholds, tails,
// determinism, in-place use, untouched guards past n, and argument errors.
import { describe, expect, it } from 'vitest';
import { arena, type F32Region } from '../../src/index.js';
import { activate, activateGrad, exp, relu, sigmoid, softmax, softmaxGrad, tanh, type GradActivation, type UnaryActivation } from '../../src/kernels/index.js';
import { worstRelative } from '../util/compare.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { GUARD, GUARD_VALUE, regionsFreedAfterEach } from '../util/regions.js';

const seed = testSeed();
const random = rng(seed);
const SIZES = [0, 1, 2, 3, 4, 5, 6, 17, 19, 30, 129, 131, 1001];
const FLT_MAX = 3.4028234663852886e38;
const FLT_MIN = 2 ** -126;
const DENORM_MIN = 2 ** -149;

/** The bound of each transcendental, in ULPs (assembly/vmath.ts). */
const ULP_BOUND: Record<'exp' | 'sigmoid' | 'tanh', number> = { exp: 1, sigmoid: 2, tanh: 4 };

const reference: Record<UnaryActivation, (x: number) => number> = {
  exp: (x) => Math.exp(x),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
  // Defined on float32 operations (TF.js computes it in float32 too), so compared exactly.
  hardSigmoid: (x) => Math.min(1, Math.max(0, Math.fround(Math.fround(Math.fround(0.2) * x) + 0.5))),
  // Keras 3: relu6(x + 3) / 6 in float32 (a float64 quotient of float32s rounds to the float32 one).
  hardSigmoidKeras3: (x) => Math.fround(Math.min(6, Math.max(0, Math.fround(x + 3))) / 6),
  relu: (x) => (x < 0 ? 0 : x),
};
const KINDS = Object.keys(reference) as UnaryActivation[];

const { region, poisoned } = regionsFreedAfterEach();

function expectGuards(r: F32Region, n: number, what: string): void {
  expect([...r.view().subarray(n)], `${what}: elements past n were written (seed ${seed})`).toEqual(new Array(GUARD).fill(GUARD_VALUE));
}

/** Signed-magnitude bits mapped to a monotonic integer line, so ULP distance is a difference. */
function ordinal(bits: number): number {
  return bits < 0 ? -(bits & 0x7fffffff) : bits;
}

/** max |ulp(actual) − ulp(fround(expected))| with its input; NaN matches only NaN. */
function maxUlp(xs: Float32Array, actual: Float32Array, f: (x: number) => number): { ulp: number; x: number; got: number; want: number } {
  const want = new Float32Array(xs.length);
  for (let i = 0; i < xs.length; i++) want[i] = f(xs[i]);
  const a = new Int32Array(actual.buffer, actual.byteOffset, actual.length);
  const w = new Int32Array(want.buffer);
  let worst = { ulp: 0, x: 0, got: 0, want: 0 };
  for (let i = 0; i < xs.length; i++) {
    const bothNaN = Number.isNaN(actual[i]) && Number.isNaN(want[i]);
    const ulp = bothNaN ? 0 : Number.isNaN(actual[i]) || Number.isNaN(want[i]) ? Infinity : Math.abs(ordinal(a[i]) - ordinal(w[i]));
    if (ulp > worst.ulp) worst = { ulp, x: xs[i], got: actual[i], want: want[i] };
  }
  return worst;
}

function run(kind: UnaryActivation, xs: Float32Array): Float32Array {
  const src = region(xs);
  activate(kind, src);
  return src.toArray();
}

/** ≥ 1M points: an even grid over [-30, 30], random points there, and ±10^k down to denormals. */
function sweep(): Float32Array {
  const grid = 1 << 20;
  const points: number[] = [];
  for (let i = 0; i < grid; i++) points.push(-30 + (60 * i) / (grid - 1));
  for (let i = 0; i < 100_000; i++) points.push(-30 + 60 * random());
  for (let e = -45; e < 1.5; e += 0.001) points.push(10 ** e, -(10 ** e));
  return Float32Array.from(points);
}

describe(`activations (seed ${seed})`, () => {
  describe.each(['exp', 'sigmoid', 'tanh'] as const)('%s accuracy', (kind) => {
    it(`is within ${ULP_BOUND[kind]} ULP of the float64 reference over the sweep`, () => {
      const xs = sweep();
      expect(xs.length).toBeGreaterThanOrEqual(1_000_000);
      const worst = maxUlp(xs, run(kind, xs), reference[kind]);
      expect(worst.ulp, `${kind}: max ${worst.ulp} ULP at x=${worst.x} (got ${worst.got}, want ${worst.want}), seed ${seed}`).toBeLessThanOrEqual(ULP_BOUND[kind]);
    });
  });

  it('exp is within 1 ULP over its whole range, denormal results included', () => {
    const xs = Float32Array.from({ length: 200_001 }, (_, i) => -104 + (193 * i) / 200_000);
    const worst = maxUlp(xs, run('exp', xs), Math.exp);
    expect(worst.ulp, `exp: max ${worst.ulp} ULP at x=${worst.x} (got ${worst.got}, want ${worst.want})`).toBeLessThanOrEqual(1);
  });

  it('sigmoid is within 2 ULP where its result is tiny or denormal', () => {
    const xs = Float32Array.from({ length: 100_001 }, (_, i) => -104 + (74 * i) / 100_000);
    const worst = maxUlp(xs, run('sigmoid', xs), reference.sigmoid);
    expect(worst.ulp, `sigmoid: max ${worst.ulp} ULP at x=${worst.x} (got ${worst.got}, want ${worst.want})`).toBeLessThanOrEqual(2);
  });

  it('maps the special values exactly', () => {
    const xs = [0, -0, Infinity, -Infinity, NaN, DENORM_MIN, -DENORM_MIN, FLT_MIN - DENORM_MIN, FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX];
    const expected: Record<'exp' | 'sigmoid' | 'tanh', number[]> = {
      exp: [1, 1, Infinity, 0, NaN, 1, 1, 1, 1, 1, Infinity, 0],
      sigmoid: [0.5, 0.5, 1, 0, NaN, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 0],
      tanh: [0, -0, 1, -1, NaN, DENORM_MIN, -DENORM_MIN, FLT_MIN - DENORM_MIN, FLT_MIN, -FLT_MIN, 1, -1],
    };
    for (const kind of ['exp', 'sigmoid', 'tanh'] as const) {
      const got = [...run(kind, Float32Array.from(xs))];
      // toEqual distinguishes -0 from 0 and matches NaN with NaN.
      expect(got, `${kind}(${xs.join(', ')})`).toEqual(expected[kind]);
    }
    expect([...run('hardSigmoid', Float32Array.from([NaN, -Infinity, Infinity, -2.5, 2.5, 0]))]).toEqual([NaN, 0, 1, 0, 1, 0.5]);
    expect([...run('relu', Float32Array.from([NaN, -Infinity, Infinity, -1, 2, 0]))]).toEqual([NaN, 0, Infinity, 0, 2, 0]);
    expect([...run('hardSigmoidKeras3', Float32Array.from([NaN, -Infinity, Infinity, -3, 3, 0, -FLT_MAX, FLT_MAX]))]).toEqual([NaN, 0, 1, 0, 1, 0.5, 0, 1]);
  });

  it('hardSigmoidKeras3 is Keras 3\'s relu6(x + 3)/6 within 1 ULP of float64, and not TF.js\'s hardSigmoid', () => {
    const xs = uniform(random, 100_003, -4, 4);
    const worst = maxUlp(xs, run('hardSigmoidKeras3', xs), (x) => Math.min(6, Math.max(0, x + 3)) / 6);
    expect(worst.ulp, `${worst.ulp} ULP at x=${worst.x} (seed ${seed})`).toBeLessThanOrEqual(1);
    // The two formulas agree only at 0 and outside ±3: at x = 1, 2/3 against 0.7.
    expect([...run('hardSigmoidKeras3', Float32Array.of(1, 2.5))]).toEqual([Math.fround(4 / 6), Math.fround(5.5 / 6)]);
    expect([...run('hardSigmoid', Float32Array.of(1, 2.5))]).toEqual([Math.fround(0.7), 1]);
  });

  it('hardSigmoidKeras3Grad matches central finite differences of the float64 formula', () => {
    const f64 = (x: number) => Math.min(6, Math.max(0, x + 3)) / 6;
    // Away from the kinks at ±3, where the slope is not defined.
    const xs = Float32Array.from(uniform(random, 997, -5, 5).filter((x) => Math.abs(Math.abs(x) - 3) > 1e-2));
    const dyValues = uniform(random, xs.length, -2, 2);
    const dx = region(dyValues);
    activateGrad('hardSigmoidKeras3', region(run('hardSigmoidKeras3', xs)), dx);
    const h = 1e-4;
    const numeric = [...xs].map((x, i) => (dyValues[i] * (f64(x + h) - f64(x - h))) / (2 * h));
    expect(worstRelative(dx.view(), numeric, 1e-6, 1e-6), `seed ${seed}`).toBeUndefined();
  });

  it('exp overflows and underflows at the float32 thresholds', () => {
    // The first f32 above ln(FLT_MAX) gives +Inf; the first below ln(2^-150) gives 0.
    const over = 88.72283935546875;
    const under = -103.97208404541016;
    const next = (x: number, ulps: number) => new Float32Array(new Int32Array([new Int32Array(Float32Array.of(x).buffer)[0] + ulps]).buffer)[0];
    const xs = Float32Array.from([next(over, -1), over, next(over, 1), next(under, -1), under, next(under, 1)]);
    const got = run('exp', xs);
    const want = [...xs].map((x) => Math.fround(Math.exp(x)));
    expect(want).toEqual([Math.fround(Math.exp(next(over, -1))), Infinity, Infinity, DENORM_MIN, 0, 0]);
    expect(want[0]).toBeLessThan(Infinity);
    expect([...got], `exp(${[...xs].join(', ')})`).toEqual(want);
  });

  describe.each(KINDS)('%s', (kind) => {
    const bound = kind in ULP_BOUND ? ULP_BOUND[kind as keyof typeof ULP_BOUND] : 0;

    it.each(SIZES)('n=%i out of place and in place, guards untouched', (n) => {
      const xs = uniform(random, n, -12, 12);
      const src = region(xs);
      const dst = poisoned(n);
      activate(kind, src, dst, n);
      const out = dst.view().slice(0, n);
      const worst = maxUlp(xs, out, reference[kind]);
      expect(worst.ulp, `${kind} n=${n}: ${worst.ulp} ULP at x=${worst.x} (seed ${seed})`).toBeLessThanOrEqual(bound);
      expect([...src.view()], 'src changed').toEqual([...xs]);
      expectGuards(dst, n, kind);

      const inPlace = poisoned(n);
      inPlace.view().set(xs);
      activate(kind, inPlace, inPlace, n);
      expect([...inPlace.view().subarray(0, n)], `${kind} in place n=${n} (seed ${seed})`).toEqual([...out]);
      expectGuards(inPlace, n, `${kind} in place`);
    });

    it('gives an element the same bits in the body and in the tail, and on a second run', () => {
      const xs = uniform(random, 1003, -12, 12);
      const base = run(kind, xs);
      for (const shift of [1, 2, 3, 5]) {
        // Shifted, every element meets both a full vector and a tail position.
        const moved = run(kind, xs.subarray(shift));
        expect(new Uint32Array(moved.buffer), `${kind} shift ${shift} (seed ${seed})`).toEqual(new Uint32Array(base.slice(shift).buffer));
      }
      expect(new Uint32Array(run(kind, xs).buffer), 'second run').toEqual(new Uint32Array(base.buffer));
    });

    it('works on regions that are not 16-byte aligned', () => {
      const xs = uniform(random, 37, -5, 5);
      const src = region([0, ...xs]);
      const dst = poisoned(40);
      activate(kind, src.sub(1), dst.sub(3, 37));
      expect(new Uint32Array(dst.view().slice(3, 40).buffer)).toEqual(new Uint32Array(run(kind, xs).buffer));
    });
  });

  describe('derivatives from outputs', () => {
    const f = Math.fround;
    const grad: Record<GradActivation, (y: number) => number> = {
      sigmoid: (y) => f(y * f(1 - y)),
      tanh: (y) => f(1 - f(y * y)),
      relu: (y) => (y > 0 ? 1 : 0),
      hardSigmoid: (y) => (y > 0 && y < 1 ? f(0.2) : 0),
      hardSigmoidKeras3: (y) => (y > 0 && y < 1 ? f(1 / 6) : 0),
    };
    const slopeFromInput: Record<GradActivation, (x: number) => number> = {
      sigmoid: (x) => reference.sigmoid(x) * (1 - reference.sigmoid(x)),
      tanh: (x) => 1 - Math.tanh(x) ** 2,
      relu: (x) => (x > 0 ? 1 : 0),
      hardSigmoid: (x) => (Math.abs(x) < 2.5 ? 0.2 : 0),
      hardSigmoidKeras3: (x) => (Math.abs(x) < 3 ? 1 / 6 : 0),
    };

    describe.each(Object.keys(grad) as GradActivation[])('%sGrad', (kind) => {
      it.each(SIZES)('n=%i: dx = dy·f\'(y) exactly, and matches f\'(x) to float32', (n) => {
        const xs = uniform(random, n, -4, 4);
        const y = region(run(kind, xs));
        const dyValues = uniform(random, n, -2, 2);
        const dy = region(dyValues);
        const dx = poisoned(n);
        activateGrad(kind, y, dy, dx, n);
        const yv = y.view();
        const want = [...dyValues].map((d, i) => f(d * grad[kind](yv[i])));
        expect([...dx.view().subarray(0, n)], `${kind}Grad n=${n} (seed ${seed})`).toEqual(want);
        const fromInput = [...dyValues].map((d, i) => d * slopeFromInput[kind](xs[i]));
        // From a float32 y, 1 − y² and y(1 − y) carry an absolute (not relative) error ~1e-7.
        const mismatch = worstRelative(dx.view().subarray(0, n), fromInput, 1e-6, 1);
        expect(mismatch, `${kind}Grad vs the slope at x (seed ${seed})`).toBeUndefined();
        expectGuards(dx, n, `${kind}Grad`);
        activateGrad(kind, y, dy); // in place into dy
        expect([...dy.view()]).toEqual(want);
      });
    });
  });

  describe('softmax', () => {
    function softmaxReference(xs: Float32Array, rows: number, cols: number): number[] {
      const out: number[] = [];
      for (let r = 0; r < rows; r++) {
        const row = [...xs.subarray(r * cols, (r + 1) * cols)];
        const m = Math.max(...row);
        // The kernel subtracts the maximum in float32, as the spec says; the rest is exact here.
        const e = row.map((x) => Math.exp(Math.fround(x - m)));
        const s = e.reduce((a, b) => a + b, 0);
        out.push(...e.map((v) => v / s));
      }
      return out;
    }

    it.each([
      [1, 1], [2, 3], [3, 4], [4, 5], [5, 17], [7, 129], [2, 1001], [0, 8],
    ])('%i×%i matches the float64 reference, in place too', (rows, cols) => {
      const xs = uniform(random, rows * cols, -20, 20);
      const src = region(xs);
      const dst = poisoned(rows * cols);
      softmax(src, rows, cols, dst);
      const got = dst.view().slice(0, rows * cols);
      // The row sum of up to cols terms in float32, then one division and one exp rounding.
      const tolerance = 4e-7 + 6e-8 * Math.ceil(cols / 4);
      const mismatch = worstRelative(got, softmaxReference(xs, rows, cols), tolerance, 1e-38);
      expect(mismatch, `softmax ${rows}×${cols} (seed ${seed})`).toBeUndefined();
      expectGuards(dst, rows * cols, 'softmax');
      softmax(src, rows, cols);
      expect(new Uint32Array(src.toArray().buffer), 'in place').toEqual(new Uint32Array(got.buffer));
    });

    it('subtracts the row maximum (no overflow for large inputs) and propagates NaN and +Inf', () => {
      const src = region([1000, 1001, 1002, 0, 0, NaN, 0, Infinity, -Infinity, -Infinity, 1, 1]);
      softmax(src, 4, 3);
      const got = [...src.view()];
      const e = [Math.exp(-2), Math.exp(-1), 1];
      const s = e[0] + e[1] + e[2];
      expect(worstRelative(got.slice(0, 3), e.map((v) => v / s), 1e-6)).toBeUndefined();
      expect(got.slice(3, 9)).toEqual([NaN, NaN, NaN, NaN, NaN, NaN]);
      expect(got.slice(9)).toEqual([0, 0.5, 0.5]);
    });

    it('is deterministic and its rows sum to 1', () => {
      const cols = 4 * 6 + 3;
      const row = uniform(random, cols, -3, 3);
      const first = region(row);
      const second = region(row);
      softmax(first, 1, cols);
      softmax(second, 1, cols);
      expect(new Uint32Array(first.toArray().buffer)).toEqual(new Uint32Array(second.toArray().buffer));
      const sum = [...first.view()].reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-6);
    });

    it.each([[1, 1], [3, 5], [4, 17], [2, 130]])('softmaxGrad %i×%i matches y·(dy − Σ dy·y)', (rows, cols) => {
      const xs = uniform(random, rows * cols, -3, 3);
      const y = region(xs);
      softmax(y, rows, cols);
      const dyValues = uniform(random, rows * cols, -1, 1);
      const dy = region(dyValues);
      const dx = poisoned(rows * cols);
      softmaxGrad(y, dy, rows, cols, dx);
      const yv = y.view();
      const got = dx.view();
      // dx = y·(dy − Σ dy·y) cancels when dy ≈ Σ dy·y, so the float32 error is bounded by the
      // magnitude of the terms, y·(|dy| + Σ|dy·y|), times a few (cols + 2) roundings.
      const unit = 2 ** -24;
      for (let r = 0; r < rows; r++) {
        let d = 0;
        let magnitude = 0;
        for (let j = 0; j < cols; j++) {
          d += dyValues[r * cols + j] * yv[r * cols + j];
          magnitude += Math.abs(dyValues[r * cols + j] * yv[r * cols + j]);
        }
        for (let j = 0; j < cols; j++) {
          const i = r * cols + j;
          const want = yv[i] * (dyValues[i] - d);
          const bound = 2 * (cols + 2) * unit * yv[i] * (Math.abs(dyValues[i]) + magnitude);
          expect(Math.abs(got[i] - want), `softmaxGrad [${r}][${j}] got ${got[i]}, want ${want} (seed ${seed})`).toBeLessThanOrEqual(bound);
        }
      }
      expectGuards(dx, rows * cols, 'softmaxGrad');
    });
  });

  describe('argument checks', () => {
    it('rejects bad counts, short or freed regions and partial overlaps before running', () => {
      const src = region([1, 2, 3, 4, 5]);
      const dst = region([NaN, NaN, NaN]);
      expect(() => sigmoid(src, dst)).toThrow('sigmoid(dst): needs 5 floats but the region holds 3');
      expect(() => tanh(src, src, 6)).toThrow('tanh(src): needs 6 floats but the region holds 5');
      expect(() => exp(src, src, 1.5)).toThrow('exp(n): expected an integer >= 0, got 1.5');
      expect(() => exp(src, src, -1)).toThrow('exp(n): expected an integer >= 0, got -1');
      expect(() => sigmoid(src.sub(0, 4), src.sub(1, 4))).toThrow(/sigmoid\(dst\): expected the same region as src or no overlap with it/);
      expect(() => activate('softplus' as UnaryActivation, src)).toThrow('activate(kind): expected one of exp, sigmoid, tanh, hardSigmoid, hardSigmoidKeras3, relu, got softplus');
      expect(() => activateGrad('exp' as GradActivation, src, src)).toThrow('activateGrad(kind): expected one of sigmoid, tanh, hardSigmoid, hardSigmoidKeras3, relu, got exp');
      expect(() => softmax(src, 2, 3)).toThrow('softmax(src): needs 6 floats but the region holds 5');
      expect(() => softmax(src, 1, 0)).toThrow('softmax(cols): expected an integer >= 1, got 0');
      expect(() => softmaxGrad(src, src, 1, 5, dst)).toThrow('softmaxGrad(dx): needs 5 floats but the region holds 3');
      expect(() => sigmoid({} as F32Region)).toThrow('sigmoid(src): expected an F32Region of the seqwasm arena, got Object');
      const freed = arena().fromArray([1, 2]);
      arena().free(freed);
      expect(() => relu(freed)).toThrow(/relu\(src\): the region at byte \d+ was freed/);
      expect([...dst.view()]).toEqual([NaN, NaN, NaN]);
    });
  });
});
