// Typed wrappers around the element-wise and reduction kernels of assembly/elementwise.ts.
// Every argument is checked before any Wasm runs, so a bad count, scalar or region is a
// RangeError/TypeError naming the argument, and no output is touched. Counts default to the
// first region's length; scalars are rounded to float32 on their way into Wasm.
import type { F32Region } from '../runtime/arena.js';
import { arena } from '../runtime/module.js';
import { apart, exportsOf, inPlaceOrApart, offsets, scalar } from './buffers.js';
import { dim } from './validate.js';

interface ElementwiseExports {
  add(a: number, b: number, dst: number, n: number): void;
  sub(a: number, b: number, dst: number, n: number): void;
  mul(a: number, b: number, dst: number, n: number): void;
  axpy(x: number, y: number, n: number, alpha: number): void;
  scale(src: number, dst: number, n: number, alpha: number): void;
  clip(src: number, dst: number, n: number, lo: number, hi: number): void;
  fill(dst: number, n: number, value: number): void;
  copy(src: number, dst: number, n: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  columnSums(src: number, dst: number, rows: number, cols: number, accumulate: number): void;
  sumSquares(src: number, n: number): number;
  firstNonFinite(src: number, n: number): number;
}

type BinaryKernel = 'add' | 'sub' | 'mul';

/** The shared checks and call of add, sub and mul. */
function binary(kernel: BinaryKernel, a: F32Region, b: F32Region, dst: F32Region, n: number): void {
  const [aOffset, bOffset, dstOffset] = offsets(kernel, n, { a, b, dst });
  inPlaceOrApart(kernel, n, ['dst', dstOffset], { a: aOffset, b: bOffset });
  exportsOf<ElementwiseExports>(kernel)[kernel](aOffset, bOffset, dstOffset, n);
}

/**
 * dst = a + b over the first n floats.
 *
 * @example
 * ```ts
 * kernels.add(a, b, sum);
 * ```
 */
export function add(a: F32Region, b: F32Region, dst: F32Region, n = a.length): void {
  binary('add', a, b, dst, n);
}

/**
 * dst = a − b over the first n floats.
 *
 * @example
 * ```ts
 * kernels.sub(prediction, target, difference);
 * ```
 */
export function sub(a: F32Region, b: F32Region, dst: F32Region, n = a.length): void {
  binary('sub', a, b, dst, n);
}

/**
 * dst = a·b element-wise over the first n floats.
 *
 * @example
 * ```ts
 * kernels.mul(a, mask, a);                   // in place
 * ```
 */
export function mul(a: F32Region, b: F32Region, dst: F32Region, n = a.length): void {
  binary('mul', a, b, dst, n);
}

/**
 * y += alpha·x over the first n floats (a multiply and an add, each rounded).
 *
 * @example
 * ```ts
 * kernels.axpy(-0.01, grad, weights);           // weights −= 0.01·grad
 * ```
 */
export function axpy(alpha: number, x: F32Region, y: F32Region, n = x.length): void {
  const what = 'axpy';
  scalar(what, 'alpha', alpha);
  const [xOffset, yOffset] = offsets(what, n, { x, y });
  inPlaceOrApart(what, n, ['y', yOffset], { x: xOffset });
  exportsOf<ElementwiseExports>(what).axpy(xOffset, yOffset, n, alpha);
}

/**
 * dst = alpha·src over the first n floats (in place by default).
 *
 * @example
 * ```ts
 * kernels.scale(0.5, x);                      // x *= 0.5, in place
 * ```
 */
export function scale(alpha: number, src: F32Region, dst = src, n = src.length): void {
  const what = 'scale';
  scalar(what, 'alpha', alpha);
  const [srcOffset, dstOffset] = offsets(what, n, { src, dst });
  inPlaceOrApart(what, n, ['dst', dstOffset], { src: srcOffset });
  exportsOf<ElementwiseExports>(what).scale(srcOffset, dstOffset, n, alpha);
}

/**
 * dst = min(max(src, lo), hi) over the first n floats (in place by default); NaN stays NaN.
 *
 * @example
 * ```ts
 * kernels.clip(grad, -1, 1);                  // in place
 * ```
 */
export function clip(src: F32Region, lo: number, hi: number, dst = src, n = src.length): void {
  const what = 'clip';
  scalar(what, 'lo', lo);
  scalar(what, 'hi', hi);
  if (!(lo <= hi)) throw new RangeError(`${what}(lo, hi): expected lo <= hi, got lo=${lo}, hi=${hi}`);
  const [srcOffset, dstOffset] = offsets(what, n, { src, dst });
  inPlaceOrApart(what, n, ['dst', dstOffset], { src: srcOffset });
  exportsOf<ElementwiseExports>(what).clip(srcOffset, dstOffset, n, lo, hi);
}

/**
 * Sets the first n floats of dst to value.
 *
 * @example
 * ```ts
 * kernels.fill(grad, 0);
 * ```
 */
export function fill(dst: F32Region, value: number, n = dst.length): void {
  const what = 'fill';
  scalar(what, 'value', value);
  const [dstOffset] = offsets(what, n, { dst });
  exportsOf<ElementwiseExports>(what).fill(dstOffset, n, value);
}

/**
 * Copies the first n floats of src to dst; the two may overlap in any way.
 *
 * @example
 * ```ts
 * kernels.copy(src, dst);
 * ```
 */
export function copy(src: F32Region, dst: F32Region, n = src.length): void {
  const what = 'copy';
  const [srcOffset, dstOffset] = offsets(what, n, { src, dst });
  exportsOf<ElementwiseExports>(what).copy(srcOffset, dstOffset, n);
}

/**
 * dst (cols×rows) = srcᵀ for a row-major rows×cols src; dst may not overlap src.
 *
 * @example
 * ```ts
 * kernels.transpose(w, wT, rows, cols);       // wT is cols×rows
 * ```
 */
export function transpose(src: F32Region, dst: F32Region, rows: number, cols: number): void {
  const what = 'transpose';
  dim(`${what}(rows)`, rows, 0);
  dim(`${what}(cols)`, cols, 0);
  const floats = rows * cols;
  const [srcOffset, dstOffset] = offsets(what, floats, { src, dst });
  apart(what, ['dst', dstOffset, floats], ['src', srcOffset, floats]);
  exportsOf<ElementwiseExports>(what).transpose(srcOffset, dstOffset, rows, cols);
}

/**
 * dst[j] (+)= Σ_i src[i, j] for a row-major rows×cols src: each column summed in row order,
 * starting from dst[j] when accumulating and from +0 otherwise (bias gradients).
 *
 * @example
 * ```ts
 * kernels.columnSums(dy, dBias, batch, units, true);   // dBias += Σ over the batch
 * ```
 */
export function columnSums(src: F32Region, dst: F32Region, rows: number, cols: number, accumulate = false): void {
  const what = 'columnSums';
  dim(`${what}(rows)`, rows, 0);
  dim(`${what}(cols)`, cols, 0);
  if (typeof accumulate !== 'boolean') throw new TypeError(`${what}(accumulate): expected a boolean, got ${typeof accumulate} ${String(accumulate)}`);
  const memory = arena(what);
  const srcOffset = memory.checkArgument(what, 'src', src, rows * cols);
  const dstOffset = memory.checkArgument(what, 'dst', dst, cols);
  apart(what, ['dst', dstOffset, cols], ['src', srcOffset, rows * cols]);
  exportsOf<ElementwiseExports>(what).columnSums(srcOffset, dstOffset, rows, cols, +accumulate);
}

/**
 * Σ src[i]² over the first n floats, in float64 and a fixed order (gradient-norm clipping).
 *
 * @example
 * ```ts
 * const norm = Math.sqrt(kernels.sumSquares(grad));
 * ```
 */
export function sumSquares(src: F32Region, n = src.length): number {
  const what = 'sumSquares';
  const [srcOffset] = offsets(what, n, { src });
  return exportsOf<ElementwiseExports>(what).sumSquares(srcOffset, n);
}

/**
 * The index of the first NaN or ±Infinity among the first n floats of src, or −1 when all are finite.
 *
 * @example
 * ```ts
 * if (kernels.firstNonFinite(x) >= 0) throw new Error('x holds NaN or ±Infinity');
 * ```
 */
export function firstNonFinite(src: F32Region, n = src.length): number {
  const what = 'firstNonFinite';
  const [srcOffset] = offsets(what, n, { src });
  return exportsOf<ElementwiseExports>(what).firstNonFinite(srcOffset, n);
}
