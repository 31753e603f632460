// The float64 QR kernel behind the Orthogonal initializer, against the plain reference
// (test/reference/orthogonal.ts): the kernel does the reference's float64 operations on every
// column in the reference's order, so the comparison is bit for bit (−0 included). Also the
// properties Keras's Orthogonal rests on, checked independently of both: orthonormal
// columns, A = Q·R with R upper triangular and a non-negative diagonal. Random inputs are
// fresh each run; the seed is printed on failure.
import { describe, expect, it } from 'vitest';
import { orthonormalColumns } from '../../src/kernels/index.js';
import { arena } from '../../src/runtime/module.js';
import { orthonormalColumns as reference } from '../reference/orthogonal.js';
import { thrown } from '../util/thrown.js';
import { rng, testSeed } from '../util/random.js';

const seed = testSeed();
const random = rng(seed);
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

/** Standard normal values (Box–Muller on the test generator: only inputs, any engine's Math will do). */
function normals(n: number): Float64Array {
  return Float64Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

function kernelQ(a: Float64Array, rows: number, cols: number): Float64Array {
  const q = a.slice();
  orthonormalColumns(q, rows, cols);
  return q;
}

/** Positions where the two differ as float64 bits (Object.is: −0 ≠ +0, NaN = NaN). */
function bitMismatches(actual: Float64Array, expected: Float64Array): number[] {
  const bad: number[] = [];
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i])) bad.push(i);
  return bad;
}

/** Tall shapes: single rows and columns, odd sizes, one panel (8 columns) and its edges, many panels. */
const SHAPES: [number, number][] = [[1, 1], [3, 1], [3, 3], [17, 1], [17, 3], [17, 17], [9, 8], [16, 9], [129, 7], [129, 17], [129, 129], [131, 64], [300, 41], [517, 130]];

describe(`orthonormalColumns (${replay})`, () => {
  it.each(SHAPES)('%i×%i: the reference bit for bit', (rows, cols) => {
    const a = normals(rows * cols);
    const bad = bitMismatches(kernelQ(a, rows, cols), reference(a, rows, cols));
    expect(bad.slice(0, 5), `${rows}×${cols}: ${bad.length} elements differ (${replay})`).toEqual([]);
  });

  it.each(SHAPES)('%i×%i: orthonormal columns, A = Q·R with R upper triangular, diagonal >= 0', (rows, cols) => {
    const a = normals(rows * cols);
    const q = kernelQ(a, rows, cols);
    // QᵀQ = I and R = QᵀA, both in float64 here, independently of the factorisation.
    let worstOrthogonality = 0;
    let worstLower = 0;
    let scale = 0;
    for (const x of a) scale = Math.max(scale, Math.abs(x));
    for (let i = 0; i < cols; i++) {
      for (let j = 0; j < cols; j++) {
        let qq = 0;
        let qa = 0;
        for (let k = 0; k < rows; k++) {
          qq += q[k * cols + i] * q[k * cols + j];
          qa += q[k * cols + i] * a[k * cols + j];
        }
        worstOrthogonality = Math.max(worstOrthogonality, Math.abs(qq - (i === j ? 1 : 0)));
        if (i > j) worstLower = Math.max(worstLower, Math.abs(qa));
        if (i === j) expect(qa, `R[${i}][${i}] of ${rows}×${cols} (${replay})`).toBeGreaterThan(0);
      }
    }
    expect(worstOrthogonality, `|QᵀQ − I| of ${rows}×${cols} (${replay})`).toBeLessThan(1e-12 * Math.max(1, rows));
    expect(worstLower / scale, `R below its diagonal, ${rows}×${cols} (${replay})`).toBeLessThan(1e-12 * Math.max(1, rows));
  });

  it('zero and repeated columns: reflectors that are the identity are skipped as in the reference', () => {
    const rows = 21;
    const cols = 12;
    const a = normals(rows * cols);
    for (let r = 0; r < rows; r++) {
      a[r * cols + 0] = 0; // the very first reflector is the identity
      a[r * cols + 5] = 0; // one in the middle of a panel
      a[r * cols + 9] = 2 * a[r * cols + 3]; // linearly dependent: R[9][9] ~ 0, not exactly
    }
    const q = kernelQ(a, rows, cols);
    const bad = bitMismatches(q, reference(a, rows, cols));
    expect(bad.slice(0, 5), `${bad.length} elements differ (${replay})`).toEqual([]);
    expect(q[0 * cols + 0]).toBe(1); // column 0 stays e_0
  });

  it('gives its Wasm scratch back, also when it throws', () => {
    const before = arena().bytesInUse;
    kernelQ(normals(64 * 16), 64, 16);
    expect(arena().bytesInUse).toBe(before);
    expect(() => orthonormalColumns(new Float64Array(6), 2, 3)).toThrow(RangeError);
    expect(arena().bytesInUse).toBe(before);
  });

  it('checks its arguments before any Wasm runs', () => {
    const a = new Float64Array(12);
    expect(thrown(() => orthonormalColumns(new Float32Array(12) as never, 4, 3))).toEqual(new TypeError('orthonormalColumns(a): expected a Float64Array, got Float32Array'));
    expect(thrown(() => orthonormalColumns(a, 3, 4))).toEqual(new RangeError('orthonormalColumns(rows, cols): expected rows >= cols (a tall matrix), got rows=3, cols=4'));
    expect(thrown(() => orthonormalColumns(a, 6, 3))).toEqual(new RangeError('orthonormalColumns(a): expected rows·cols = 18 values, got 12'));
    expect(thrown(() => orthonormalColumns(a, 12, 0))).toEqual(new RangeError('orthonormalColumns(cols): expected an integer >= 1, got 0'));
    expect(thrown(() => orthonormalColumns(a, 4.5, 3))).toEqual(new RangeError('orthonormalColumns(rows): expected an integer >= 1, got 4.5'));
    expect(thrown(() => orthonormalColumns(new Float64Array(0), 70000, 70000))).toBeInstanceOf(RangeError);
    expect(thrown(() => orthonormalColumns(new Float64Array(0), 70000, 70000)).message).toMatch(/more than the 4 GiB/);
  });
});
