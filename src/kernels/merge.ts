// Typed wrappers around the merge kernels of assembly/merge.ts (maximum, its gradient
// routing, division by a count, block copies, batched matrix products). Every argument is
// checked before any Wasm runs, as in elementwise.ts.
import type { F32Region } from '../runtime/arena.js';
import { apart, exportsOf, inPlaceOrApart, offsets, scalar } from './buffers.js';
import { dim } from './validate.js';

interface MergeExports {
  maximum(a: number, b: number, dst: number, n: number): void;
  routeToMaximum(x: number, out: number, remaining: number, dx: number, n: number): void;
  divideBy(src: number, dst: number, n: number, d: number): void;
  copyBlocks(src: number, srcStride: number, dst: number, dstStride: number, rows: number, width: number): void;
  batchMatmul(a: number, b: number, c: number, batch: number, m: number, n: number, k: number, aT: number, bT: number, accumulate: number): void;
  l2Normalize(src: number, dst: number, sums: number, outer: number, length: number, inner: number, eps: number): void;
  l2NormalizeBackward(y: number, dy: number, sums: number, dx: number, outer: number, length: number, inner: number, eps: number): void;
}

/**
 * dst = max(a, b) element-wise over the first n floats (a where equal).
 *
 * @example
 * ```ts
 * kernels.maximum(a, b, out);
 * ```
 */
export function maximum(a: F32Region, b: F32Region, dst: F32Region, n = a.length): void {
  const what = 'maximum';
  const [aOffset, bOffset, dstOffset] = offsets(what, n, { a, b, dst });
  inPlaceOrApart(what, n, ['dst', dstOffset], { a: aOffset, b: bOffset });
  exportsOf<MergeExports>(what).maximum(aOffset, bOffset, dstOffset, n);
}

/**
 * One input's share of a maximum's gradient: dx = remaining where x equals out (and
 * remaining becomes 0 there), else dx = 0. Called for each input in order, starting with
 * remaining = dOutput, it gives the whole gradient to the first maximal input.
 *
 * @example
 * ```ts
 * kernels.copy(dOut, remaining);
 * inputs.forEach((x, i) => kernels.routeToMaximum(x, out, remaining, dInputs[i]));
 * ```
 */
export function routeToMaximum(x: F32Region, out: F32Region, remaining: F32Region, dx: F32Region, n = x.length): void {
  const what = 'routeToMaximum';
  const [xOffset, outOffset, remainingOffset, dxOffset] = offsets(what, n, { x, out, remaining, dx });
  apart(what, ['dx', dxOffset, n], ['remaining', remainingOffset, n]);
  inPlaceOrApart(what, n, ['remaining', remainingOffset], { x: xOffset, out: outOffset });
  inPlaceOrApart(what, n, ['dx', dxOffset], { x: xOffset, out: outOffset });
  exportsOf<MergeExports>(what).routeToMaximum(xOffset, outOffset, remainingOffset, dxOffset, n);
}

/**
 * dst = src / d over the first n floats (a division, not a multiplication by 1/d).
 *
 * @example
 * ```ts
 * kernels.divideBy(sum, 3, mean);
 * ```
 */
export function divideBy(src: F32Region, d: number, dst = src, n = src.length): void {
  const what = 'divideBy';
  scalar(what, 'd', d);
  const [srcOffset, dstOffset] = offsets(what, n, { src, dst });
  inPlaceOrApart(what, n, ['dst', dstOffset], { src: srcOffset });
  exportsOf<MergeExports>(what).divideBy(srcOffset, dstOffset, n, d);
}

/** Where a strided block copy reads or writes: a region, the float offset of the first block in it, and the stride between blocks. */
export interface Blocks {
  /** The region read or written. */
  readonly region: F32Region;
  /** The first block's offset in the region, in floats. */
  readonly offset: number;
  /** Floats from one block's start to the next's. */
  readonly stride: number;
}

/**
 * Copies `rows` blocks of `width` floats: block r at src.offset + r·src.stride to
 * dst.offset + r·dst.stride. Concatenation along an axis is one call per input.
 *
 * @example
 * ```ts
 * // x [B, 3] into columns 2..4 of out [B, 5]
 * kernels.copyBlocks({ region: x, offset: 0, stride: 3 }, { region: out, offset: 2, stride: 5 }, B, 3);
 * ```
 */
export function copyBlocks(src: Blocks, dst: Blocks, rows: number, width: number): void {
  const what = 'copyBlocks';
  dim(`${what}(rows)`, rows, 0);
  dim(`${what}(width)`, width, 0);
  for (const [name, blocks] of [['src', src], ['dst', dst]] as const) {
    dim(`${what}(${name}.offset)`, blocks.offset, 0);
    dim(`${what}(${name}.stride)`, blocks.stride, 0);
  }
  const span = (b: Blocks) => (rows === 0 || width === 0 ? 0 : b.offset + (rows - 1) * b.stride + width);
  const [srcOffset] = offsets(what, span(src), { src: src.region });
  const [dstOffset] = offsets(what, span(dst), { dst: dst.region });
  if (rows > 0 && width > 0) apart(what, ['dst', dstOffset, span(dst)], ['src', srcOffset, span(src)]);
  exportsOf<MergeExports>(what).copyBlocks(srcOffset + 4 * src.offset, src.stride, dstOffset + 4 * dst.offset, dst.stride, rows, width);
}

/** The sizes and transpositions of {@link batchMatmul}. */
export interface BatchMatmulShape {
  /** Products in the batch. */
  readonly batch: number;
  /** Rows of each C. */
  readonly m: number;
  /** Columns of each C. */
  readonly n: number;
  /** The reduction length. */
  readonly k: number;
  /** A is stored k×m (use its transpose). */
  readonly aT: boolean;
  /** B is stored n×k (use its transpose). */
  readonly bT: boolean;
  /** Add into C instead of overwriting it. */
  readonly accumulate?: boolean;
}

/**
 * @internal The byte offsets of a batched product's A, B and C, each checked to hold its
 * matrices, C apart from A and B (batchMatmul here, batchGemm in attention.ts).
 */
export function batchOperands(what: string, a: F32Region, b: F32Region, c: F32Region, shape: BatchMatmulShape): [number, number, number] {
  const { batch, m, n, k } = shape;
  for (const [name, value] of Object.entries({ batch, m, n, k })) dim(`${what}(${name})`, value, 0);
  const [aOffset] = offsets(what, batch * m * k, { a });
  const [bOffset] = offsets(what, batch * k * n, { b });
  const [cOffset] = offsets(what, batch * m * n, { c });
  apart(what, ['c', cOffset, batch * m * n], ['a', aOffset, batch * m * k]);
  apart(what, ['c', cOffset, batch * m * n], ['b', bOffset, batch * k * n]);
  return [aOffset, bOffset, cOffset];
}

/**
 * For each of `batch` pairs: C (m×n) = op(A)·op(B) (+ C), each element summed over k in
 * order; A, B and C are the matrices one after another (m·k, k·n and m·n floats each).
 *
 * @example
 * ```ts
 * kernels.batchMatmul(x, y, scores, { batch: B, m: T, n: T, k: D, aT: false, bT: true });   // x·yᵀ per sample
 * ```
 */
export function batchMatmul(a: F32Region, b: F32Region, c: F32Region, shape: BatchMatmulShape): void {
  const what = 'batchMatmul';
  const [aOffset, bOffset, cOffset] = batchOperands(what, a, b, c, shape);
  const { batch, m, n, k } = shape;
  exportsOf<MergeExports>(what).batchMatmul(aOffset, bOffset, cOffset, batch, m, n, k, shape.aT ? 1 : 0, shape.bT ? 1 : 0, shape.accumulate ? 1 : 0);
}

/** The layout of {@link l2Normalize}: values [outer, length, inner], normalised along `length`. */
export interface NormalizeShape {
  /** Independent blocks before the normalised axis. */
  readonly outer: number;
  /** The normalised axis's length. */
  readonly length: number;
  /** Values after it (the stride of the normalised axis). */
  readonly inner: number;
  /** The floor of the sum of squares (Keras: 1e-12). */
  readonly eps: number;
}

function normalizeOffsets(what: string, shape: NormalizeShape, values: Record<string, F32Region>, sums: F32Region): { offsets: number[]; sums: number } {
  const { outer, length, inner, eps } = shape;
  for (const [name, value] of Object.entries({ outer, length, inner })) dim(`${what}(${name})`, value, 0);
  scalar(what, 'eps', eps);
  const n = outer * length * inner;
  const found = offsets(what, n, values);
  const [sumsOffset] = offsets(what, outer * inner, { sums });
  found.forEach((offset, i) => apart(what, ['sums', sumsOffset, outer * inner], [Object.keys(values)[i], offset, n]));
  return { offsets: found, sums: sumsOffset };
}

/**
 * dst = src / sqrt(max(Σ src², eps)) along the middle axis of [outer, length, inner]; each
 * sum of squares is kept in `sums` (outer·inner floats) for l2NormalizeBackward.
 *
 * @example
 * ```ts
 * kernels.l2Normalize(x, xn, sums, { outer: B, length: D, inner: 1, eps: 1e-12 });   // rows of x [B, D]
 * ```
 */
export function l2Normalize(src: F32Region, dst: F32Region, sums: F32Region, shape: NormalizeShape): void {
  const what = 'l2Normalize';
  const { offsets: [srcOffset, dstOffset], sums: sumsOffset } = normalizeOffsets(what, shape, { src, dst }, sums);
  apart(what, ['dst', dstOffset, shape.outer * shape.length * shape.inner], ['src', srcOffset, shape.outer * shape.length * shape.inner]);
  exportsOf<MergeExports>(what).l2Normalize(srcOffset, dstOffset, sumsOffset, shape.outer, shape.length, shape.inner, shape.eps);
}

/**
 * The gradient of l2Normalize: dx from the normalised values y, their gradient dy and the kept sums.
 *
 * @example
 * ```ts
 * kernels.l2NormalizeBackward(xn, dxn, sums, dx, { outer: B, length: D, inner: 1, eps: 1e-12 });
 * ```
 */
export function l2NormalizeBackward(y: F32Region, dy: F32Region, sums: F32Region, dx: F32Region, shape: NormalizeShape): void {
  const what = 'l2NormalizeBackward';
  const { offsets: [yOffset, dyOffset, dxOffset], sums: sumsOffset } = normalizeOffsets(what, shape, { y, dy, dx }, sums);
  const n = shape.outer * shape.length * shape.inner;
  apart(what, ['dx', dxOffset, n], ['y', yOffset, n]);
  apart(what, ['dx', dxOffset, n], ['dy', dyOffset, n]);
  exportsOf<MergeExports>(what).l2NormalizeBackward(yOffset, dyOffset, sumsOffset, dxOffset, shape.outer, shape.length, shape.inner, shape.eps);
}
