// The element-wise and reduction kernels against references written out here. Every kernel
// is one float32 operation per element (or a documented fixed order), so the references
// emulate it with Math.fround and the comparison is bit for bit; sumSquares is also checked
// against a plain float64 sum.
import { describe, expect, it } from 'vitest';
import type { F32Region } from '../../src/index.js';
import { add, axpy, clip, columnSums, copy, fill, firstNonFinite, mul, scale, sub, sumSquares, transpose } from '../../src/kernels/index.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { GUARD, GUARD_VALUE, regionsFreedAfterEach } from '../util/regions.js';

const seed = testSeed();
const random = rng(seed);
const SIZES = [0, 1, 2, 3, 4, 5, 6, 17, 19, 30, 129, 131, 1001];
const SHAPES: [number, number][] = [[0, 3], [3, 0], [1, 1], [1, 7], [7, 1], [3, 4], [4, 4], [5, 3], [4, 17], [17, 5], [129, 33], [64, 67]];
const f = Math.fround;

const { region, poisoned } = regionsFreedAfterEach();

/** The first n values (as bits, so −0 and NaN payloads count) and the guards after them. */
function expectOutput(r: F32Region, want: ArrayLike<number>, what: string): void {
  const n = want.length;
  const got = r.view();
  expect(new Uint32Array(got.slice(0, n).buffer), `${what} (seed ${seed})`).toEqual(new Uint32Array(Float32Array.from(want).buffer));
  expect([...got.subarray(n)], `${what}: elements past n were written (seed ${seed})`).toEqual(new Array(GUARD).fill(GUARD_VALUE));
}

describe(`elementwise (seed ${seed})`, () => {
  const binaries = { add: [add, (a: number, b: number) => f(a + b)], sub: [sub, (a: number, b: number) => f(a - b)], mul: [mul, (a: number, b: number) => f(a * b)] } as const;

  describe.each(Object.keys(binaries) as (keyof typeof binaries)[])('%s', (name) => {
    const [kernel, op] = binaries[name];
    it.each(SIZES)('n=%i out of place and in place into either input', (n) => {
      const a = uniform(random, n, -100, 100);
      const b = uniform(random, n, -100, 100);
      const want = [...a].map((x, i) => op(x, b[i]));
      const dst = poisoned(n);
      kernel(region(a), region(b), dst, n);
      expectOutput(dst, want, `${name} n=${n}`);
      const intoA = region([...a, ...new Array(GUARD).fill(GUARD_VALUE)]);
      kernel(intoA, region(b), intoA, n);
      expectOutput(intoA, want, `${name} into a`);
      const intoB = region([...b, ...new Array(GUARD).fill(GUARD_VALUE)]);
      kernel(region(a), intoB, intoB, n);
      expectOutput(intoB, want, `${name} into b`);
    });
  });

  it.each(SIZES)('axpy n=%i: y + fround(alpha)·x, one rounding each', (n) => {
    const alpha = random() * 4 - 2;
    const x = uniform(random, n);
    const y = uniform(random, n);
    const target = region([...y, ...new Array(GUARD).fill(GUARD_VALUE)]);
    axpy(alpha, region(x), target, n);
    expectOutput(target, [...y].map((v, i) => f(v + f(f(alpha) * x[i]))), `axpy n=${n}`);
  });

  it.each(SIZES)('scale n=%i out of place and in place', (n) => {
    const alpha = random() * 4 - 2;
    const x = uniform(random, n);
    const want = [...x].map((v) => f(f(alpha) * v));
    const dst = poisoned(n);
    scale(alpha, region(x), dst, n);
    expectOutput(dst, want, `scale n=${n}`);
    const self = region([...x, ...new Array(GUARD).fill(GUARD_VALUE)]);
    scale(alpha, self, self, n);
    expectOutput(self, want, `scale in place n=${n}`);
  });

  it.each(SIZES)('clip n=%i, NaN kept', (n) => {
    const x = uniform(random, n, -3, 3);
    if (n > 2) x[n - 2] = NaN;
    const dst = poisoned(n);
    clip(region(x), -1.5, 0.75, dst, n);
    expectOutput(dst, [...x].map((v) => (Number.isNaN(v) ? NaN : Math.min(Math.max(v, -1.5), 0.75))), `clip n=${n}`);
  });

  it.each(SIZES)('fill n=%i', (n) => {
    const dst = poisoned(n);
    fill(dst, -0.25, n);
    expectOutput(dst, new Array(n).fill(-0.25), `fill n=${n}`);
  });

  it.each(SIZES)('copy n=%i, and overlapping either way', (n) => {
    const x = uniform(random, n);
    const dst = poisoned(n);
    copy(region(x), dst, n);
    expectOutput(dst, x, `copy n=${n}`);
    const block = region([...x, 0, 0, 0]);
    copy(block, block.sub(3), n); // forward overlap: memmove semantics
    expect([...block.view().subarray(3)]).toEqual([...x]);
    copy(block.sub(3), block, n);
    expect([...block.view().subarray(0, n)]).toEqual([...x]);
  });

  it.each(SHAPES)('transpose %i×%i', (rows, cols) => {
    const x = uniform(random, rows * cols);
    const dst = poisoned(rows * cols);
    transpose(region(x), dst, rows, cols);
    const want: number[] = [];
    for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) want.push(x[i * cols + j]);
    expectOutput(dst, want, `transpose ${rows}×${cols}`);
  });

  describe('columnSums', () => {
    /** Each column summed in row order in float32, from +0 or from the existing value. */
    function reference(x: Float32Array, rows: number, cols: number, start?: Float32Array): number[] {
      return Array.from({ length: cols }, (_, j) => {
        let s = start ? start[j] : 0;
        for (let i = 0; i < rows; i++) s = f(s + x[i * cols + j]);
        return s;
      });
    }

    it.each(SHAPES)('%i×%i, overwriting and accumulating', (rows, cols) => {
      const x = uniform(random, rows * cols, -10, 10);
      const dst = poisoned(cols);
      columnSums(region(x), dst, rows, cols);
      expectOutput(dst, reference(x, rows, cols), `columnSums ${rows}×${cols}`);
      const start = uniform(random, cols, -10, 10);
      const acc = region([...start, ...new Array(GUARD).fill(GUARD_VALUE)]);
      columnSums(region(x), acc, rows, cols, true);
      expectOutput(acc, reference(x, rows, cols, start), `columnSums accumulate ${rows}×${cols}`);
    });

    it('matches the float64 column sums closely on a tall matrix', () => {
      const rows = 3200;
      const cols = 37;
      const x = uniform(random, rows * cols);
      const dst = poisoned(cols);
      columnSums(region(x), dst, rows, cols);
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let i = 0; i < rows; i++) s += x[i * cols + j];
        expect(Math.abs(dst.view()[j] - s), `column ${j} (seed ${seed})`).toBeLessThan(1e-3);
      }
    });
  });

  describe('sumSquares', () => {
    it.each(SIZES)('n=%i equals the documented float64 order exactly', (n) => {
      const x = uniform(random, n, -50, 50);
      const partial = [0, 0, 0, 0];
      for (let i = 0; i < n; i++) partial[i % 4] += x[i] * x[i];
      const got = sumSquares(region(x), n);
      expect(got, `sumSquares n=${n} (seed ${seed})`).toBe(partial[0] + partial[1] + (partial[2] + partial[3]));
      const plain = [...x].reduce((s, v) => s + v * v, 0);
      expect(Math.abs(got - plain)).toBeLessThanOrEqual(1e-12 * plain);
    });

    it('is the same bits on a second run, at any alignment', () => {
      const x = uniform(random, 100_003, -1e3, 1e3);
      const r = region(x);
      const first = sumSquares(r);
      expect(sumSquares(r)).toBe(first);
      const shifted = region([7, ...x]);
      expect(sumSquares(shifted.sub(1))).toBe(first);
    });
  });

  describe('firstNonFinite', () => {
    it.each(SIZES)('n=%i finds the first NaN or ±Infinity at every position, and −1 when all are finite', (n) => {
      const x = uniform(random, n, -3e38, 3e38);
      expect(firstNonFinite(region(x), n)).toBe(-1);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (let at = 0; at < n; at += Math.max(1, n >> 4)) {
          const y = Float32Array.from(x);
          y[at] = bad;
          if (at + 5 < n) y[at + 5] = NaN; // a later one does not hide the first
          expect(firstNonFinite(region(y), n), `${bad} at ${at} of ${n} (seed ${seed})`).toBe(at);
          // Past n it is not looked at.
          expect(firstNonFinite(region(y), at)).toBe(-1);
        }
      }
    });
  });

  describe('argument checks', () => {
    it('rejects bad counts, scalars, shapes, short regions and overlaps before running', () => {
      const a = region([1, 2, 3, 4, 5]);
      const short = region([NaN, NaN, NaN]);
      expect(() => add(a, a, short)).toThrow('add(dst): needs 5 floats but the region holds 3');
      expect(() => mul(a, short, a)).toThrow('mul(b): needs 5 floats but the region holds 3');
      expect(() => sub(a, a, a, 2.5)).toThrow('sub(n): expected an integer >= 0, got 2.5');
      expect(() => add(a.sub(0, 4), a, a.sub(1, 4), 4)).toThrow(/add\(dst\): expected the same region as a or no overlap with it/);
      expect(() => axpy('2' as unknown as number, a, a)).toThrow('axpy(alpha): expected a number, got string 2');
      expect(() => scale(2, a, short)).toThrow('scale(dst): needs 5 floats but the region holds 3');
      expect(() => clip(a, 1, -1)).toThrow('clip(lo, hi): expected lo <= hi, got lo=1, hi=-1');
      expect(() => clip(a, NaN, 1)).toThrow('clip(lo, hi): expected lo <= hi, got lo=NaN, hi=1');
      expect(() => fill(short, 0, 4)).toThrow('fill(dst): needs 4 floats but the region holds 3');
      expect(() => copy(a, short)).toThrow('copy(dst): needs 5 floats but the region holds 3');
      expect(() => transpose(a, short, 2, 2)).toThrow('transpose(dst): needs 4 floats but the region holds 3');
      expect(() => transpose(a, a, 1, 5)).toThrow(/transpose\(dst\): expected no overlap with src/);
      expect(() => transpose(a, short, -1, 2)).toThrow('transpose(rows): expected an integer >= 0, got -1');
      expect(() => columnSums(a, short, 1, 4)).toThrow('columnSums(dst): needs 4 floats but the region holds 3');
      expect(() => columnSums(a, a, 1, 2)).toThrow(/columnSums\(dst\): expected no overlap with src/);
      expect(() => columnSums(a, short, 1, 3, 1 as unknown as boolean)).toThrow('columnSums(accumulate): expected a boolean, got number 1');
      expect(() => sumSquares(a, 6)).toThrow('sumSquares(src): needs 6 floats but the region holds 5');
      expect(() => sumSquares(null as unknown as F32Region, 1)).toThrow('sumSquares(src): expected an F32Region of the seqwasm arena, got null');
      expect([...short.view()]).toEqual([NaN, NaN, NaN]);
      expect([...a.view()]).toEqual([1, 2, 3, 4, 5]);
    });
  });
});
