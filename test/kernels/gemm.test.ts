// The GEMM kernels (assembly/gemm.ts through src/kernels/gemm.ts) against a plain float64
// reference written out here: many shapes with odd sizes, every op combination, bias,
// accumulation and padded leading dimensions, on both the packed and the generic path; the
// bit-for-bit properties the layers rely on; and argument errors that leave C untouched.
import { describe, expect, it } from 'vitest';
import type { F32Region } from '../../src/runtime/arena.js';
import { arena, wasm } from '../../src/runtime/module.js';
import { gemm, gemmPacked, gemmScratchSize, packWeights, packedPanelSize } from '../../src/kernels/gemm.js';
import { worstRelative } from '../util/compare.js';
import { regionsFreedAfterEach } from '../util/regions.js';
import { rng, testSeed, uniform } from '../util/random.js';

const seed = testSeed();
const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 31, 33, 64, 129];
/** Floats of poison kept on each side of C, to catch a write before or past it. */
const GUARD = 16;

/**
 * The bound on |C − reference| / Σ|terms| (the terms being the products, the bias and, when
 * accumulating, the old C). Float32 evaluation of K rounded products summed in a fixed order
 * with the bias and old C has |error| ≤ γ(K+2)·Σ|terms|, γ(n) = n·2⁻²⁴/(1 − n·2⁻²⁴), which is
 * 7.8e-6 for the largest K here (129). So the bound holds for every element with no luck
 * involved, while a missing, doubled or misplaced term is an error of about 1/K or more.
 */
const TOLERANCE = 1e-5;

/** An independent random stream per label, so one test can be replayed alone with its seed. */
function streamFor(label: string): () => number {
  let h = seed;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x9e3779b1);
  return rng(h >>> 0);
}

const { region } = regionsFreedAfterEach();

interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  bias: boolean;
  accumulate: boolean;
  /** Leading dimensions as stored: ≥ the stored row length (padding when larger). */
  lda: number;
  ldb: number;
  ldc: number;
}

interface Operands {
  a: Float32Array;
  b: Float32Array;
  bias: Float32Array | undefined;
  /** C before the call, leading dimension ldc: NaN everywhere when overwriting (an unwritten
   *  element fails), old values inside the m×n sub-matrix and NaN in the padding when accumulating. */
  c: Float32Array;
}

function describeCase(c: Case): string {
  const op = `${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'}`;
  return `${op} m=${c.m} n=${c.n} k=${c.k} lda=${c.lda} ldb=${c.ldb} ldc=${c.ldc} bias=${c.bias} accumulate=${c.accumulate} (seed ${seed})`;
}

function makeCase(random: () => number, m: number, n: number, k: number, transA: boolean, transB: boolean): Case {
  const pad = () => (random() < 0.5 ? 0 : 1 + Math.floor(random() * 5));
  return {
    m, n, k, transA, transB,
    bias: random() < 0.5,
    accumulate: random() < 0.5,
    lda: (transA ? m : k) + pad(),
    ldb: (transB ? k : n) + pad(),
    ldc: n + pad(),
  };
}

function makeOperands(random: () => number, c: Case): Operands {
  const [aRows, aCols] = c.transA ? [c.k, c.m] : [c.m, c.k];
  const [bRows, bCols] = c.transB ? [c.n, c.k] : [c.k, c.n];
  const cValues = new Float32Array((c.m - 1) * c.ldc + c.n).fill(NaN);
  if (c.accumulate) {
    for (let i = 0; i < c.m; i++) cValues.set(uniform(random, c.n), i * c.ldc);
  }
  return {
    a: uniform(random, (aRows - 1) * c.lda + aCols),
    b: uniform(random, (bRows - 1) * c.ldb + bCols),
    bias: c.bias ? uniform(random, c.n) : undefined,
    c: cValues,
  };
}

/** The m×n result in float64 and, per element, Σ|terms| (the scale of its rounding error). */
function reference(c: Case, o: Operands): { expected: Float64Array; scale: Float64Array } {
  const expected = new Float64Array(c.m * c.n);
  const scale = new Float64Array(c.m * c.n);
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      let sum = o.bias ? o.bias[j] : 0;
      let abs = Math.abs(sum);
      if (c.accumulate) {
        sum += o.c[i * c.ldc + j];
        abs += Math.abs(o.c[i * c.ldc + j]);
      }
      for (let p = 0; p < c.k; p++) {
        const a = c.transA ? o.a[p * c.lda + i] : o.a[i * c.lda + p];
        const b = c.transB ? o.b[j * c.ldb + p] : o.b[p * c.ldb + j];
        sum += a * b;
        abs += Math.abs(a * b);
      }
      expected[i * c.n + j] = sum;
      scale[i * c.n + j] = abs;
    }
  }
  return { expected, scale };
}

type Path = 'generic' | 'packed';
type Operand = 'a' | 'b' | 'bias' | 'c' | 'packed';

/**
 * Runs one case with C between GUARD floats of NaN (only before it when C is placed at the end
 * of memory), and returns C's block (guards included) before and after. `place` puts an
 * operand's values in a region; by default a fresh one.
 */
function run(path: Path, c: Case, o: Operands, place: (operand: Operand, values: Float32Array) => F32Region = (_, values) => region(values), cAtEnd = false): { before: Float32Array; after: Float32Array } {
  const a = place('a', o.a);
  const b = place('b', o.b);
  const bias = o.bias && place('bias', o.bias);
  const before = new Float32Array(GUARD + o.c.length + (cAtEnd ? 0 : GUARD)).fill(NaN);
  before.set(o.c, GUARD);
  const cBlock = place('c', before);
  const out = cBlock.sub(GUARD, o.c.length);
  const common = { a, c: out, m: c.m, n: c.n, k: c.k, lda: c.lda, ldc: c.ldc, accumulate: c.accumulate };
  if (path === 'generic') {
    gemm({ ...common, b, bias, transA: c.transA, transB: c.transB, ldb: c.ldb });
  } else {
    const packed = place('packed', new Float32Array(packedPanelSize(c.n, c.k)));
    packWeights({ b, n: c.n, k: c.k, transB: c.transB, ldb: c.ldb, bias, out: packed });
    gemmPacked({ ...common, packed });
  }
  return { before, after: cBlock.toArray() };
}

/** Checks the m×n result against the reference, and that nothing else in C's block changed. */
function check(path: Path, c: Case, o: Operands, tolerance = TOLERANCE, result = run(path, c, o)): void {
  const { before, after } = result;
  const { expected, scale } = reference(c, o);
  // Dividing by the scale turns worstRelative's max(|e|, 1) floor into error / Σ|terms|.
  const actual = new Float64Array(c.m * c.n);
  const wanted = new Float64Array(c.m * c.n);
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      const s = scale[i * c.n + j] || 1;
      actual[i * c.n + j] = after[GUARD + i * c.ldc + j] / s;
      wanted[i * c.n + j] = expected[i * c.n + j] / s;
    }
  }
  const worst = worstRelative(actual, wanted, tolerance);
  if (worst) {
    const i = Math.floor(worst.index / c.n);
    const j = worst.index % c.n;
    expect.fail(`${path} ${describeCase(c)}: C[${i}][${j}] = ${after[GUARD + i * c.ldc + j]}, expected ${expected[worst.index]} (error ${worst.error.toExponential(2)} of Σ|terms|)`);
  }
  const changed = untouchedViolation(c, before, after);
  if (changed !== undefined) expect.fail(`${path} ${describeCase(c)}: wrote float ${changed} of C's block, outside the ${c.m}×${c.n} sub-matrix`);
}

/** The first index outside the written sub-matrix (guards, row padding) whose bits changed. */
function untouchedViolation(c: Case, before: Float32Array, after: Float32Array): number | undefined {
  const oldBits = new Uint32Array(before.buffer);
  const newBits = new Uint32Array(after.buffer, after.byteOffset, after.length);
  for (let index = 0; index < before.length; index++) {
    const inC = index - GUARD;
    const inside = inC >= 0 && inC < (c.m - 1) * c.ldc + c.n && inC % c.ldc < c.n;
    if (!inside && oldBits[index] !== newBits[index]) return index;
  }
  return undefined;
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)];
}

/** Shapes where every size appears in every position, plus random triples. */
function sampledShapes(random: () => number, randomTriples: number): [number, number, number][] {
  const shapes: [number, number, number][] = [];
  for (const s of SIZES) {
    shapes.push([s, pick(random, SIZES), pick(random, SIZES)]);
    shapes.push([pick(random, SIZES), s, pick(random, SIZES)]);
    shapes.push([pick(random, SIZES), pick(random, SIZES), s]);
  }
  for (let i = 0; i < randomTriples; i++) shapes.push([pick(random, SIZES), pick(random, SIZES), pick(random, SIZES)]);
  return shapes;
}

const OPS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

describe('gemm (generic path) against the float64 reference', () => {
  it.each(OPS)('transA=%s transB=%s on sampled shapes', (transA, transB) => {
    const random = streamFor(`generic ${transA} ${transB}`);
    for (const [m, n, k] of sampledShapes(random, 30)) {
      const c = makeCase(random, m, n, k, transA, transB);
      check('generic', c, makeOperands(random, c));
    }
  });
});

describe('packWeights + gemmPacked against the float64 reference', () => {
  it.each([false, true])('transB=%s on sampled shapes', (transB) => {
    const random = streamFor(`packed ${transB}`);
    for (const [m, n, k] of sampledShapes(random, 30)) {
      const c = makeCase(random, m, n, k, false, transB);
      check('packed', c, makeOperands(random, c));
    }
  });

  it('every row and column tail: m in 1..9, n in 1..33, k in {1, 3}', () => {
    const random = streamFor('tails');
    for (let m = 1; m <= 9; m++) {
      for (let n = 1; n <= 33; n++) {
        for (const k of [1, 3]) {
          const c = makeCase(random, m, n, k, false, random() < 0.5);
          check(random() < 0.5 ? 'packed' : 'generic', c, makeOperands(random, c));
        }
      }
    }
  });

  it('N split into several L2 blocks of panels (large K)', () => {
    const random = streamFor('blocking');
    // A panel of K = 2100 takes 67 KB, so a 256 KiB block holds 3 of the 6 panels of n = 43.
    for (const path of ['packed', 'generic'] as const) {
      const c = makeCase(random, 6, 43, 2100, false, random() < 0.5);
      // The rigorous bound for K = 2100 is γ(2102) ≈ 1.25e-4.
      check(path, c, makeOperands(random, c), 1.3e-4);
    }
  });

  it('reads and writes nothing past its operands, even at the very end of memory', () => {
    // One region reaching the end of Wasm memory: taken from the arena's top after a larger
    // allocation grew memory and was returned. An operand copied to its tail is the last thing
    // in memory, so any access past it (a tail load or store too wide) would trap.
    const memory = arena().memory;
    const grow = arena().allocF32(memory.buffer.byteLength / 4);
    arena().free(grow);
    const end = arena().allocF32((memory.buffer.byteLength - grow.offset) / 4);
    try {
      expect(end.offset + 4 * end.length).toBe(memory.buffer.byteLength);
      const random = streamFor('end of memory');
      for (const last of ['a', 'b', 'bias', 'c', 'packed'] as const) {
        for (const [m, n, k] of [[5, 11, 7], [1, 9, 5], [3, 17, 6], [1, 3, 1], [2, 8, 7], [5, 16, 3], [4, 13, 6], [1, 7, 2]]) {
          for (const [transA, transB] of OPS) for (const path of ['generic', 'packed'] as const) {
            if (path === 'packed' ? transA : last === 'packed') continue;
            const c = { ...makeCase(random, m, n, k, transA, transB), bias: true };
            // Padding would put unread floats after the operand: the tight layout is the test.
            if (last === 'a') c.lda = c.transA ? m : k;
            if (last === 'b') c.ldb = c.transB ? k : n;
            if (last === 'c') c.ldc = n;
            const place = (operand: Operand, values: Float32Array) => {
              if (operand !== last) return region(values);
              const tail = end.sub(end.length - values.length);
              tail.set(values);
              return tail;
            };
            const o = makeOperands(random, c);
            check(path, c, o, TOLERANCE, run(path, c, o, place, last === 'c'));
          }
        }
      }
    } finally {
      arena().free(end);
    }
  });

  it('packs [ceil(n/8)][8 bias + k×8] floats, zero-padded past n', () => {
    const n = 11, k = 3;
    const b = region(Array.from({ length: k * n }, (_, i) => i + 1)); // b[p][j] = p·n + j + 1
    const bias = region(Array.from({ length: n }, (_, j) => -(j + 1)));
    const out = region(new Float32Array(packedPanelSize(n, k)).fill(NaN));
    packWeights({ b, n, k, bias, out });
    const expected: number[] = [];
    for (let panel = 0; panel < 2; panel++) {
      for (let j = 0; j < 8; j++) expected.push(panel * 8 + j < n ? -(panel * 8 + j + 1) : 0);
      for (let p = 0; p < k; p++) for (let j = 0; j < 8; j++) expected.push(panel * 8 + j < n ? p * n + panel * 8 + j + 1 : 0);
    }
    expect(Array.from(out.view())).toEqual(expected);
  });

  it('sizes agree with the Wasm module', () => {
    const exports = wasm() as unknown as { gemmPackedSize(n: number, k: number): number; gemmScratchSize(transA: number, m: number, n: number, k: number): number };
    for (const [m, n, k] of [[1, 1, 1], [5, 11, 3], [129, 64, 17], [2800, 512, 28]]) {
      expect(packedPanelSize(n, k)).toBe(exports.gemmPackedSize(n, k));
      for (const transA of [false, true]) expect(gemmScratchSize(transA, m, n, k)).toBe(exports.gemmScratchSize(+transA, m, n, k));
    }
  });
});

describe('bit-for-bit properties', () => {
  const random = streamFor('bits');
  const m = 37, n = 45, k = 67;
  const a = uniform(random, m * k);
  const b = uniform(random, k * n);
  const bias = uniform(random, n);
  const c0 = uniform(random, m * n);

  function multiply(options: { a?: Float32Array; b?: Float32Array; m?: number; k?: number; transA?: boolean; transB?: boolean; accumulate?: boolean; bias?: Float32Array | null; c?: Float32Array }): Uint32Array {
    const rows = options.m ?? m;
    const depth = options.k ?? k;
    const out = region(options.c ?? new Float32Array(rows * n).fill(NaN));
    gemm({
      a: region(options.a ?? a), b: region(options.b ?? b), c: out, m: rows, n, k: depth,
      transA: options.transA, transB: options.transB, accumulate: options.accumulate,
      bias: options.bias === null ? undefined : region(options.bias ?? bias),
    });
    return new Uint32Array(out.toArray().buffer);
  }

  function transposed(values: Float32Array, rows: number, cols: number): Float32Array {
    const out = new Float32Array(values.length);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = values[i * cols + j];
    return out;
  }

  it('the same inputs give the same bits on every call', () => {
    const first = multiply({ accumulate: true, c: c0 });
    for (let run = 0; run < 3; run++) expect(multiply({ accumulate: true, c: c0 }), `seed ${seed}`).toEqual(first);
  });

  it('NN, NT, TN and TT give the same bits, and so does the packed path', () => {
    const nn = multiply({});
    expect(multiply({ b: transposed(b, k, n), transB: true }), `NT, seed ${seed}`).toEqual(nn);
    expect(multiply({ a: transposed(a, m, k), transA: true }), `TN, seed ${seed}`).toEqual(nn);
    expect(multiply({ a: transposed(a, m, k), transA: true, b: transposed(b, k, n), transB: true }), `TT, seed ${seed}`).toEqual(nn);
    const packed = region(new Float32Array(packedPanelSize(n, k)));
    packWeights({ b: region(b), n, k, bias: region(bias), out: packed });
    const c = region(new Float32Array(m * n));
    gemmPacked({ a: region(a), packed, c, m, n, k });
    expect(new Uint32Array(c.toArray().buffer), `packed, seed ${seed}`).toEqual(nn);
  });

  it('a row does not depend on M: both batch-1 paths match the tiled path', () => {
    const all = multiply({ accumulate: true, c: c0 });
    const packed = region(new Float32Array(packedPanelSize(n, k)));
    packWeights({ b: region(b), n, k, bias: region(bias), out: packed });
    for (const i of [0, 1, 2, 3, 17, m - 1]) {
      const expected = all.subarray(i * n, (i + 1) * n);
      const aRow = a.subarray(i * k, (i + 1) * k);
      const cRow = c0.subarray(i * n, (i + 1) * n);
      expect(multiply({ a: aRow, m: 1, accumulate: true, c: cRow }), `gemm row ${i}, seed ${seed}`).toEqual(expected);
      const c = region(cRow);
      gemmPacked({ a: region(aRow), packed, c, m: 1, n, k, accumulate: true });
      expect(new Uint32Array(c.toArray().buffer), `gemmPacked row ${i}, seed ${seed}`).toEqual(expected);
    }
  });

  it('accumulating continues the sum: x·W + b, then += h·U equals [x h]·[W; U] + b', () => {
    const split = 29; // x holds the first 29 of the k columns, h the rest
    const x = new Float32Array(m * split), h = new Float32Array(m * (k - split));
    for (let i = 0; i < m; i++) {
      x.set(a.subarray(i * k, i * k + split), i * split);
      h.set(a.subarray(i * k + split, (i + 1) * k), i * (k - split));
    }
    const xw = new Float32Array(multiply({ a: x, b: b.subarray(0, split * n), k: split }).buffer);
    const both = multiply({ a: h, b: b.subarray(split * n), k: k - split, accumulate: true, bias: null, c: xw });
    expect(both, `seed ${seed}`).toEqual(multiply({}));
  });
});

describe('argument errors', () => {
  /** Valid operands for m=3, n=5, k=4 (NN), with C poisoned to detect any write. */
  function operands() {
    const c = region(new Float32Array(15).fill(7));
    return { a: region(new Float32Array(12).fill(1)), b: region(new Float32Array(20).fill(1)), c, bias: region(new Float32Array(5)), m: 3, n: 5, k: 4 };
  }

  function expectThrowsUntouched(call: (o: ReturnType<typeof operands>) => void, type: typeof RangeError | typeof TypeError, message: RegExp): void {
    const o = operands();
    expect(() => call(o)).toThrow(type);
    expect(() => call(o)).toThrow(message);
    expect(Array.from(o.c.view()), 'C was written before the error').toEqual(new Array(15).fill(7));
  }

  it('rejects dims that are not integers >= 1', () => {
    expectThrowsUntouched((o) => gemm({ ...o, m: 0 }), RangeError, /m: expected an integer >= 1, got 0/);
    expectThrowsUntouched((o) => gemm({ ...o, n: -2 }), RangeError, /n: expected an integer >= 1, got -2/);
    expectThrowsUntouched((o) => gemm({ ...o, k: 1.5 }), RangeError, /k: expected an integer >= 1, got 1.5/);
    expectThrowsUntouched((o) => gemm({ ...o, k: NaN }), RangeError, /k: expected an integer >= 1, got NaN/);
    expectThrowsUntouched((o) => gemm({ ...o, m: '3' as never }), RangeError, /m: expected an integer >= 1, got 3/);
    expectThrowsUntouched((o) => gemmPacked({ ...o, packed: o.b, n: 0 }), RangeError, /n: expected an integer >= 1, got 0/);
    expect(() => packedPanelSize(3, 0)).toThrow(/k: expected an integer >= 1, got 0/);
  });

  it('rejects leading dimensions shorter than the stored rows', () => {
    expectThrowsUntouched((o) => gemm({ ...o, lda: 3 }), RangeError, /lda: expected an integer >= 4, got 3/);
    expectThrowsUntouched((o) => gemm({ ...o, a: region(new Float32Array(12)), transA: true, lda: 2 }), RangeError, /lda: expected an integer >= 3, got 2/);
    expectThrowsUntouched((o) => gemm({ ...o, ldb: 4 }), RangeError, /ldb: expected an integer >= 5, got 4/);
    expectThrowsUntouched((o) => gemm({ ...o, transB: true, ldb: 3 }), RangeError, /ldb: expected an integer >= 4, got 3/);
    expectThrowsUntouched((o) => gemm({ ...o, ldc: 4.5 }), RangeError, /ldc: expected an integer >= 5, got 4.5/);
  });

  it('rejects regions too small for their shape and leading dimension', () => {
    expectThrowsUntouched((o) => gemm({ ...o, a: region(new Float32Array(11)) }), RangeError, /a: needs 12 floats but the region holds 11/);
    expectThrowsUntouched((o) => gemm({ ...o, lda: 6 }), RangeError, /a: needs 16 floats but the region holds 12/);
    expectThrowsUntouched((o) => gemm({ ...o, b: region(new Float32Array(19)) }), RangeError, /b: needs 20 floats but the region holds 19/);
    expectThrowsUntouched((o) => gemm({ ...o, ldc: 6 }), RangeError, /c: needs 17 floats but the region holds 15/);
    expectThrowsUntouched((o) => gemm({ ...o, bias: region(new Float32Array(4)) }), RangeError, /bias: needs 5 floats but the region holds 4/);
    expectThrowsUntouched((o) => gemmPacked({ ...o, packed: region(new Float32Array(packedPanelSize(5, 4) - 1)) }), RangeError, /packed: needs 40 floats but the region holds 39/);
    expect(() => packWeights({ b: region(new Float32Array(20)), n: 5, k: 4, out: region(new Float32Array(39)) })).toThrow(/out: needs 40 floats but the region holds 39/);
  });

  it('rejects freed regions and values that are not regions', () => {
    expectThrowsUntouched((o) => {
      const a = arena().fromArray(new Float32Array(12));
      arena().free(a);
      gemm({ ...o, a });
    }, RangeError, /a: the region at byte \d+ was freed/);
    expectThrowsUntouched((o) => gemm({ ...o, b: new Float32Array(20) as never }), TypeError, /b: expected an F32Region of the seqwasm arena, got Float32Array/);
    expectThrowsUntouched((o) => gemm({ ...o, bias: null as never }), TypeError, /bias: expected an F32Region of the seqwasm arena, got null/);
    const freed = arena().fromArray(new Float32Array(15));
    arena().free(freed);
    const o = operands();
    expect(() => gemm({ ...o, c: freed })).toThrow(/c: the region at byte \d+ was freed/);
  });

  it('rejects flags that are not booleans and options that are not objects', () => {
    expectThrowsUntouched((o) => gemm({ ...o, transA: 'yes' as never }), TypeError, /transA: expected a boolean, got string yes/);
    expectThrowsUntouched((o) => gemm({ ...o, transB: 1 as never }), TypeError, /transB: expected a boolean, got number 1/);
    expectThrowsUntouched((o) => gemm({ ...o, accumulate: null as never }), TypeError, /accumulate: expected a boolean, got object null/);
    expect(() => gemm(undefined as never)).toThrow(/gemm\(options\): expected an options object, got undefined/);
    expect(() => packWeights(null as never)).toThrow(TypeError);
  });

  it('rejects an output that overlaps an input', () => {
    expectThrowsUntouched((o) => gemm({ ...o, a: o.c.sub(0, 12) }), RangeError, /c: expected no overlap with a/);
    expectThrowsUntouched((o) => gemm({ ...o, bias: o.c.sub(10, 5) }), RangeError, /c: expected no overlap with bias/);
    const b = region(new Float32Array(40));
    expect(() => packWeights({ b, n: 5, k: 4, out: b })).toThrow(/out: expected no overlap with b/);
  });
});
