// Typed wrappers around the GEMM kernels of assembly/gemm.ts (the packed panel layout and the
// exact arithmetic are described there). Every argument is checked here before any Wasm runs,
// so a bad shape, leading dimension or region is a RangeError/TypeError naming the argument,
// and C is left untouched.
import type { F32Region } from '../runtime/arena.js';
import { arena, threadPool, wasm } from '../runtime/module.js';
import { MAX_CHUNKS, type PoolJob, type ThreadPool } from '../runtime/threads.js';
import { dim } from './validate.js';

interface GemmExports {
  gemmPackB(transB: number, n: number, k: number, b: number, ldb: number, bias: number, packed: number): void;
  gemmPacked(m: number, n: number, k: number, a: number, lda: number, packed: number, c: number, ldc: number, accumulate: number): void;
  gemm(transA: number, transB: number, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, bias: number, c: number, ldc: number, accumulate: number, scratch: number): void;
}

/** Columns per packed panel (PANEL_COLUMNS in assembly/gemm.ts). */
const PANEL_COLUMNS = 8;

/** Rows of the short A tiles that take M's remainder (SHORT_TILE_ROWS in assembly/gemm.ts): the most spare rows a tile has is one fewer. */
const SHORT_TILE_ROWS = 4;

/**
 * Floats that packWeights writes for an n-column, k-deep operand: ceil(n/8) panels of 8 bias +
 * 8k weights. Allocate the `out` of {@link packWeights} with it.
 *
 * @example
 * ```ts
 * const packed = arena().allocF32(kernels.packedPanelSize(n, k));
 * ```
 */
export function packedPanelSize(n: number, k: number): number {
  dim('n', n);
  dim('k', k);
  return Math.ceil(n / PANEL_COLUMNS) * PANEL_COLUMNS * (k + 1);
}

/**
 * Floats of scratch the Wasm gemm packs into (op(b), and aᵀ in row tiles when transA), for
 * planning the scratch of gemm calls made from AssemblyScript kernels.
 *
 * @example
 * ```ts
 * kernels.gemmScratchSize(true, 32, 64, 128);   // floats of workspace for a 32×64 aᵀ·b, k = 128
 * ```
 */
export function gemmScratchSize(transA: boolean, m: number, n: number, k: number): number {
  dim('m', m);
  return packedPanelSize(n, k) + (transA ? (m + SHORT_TILE_ROWS - 1) * k : 0);
}

/**
 * Arguments of {@link packWeights}: the operand op(b) (k×n), an optional bias and the output.
 *
 * @example
 * ```ts
 * kernels.packWeights({ b: kernel, n: units, k: features, bias, out: packed });
 * ```
 */
export interface PackWeightsOptions {
  /** op(b) is k×n: b stored k×n row-major, or n×k when transB (e.g. to use a kernel transposed). */
  b: F32Region;
  /** Columns of op(b) (the output width), an integer >= 1. */
  n: number;
  /** Rows of op(b) (the inner dimension), an integer >= 1. */
  k: number;
  /** b is stored n×k and used transposed (default false). */
  transB?: boolean;
  /** Row stride of b as stored, in floats (default: its row length, n or k). */
  ldb?: number;
  /** n values added to every row of the product; omitted means zeros. */
  bias?: F32Region;
  /** packedPanelSize(n, k) floats. */
  out: F32Region;
}

/**
 * Packs op(b) and a bias once, for any number of gemmPacked calls (e.g. once per optimizer
 * step). Throws a RangeError/TypeError naming the argument for a bad size, a region too short
 * or `out` overlapping an input.
 *
 * @example
 * ```ts
 * const packed = arena().allocF32(kernels.packedPanelSize(n, k));
 * kernels.packWeights({ b: w, n, k, transB: true, bias, out: packed });   // w is n×k
 * ```
 */
export function packWeights(options: PackWeightsOptions): void {
  const what = 'packWeights';
  const { b, n, k, transB = false, ldb, bias, out } = object(what, options);
  dim('n', n);
  dim('k', k);
  flag('transB', transB);
  const regions = arena(what);
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const bStride = leading('ldb', ldb, bCols);
  const bOffset = regions.check('b', b, matrixFloats(bRows, bCols, bStride));
  const biasOffset = bias === undefined ? 0 : regions.check('bias', bias, n);
  const outFloats = packedPanelSize(n, k);
  const outOffset = regions.check('out', out, outFloats);
  disjoint('out', outOffset, outFloats, { b: [bOffset, matrixFloats(bRows, bCols, bStride)], bias: [biasOffset, bias ? n : 0] });
  kernels(what).gemmPackB(+transB, n, k, bOffset, bStride, biasOffset, outOffset);
}

/**
 * Arguments of {@link gemmPacked}: c (m×n) = a (m×k) · packed operand.
 *
 * @example
 * ```ts
 * kernels.gemmPacked({ a, packed, c, m, n, k, lda: 2 * k });   // every other row of a
 * ```
 */
export interface GemmPackedOptions {
  /** m×k, row-major with row stride lda. */
  a: F32Region;
  /** From packWeights with the same n and k; carries the bias. */
  packed: F32Region;
  /** m×n output, row stride ldc. */
  c: F32Region;
  /** Rows of a and c, an integer >= 1. */
  m: number;
  /** Columns of c; must match the packWeights call. */
  n: number;
  /** Columns of a; must match the packWeights call. */
  k: number;
  /** Row stride of a in floats (default k). */
  lda?: number;
  /** Row stride of c in floats (default n). */
  ldc?: number;
  /** Add into c instead of overwriting it (default false). */
  accumulate?: boolean;
}

/**
 * c (=|+=) a·packed, where packed holds op(b) and the bias (the layers' path: pack once,
 * multiply often). The summation order is fixed, so the bits do not depend on the shape or
 * the runtime.
 *
 * @example
 * ```ts
 * kernels.gemmPacked({ a, packed, c, m, n, k });                    // c = a·wᵀ + bias
 * kernels.gemmPacked({ a, packed, c, m, n, k, accumulate: true });  // c += a·wᵀ + bias
 * ```
 */
export function gemmPacked(options: GemmPackedOptions): void {
  const what = 'gemmPacked';
  const { a, packed, c, m, n, k, lda, ldc, accumulate = false } = object(what, options);
  const shape = checkShape(what, { a, c, m, n, k, transA: false, lda, ldc, accumulate });
  const packedFloats = packedPanelSize(n, k);
  const packedOffset = arena(what).check('packed', packed, packedFloats);
  disjoint('c', shape.c, shape.cFloats, { a: [shape.a, shape.aFloats], packed: [packedOffset, packedFloats] });
  const split = columnSplit(m, n, k);
  if (split) {
    // Each chunk multiplies by its own run of panels (each panel carries its bias).
    const panelBytes = 4 * PANEL_COLUMNS * (k + 1);
    split.pool.run(split.shares.map(([j0, j1]): PoolJob => ({ kernel: 'gemmPacked', args: [m, j1 - j0, k, shape.a, shape.lda, packedOffset + (j0 / PANEL_COLUMNS) * panelBytes, shape.c + 4 * j0, shape.ldc, +accumulate] })));
    return;
  }
  kernels(what).gemmPacked(m, n, k, shape.a, shape.lda, packedOffset, shape.c, shape.ldc, +accumulate);
}

/**
 * Arguments of {@link gemm}: c (m×n) = op(a) (m×k) · op(b) (k×n) + bias.
 *
 * @example
 * ```ts
 * kernels.gemm({ a, b, c, m, n, k, transA: true, accumulate: true });   // c += aᵀ·b
 * ```
 */
export interface GemmOptions {
  /** op(a) is m×k: a stored m×k row-major, or k×m when transA (c = aᵀ·b). */
  a: F32Region;
  /** op(b) is k×n: b stored k×n row-major, or n×k when transB (c = a·bᵀ). */
  b: F32Region;
  /** m×n output, row stride ldc. */
  c: F32Region;
  /** Rows of op(a) and c, an integer >= 1. */
  m: number;
  /** Columns of op(b) and c, an integer >= 1. */
  n: number;
  /** The inner dimension, an integer >= 1. */
  k: number;
  /** Use a transposed (default false). */
  transA?: boolean;
  /** Use b transposed (default false). */
  transB?: boolean;
  /** n values added to every row; omitted means none. */
  bias?: F32Region;
  /** Add into c instead of overwriting it. */
  accumulate?: boolean;
  /** Row stride of a as stored, in floats (default: its row length). */
  lda?: number;
  /** Row stride of b as stored, in floats (default: its row length). */
  ldb?: number;
  /** Row stride of c in floats (default n). */
  ldc?: number;
}

/**
 * c (=|+=) op(a)·op(b) + bias. Packs op(b) (and aᵀ) into a scratch region on every call; for a
 * weight used many times, {@link packWeights} once and call {@link gemmPacked}.
 *
 * @example
 * ```ts
 * kernels.gemm({ a, b: w, c, m, n, k, transB: true });   // c = a·wᵀ, w is n×k
 * ```
 */
export function gemm(options: GemmOptions): void {
  const what = 'gemm';
  const { a, b, c, m, n, k, transA = false, transB = false, bias, accumulate = false, lda, ldb, ldc } = object(what, options);
  const shape = checkShape(what, { a, c, m, n, k, transA, lda, ldc, accumulate });
  flag('transB', transB);
  const regions = arena(what);
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const bStride = leading('ldb', ldb, bCols);
  const bFloats = matrixFloats(bRows, bCols, bStride);
  const bOffset = regions.check('b', b, bFloats);
  const biasOffset = bias === undefined ? 0 : regions.check('bias', bias, n);
  disjoint('c', shape.c, shape.cFloats, { a: [shape.a, shape.aFloats], b: [bOffset, bFloats], bias: [biasOffset, bias ? n : 0] });
  const split = columnSplit(m, n, k);
  if (split) {
    // Each chunk packs and multiplies its own columns of op(b), in its thread's scratch.
    const { pool, shares } = split;
    const widest = Math.max(...shares.map(([j0, j1]) => j1 - j0));
    const scratchBytes = 4 * gemmScratchSize(transA, m, widest, k);
    regions.withScratch(what, (pool.threads * scratchBytes) / 4, (scratch) => {
      pool.run(shares.map(([j0, j1]): PoolJob => ({
        kernel: 'gemm',
        args: [+transA, +transB, m, j1 - j0, k, shape.a, shape.lda, bOffset + 4 * (transB ? j0 * bStride : j0), bStride, bias ? biasOffset + 4 * j0 : 0, shape.c + 4 * j0, shape.ldc, +accumulate, scratch],
        scratch: { argument: 13, stride: scratchBytes },
      })));
    });
    return;
  }
  regions.withScratch(what, gemmScratchSize(transA, m, n, k), (scratch) => {
    kernels(what).gemm(+transA, +transB, m, n, k, shape.a, shape.lda, bOffset, bStride, biasOffset, shape.c, shape.ldc, +accumulate, scratch);
  });
}

/**
 * Below this many multiply-adds a GEMM stays on one thread: a call's start and end cost some
 * microseconds of Atomics traffic, more when a worker has gone to sleep (measured: 64³ took
 * 33 µs on one thread and 55 on two; 100×128×28 broke even; 128×512×28 gained 1.3–1.6×).
 */
const PARALLEL_MIN_WORK = 1 << 19;

/** Chunks per thread: threads claim chunks as they go, so a descheduled thread holds up little. */
const CHUNKS_PER_THREAD = 4;

/**
 * Column ranges [j0, j1) of C in whole panels, a few per thread, and the pool to run them,
 * when threads run and the GEMM is worth splitting; undefined otherwise. Every element of C is
 * one sum over k in a fixed order whatever the columns around it (assembly/gemm.ts), so any
 * split gives the same bits.
 */
function columnSplit(m: number, n: number, k: number): { pool: ThreadPool; shares: Array<[number, number]> } | undefined {
  const pool = threadPool();
  if (!pool || m * n * k < PARALLEL_MIN_WORK) return undefined;
  const panels = Math.ceil(n / PANEL_COLUMNS);
  const parts = Math.min(pool.threads * CHUNKS_PER_THREAD, panels, MAX_CHUNKS);
  if (parts < 2) return undefined;
  const shares = Array.from({ length: parts }, (_, t): [number, number] => [
    PANEL_COLUMNS * Math.floor((t * panels) / parts),
    Math.min(n, PANEL_COLUMNS * Math.floor(((t + 1) * panels) / parts)),
  ]);
  return { pool, shares };
}

interface ShapeArguments {
  a: F32Region;
  c: F32Region;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  lda: number | undefined;
  ldc: number | undefined;
  accumulate: boolean;
}

/** The checks gemm and gemmPacked share: dims, flags, A and C. Returns byte offsets and strides. */
function checkShape(what: string, s: ShapeArguments) {
  dim('m', s.m);
  dim('n', s.n);
  dim('k', s.k);
  flag('transA', s.transA);
  flag('accumulate', s.accumulate);
  const [aRows, aCols] = s.transA ? [s.k, s.m] : [s.m, s.k];
  const lda = leading('lda', s.lda, aCols);
  const ldc = leading('ldc', s.ldc, s.n);
  const aFloats = matrixFloats(aRows, aCols, lda);
  const cFloats = matrixFloats(s.m, s.n, ldc);
  const regions = arena(what);
  return { a: regions.check('a', s.a, aFloats), aFloats, lda, c: regions.check('c', s.c, cFloats), cFloats, ldc };
}

/** Floats spanned by a rows×cols matrix with row stride ld. */
function matrixFloats(rows: number, cols: number, ld: number): number {
  return (rows - 1) * ld + cols;
}

/** A leading dimension: defaults to the stored row length, and may not be shorter than it. */
function leading(name: string, value: number | undefined, rowLength: number): number {
  return value === undefined ? rowLength : dim(name, value, rowLength);
}

function flag(name: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new TypeError(`${name}: expected a boolean, got ${typeof value} ${String(value)}`);
}

function object<T extends object>(what: string, options: T): T {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${what}(options): expected an options object, got ${String(options)}`);
  return options;
}

/**
 * The output span may not overlap an input span (a kernel would read what it already wrote).
 * Spans are [byte offset, floats); bounding ranges, so interleaved strided matrices count as overlapping.
 */
function disjoint(outName: string, outOffset: number, outFloats: number, inputs: Record<string, [number, number]>): void {
  const outEnd = outOffset + 4 * outFloats;
  for (const name of Object.keys(inputs)) {
    const [offset, floats] = inputs[name];
    if (floats > 0 && offset < outEnd && outOffset < offset + 4 * floats) {
      throw new RangeError(`${outName}: expected no overlap with ${name}, but bytes [${outOffset}, ${outEnd}) and [${offset}, ${offset + 4 * floats}) overlap`);
    }
  }
}

function kernels(what: string): GemmExports {
  return wasm(what) as unknown as GemmExports;
}
