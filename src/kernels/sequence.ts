// Typed wrappers around the kernels of the sequence layers: 1-D convolution windows and
// pooling (assembly/conv1d.ts), layer normalization (assembly/normalization.ts), repeat,
// permute and the positional add (assembly/shape.ts). Every size is checked to be an integer
// in range and every region to be live and long enough before any Wasm runs; outputs may not
// overlap inputs. Index regions (argmax) are F32Regions holding i32 values that only the
// forward kernels write.
import type { F32Region } from '../runtime/arena.js';
import { arena } from '../runtime/module.js';
import { apart, exportsOf } from './buffers.js';
import { dim } from './validate.js';

interface SequenceExports {
  im2col1d(x: number, B: number, T: number, C: number, taps: number, stride: number, dilation: number, padLeft: number, Tout: number, cols: number): void;
  col2im1d(dcols: number, B: number, T: number, C: number, taps: number, stride: number, dilation: number, padLeft: number, Tout: number, dx: number): void;
  maxPool1d(x: number, B: number, T: number, C: number, pool: number, stride: number, padLeft: number, Tout: number, y: number, argmax: number): void;
  maxPoolBackward(dy: number, argmax: number, n: number, dx: number, dxFloats: number): void;
  avgPool1d(x: number, B: number, T: number, C: number, pool: number, stride: number, padLeft: number, Tout: number, y: number): void;
  avgPool1dBackward(dy: number, B: number, T: number, C: number, pool: number, stride: number, padLeft: number, Tout: number, dx: number): void;
  globalAvgPool1d(x: number, mask: number, B: number, T: number, C: number, y: number): void;
  globalAvgPool1dBackward(dy: number, mask: number, B: number, T: number, C: number, dx: number): void;
  globalMaxPool1d(x: number, mask: number, B: number, T: number, C: number, y: number, argmax: number): void;
  layerNorm(x: number, rows: number, n: number, gamma: number, beta: number, epsilon: number, y: number, stats: number): void;
  layerNormBackward(x: number, dy: number, rows: number, n: number, gamma: number, stats: number, dx: number, dgamma: number, dbeta: number): void;
  repeatRows(x: number, B: number, n: number, repeats: number, y: number): void;
  repeatRowsBackward(dy: number, B: number, n: number, repeats: number, dx: number): void;
  permute3(x: number, B: number, d0: number, d1: number, d2: number, p0: number, p1: number, p2: number, y: number): void;
  addRowToEach(x: number, row: number, B: number, n: number, y: number): void;
}

/** Regions by name with the floats each must hold (undefined: not passed, offset 0). */
type Operands = Record<string, [F32Region | undefined, number]>;

/** Checks every operand and that each output lies apart from every input; returns the byte offsets by name. */
function operands(what: string, inputs: Operands, outputs: Operands): Record<string, number> {
  const memory = arena(what);
  const at: Record<string, number> = {};
  for (const [name, [region, floats]] of Object.entries({ ...inputs, ...outputs })) {
    at[name] = region === undefined ? 0 : memory.checkArgument(what, name, region, floats);
  }
  for (const [out, [outRegion, outFloats]] of Object.entries(outputs)) {
    if (outRegion === undefined) continue;
    for (const [name, [region, floats]] of Object.entries(inputs)) {
      if (region !== undefined) apart(what, [out, at[out], outFloats], [name, at[name], floats]);
    }
    for (const [other, [region, floats]] of Object.entries(outputs)) {
      if (other !== out && region !== undefined) apart(what, [out, at[out], outFloats], [other, at[other], floats]);
    }
  }
  return at;
}

const kernels = (what: string): SequenceExports => exportsOf<SequenceExports>(what);

/**
 * Where the windows of a 1-D convolution or pooling lie on x [batch][steps][channels]: output
 * step t reads `taps` input steps `dilation` apart from t·stride − padLeft.
 */
export interface WindowGeometry {
  batch: number;
  steps: number;
  channels: number;
  taps: number;
  stride: number;
  dilation: number;
  padLeft: number;
  outSteps: number;
}

/** Checks the geometry's integers; `pooling`: every window must also hold a real step. */
function geometry(what: string, g: WindowGeometry, pooling: boolean): WindowGeometry {
  if (typeof g !== 'object' || g === null) throw new TypeError(`${what}(geometry): expected an object, got ${String(g)}`);
  for (const key of ['batch', 'steps', 'channels', 'taps', 'stride', 'dilation', 'outSteps'] as const) dim(`${what}(${key})`, g[key]);
  dim(`${what}(padLeft)`, g.padLeft, 0);
  const lastStart = (g.outSteps - 1) * g.stride - g.padLeft;
  if (pooling && (g.padLeft >= g.taps || lastStart >= g.steps)) {
    throw new RangeError(`${what}(geometry): every pooling window must hold a step of the input, but padLeft ${g.padLeft}, taps ${g.taps}, stride ${g.stride} and outSteps ${g.outSteps} leave one outside ${g.steps} steps`);
  }
  if (g.batch * g.steps * g.channels * g.taps * g.outSteps > 2 ** 40) throw new RangeError(`${what}(geometry): sizes too large`);
  return g;
}

const windowArgs = (g: WindowGeometry) => [g.batch, g.steps, g.channels, g.taps, g.stride, g.dilation, g.padLeft, g.outSteps] as const;
const inputFloats = (g: WindowGeometry) => g.batch * g.steps * g.channels;
const outputFloats = (g: WindowGeometry) => g.batch * g.outSteps * g.channels;
const columnFloats = (g: WindowGeometry) => g.batch * g.outSteps * g.taps * g.channels;

/** cols [batch·outSteps][taps·channels] = each output step's window of x (zeros outside x): convolution as one GEMM. */
export function im2col1d(x: F32Region, cols: F32Region, window: WindowGeometry): void {
  const what = 'im2col1d';
  const g = geometry(what, window, false);
  const at = operands(what, { x: [x, inputFloats(g)] }, { cols: [cols, columnFloats(g)] });
  kernels(what).im2col1d(at.x, ...windowArgs(g), at.cols);
}

/** dx = the sum of each window row of dcols put back where im2col1d took it from. */
export function col2im1d(dcols: F32Region, dx: F32Region, window: WindowGeometry): void {
  const what = 'col2im1d';
  const g = geometry(what, window, false);
  const at = operands(what, { dcols: [dcols, columnFloats(g)] }, { dx: [dx, inputFloats(g)] });
  kernels(what).col2im1d(at.dcols, ...windowArgs(g), at.dx);
}

/** y [batch][outSteps][channels] = window maxima (taps = pool size, dilation 1); argmax keeps each winner's index for the backward pass. */
export function maxPool1d(x: F32Region, y: F32Region, argmax: F32Region, window: WindowGeometry): void {
  const what = 'maxPool1d';
  const g = geometry(what, window, true);
  const at = operands(what, { x: [x, inputFloats(g)] }, { y: [y, outputFloats(g)], argmax: [argmax, outputFloats(g)] });
  kernels(what).maxPool1d(at.x, g.batch, g.steps, g.channels, g.taps, g.stride, g.padLeft, g.outSteps, at.y, at.argmax);
}

/** dx (dxFloats) = dy routed to the elements argmax (from maxPool1d or globalMaxPool1d) names. */
export function maxPoolBackward(dy: F32Region, argmax: F32Region, n: number, dx: F32Region, dxFloats: number): void {
  const what = 'maxPoolBackward';
  dim(`${what}(n)`, n);
  dim(`${what}(dxFloats)`, dxFloats);
  const at = operands(what, { dy: [dy, n], argmax: [argmax, n] }, { dx: [dx, dxFloats] });
  kernels(what).maxPoolBackward(at.dy, at.argmax, n, at.dx, dxFloats);
}

/** y = window means over the real steps of each window (padding not counted). */
export function avgPool1d(x: F32Region, y: F32Region, window: WindowGeometry): void {
  const what = 'avgPool1d';
  const g = geometry(what, window, true);
  const at = operands(what, { x: [x, inputFloats(g)] }, { y: [y, outputFloats(g)] });
  kernels(what).avgPool1d(at.x, g.batch, g.steps, g.channels, g.taps, g.stride, g.padLeft, g.outSteps, at.y);
}

/** dx = each dy shared equally among its window's real steps. */
export function avgPool1dBackward(dy: F32Region, dx: F32Region, window: WindowGeometry): void {
  const what = 'avgPool1dBackward';
  const g = geometry(what, window, true);
  const at = operands(what, { dy: [dy, outputFloats(g)] }, { dx: [dx, inputFloats(g)] });
  kernels(what).avgPool1dBackward(at.dy, g.batch, g.steps, g.channels, g.taps, g.stride, g.padLeft, g.outSteps, at.dx);
}

/** Shape [batch, steps, channels] of a global pooling call, checked. */
function poolShape(what: string, shape: readonly [number, number, number]): [number, number, number] {
  const [B, T, C] = shape;
  dim(`${what}(batch)`, B);
  dim(`${what}(steps)`, T);
  dim(`${what}(channels)`, C);
  return [B, T, C];
}

/** y [B][C] = the mean over the real steps of x [B][T][C] (mask [B][T], nonzero = real; omitted: all); 0 for a sample with none. */
export function globalAvgPool1d(x: F32Region, mask: F32Region | undefined, y: F32Region, shape: readonly [number, number, number]): void {
  const what = 'globalAvgPool1d';
  const [B, T, C] = poolShape(what, shape);
  const at = operands(what, { x: [x, B * T * C], mask: [mask, B * T] }, { y: [y, B * C] });
  kernels(what).globalAvgPool1d(at.x, at.mask, B, T, C, at.y);
}

/** dx [B][T][C] = dy [B][C] / (real steps) on real steps, 0 on padding. */
export function globalAvgPool1dBackward(dy: F32Region, mask: F32Region | undefined, dx: F32Region, shape: readonly [number, number, number]): void {
  const what = 'globalAvgPool1dBackward';
  const [B, T, C] = poolShape(what, shape);
  const at = operands(what, { dy: [dy, B * C], mask: [mask, B * T] }, { dx: [dx, B * T * C] });
  kernels(what).globalAvgPool1dBackward(at.dy, at.mask, B, T, C, at.dx);
}

/** y [B][C] = the maximum over the real steps (0 for a sample with none); argmax [B][C] for maxPoolBackward. */
export function globalMaxPool1d(x: F32Region, mask: F32Region | undefined, y: F32Region, argmax: F32Region, shape: readonly [number, number, number]): void {
  const what = 'globalMaxPool1d';
  const [B, T, C] = poolShape(what, shape);
  const at = operands(what, { x: [x, B * T * C], mask: [mask, B * T] }, { y: [y, B * C], argmax: [argmax, B * C] });
  kernels(what).globalMaxPool1d(at.x, at.mask, B, T, C, at.y, at.argmax);
}

/** Floats of the per-row statistics layerNorm keeps for its backward pass (two f64 per row). */
export const layerNormStatsSize = (rows: number): number => 4 * rows;

/** Arguments of {@link layerNorm}: rows of n values each, optional gamma and beta (n each). */
export interface LayerNormOptions {
  x: F32Region;
  rows: number;
  n: number;
  gamma?: F32Region;
  beta?: F32Region;
  /** Added to the variance, > 0. */
  epsilon: number;
  y: F32Region;
  /** layerNormStatsSize(rows) floats: each row's mean and 1/√(var + epsilon). */
  stats: F32Region;
}

/** y = (x − mean)·rstd·gamma + beta per row (Keras LayerNormalization over the last axis). */
export function layerNorm(options: LayerNormOptions): void {
  const what = 'layerNorm';
  const { x, rows, n, gamma, beta, epsilon, y, stats } = options;
  dim(`${what}(rows)`, rows);
  dim(`${what}(n)`, n);
  if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`${what}(epsilon): expected a finite number > 0, got ${String(epsilon)}`);
  const at = operands(what, { x: [x, rows * n], gamma: [gamma, n], beta: [beta, n] }, { y: [y, rows * n], stats: [stats, layerNormStatsSize(rows)] });
  kernels(what).layerNorm(at.x, rows, n, at.gamma, at.beta, epsilon, at.y, at.stats);
}

/** Arguments of {@link layerNormBackward}: layerNorm's x, gamma and stats, the output gradient, and what to compute. */
export interface LayerNormBackwardOptions {
  x: F32Region;
  dy: F32Region;
  rows: number;
  n: number;
  gamma?: F32Region;
  stats: F32Region;
  /** Written when given. */
  dx?: F32Region;
  /** Added into when given. */
  dgamma?: F32Region;
  /** Added into when given. */
  dbeta?: F32Region;
}

/** The gradients of layerNorm: dx written, dgamma and dbeta accumulated. */
export function layerNormBackward(options: LayerNormBackwardOptions): void {
  const what = 'layerNormBackward';
  const { x, dy, rows, n, gamma, stats, dx, dgamma, dbeta } = options;
  dim(`${what}(rows)`, rows);
  dim(`${what}(n)`, n);
  const at = operands(what, { x: [x, rows * n], dy: [dy, rows * n], gamma: [gamma, n], stats: [stats, layerNormStatsSize(rows)] }, { dx: [dx, rows * n], dgamma: [dgamma, n], dbeta: [dbeta, n] });
  kernels(what).layerNormBackward(at.x, at.dy, rows, n, at.gamma, at.stats, at.dx, at.dgamma, at.dbeta);
}

/** y [B][repeats][n] = each row of x [B][n] repeated. */
export function repeatRows(x: F32Region, y: F32Region, B: number, n: number, repeats: number): void {
  const what = 'repeatRows';
  for (const [name, value] of Object.entries({ B, n, repeats })) dim(`${what}(${name})`, value);
  const at = operands(what, { x: [x, B * n] }, { y: [y, B * repeats * n] });
  kernels(what).repeatRows(at.x, B, n, repeats, at.y);
}

/** dx [B][n] = Σ over repeats of dy [B][repeats][n], in repeat order. */
export function repeatRowsBackward(dy: F32Region, dx: F32Region, B: number, n: number, repeats: number): void {
  const what = 'repeatRowsBackward';
  for (const [name, value] of Object.entries({ B, n, repeats })) dim(`${what}(${name})`, value);
  const at = operands(what, { dy: [dy, B * repeats * n] }, { dx: [dx, B * n] });
  kernels(what).repeatRowsBackward(at.dy, B, n, repeats, at.dx);
}

/**
 * y = x [B][...dims] with its non-batch axes permuted: output axis a is input axis perm[a]
 * (0-based, 1 to 3 axes).
 */
export function permuteAxes(x: F32Region, y: F32Region, B: number, dims: readonly number[], perm: readonly number[]): void {
  const what = 'permuteAxes';
  dim(`${what}(B)`, B);
  if (!Array.isArray(dims) || dims.length < 1 || dims.length > 3) throw new RangeError(`${what}(dims): expected 1 to 3 axes, got ${String(dims)}`);
  dims.forEach((d, i) => dim(`${what}(dims[${i}])`, d));
  const sorted = Array.isArray(perm) ? [...perm].sort() : [];
  if (sorted.length !== dims.length || sorted.some((p, i) => p !== i)) throw new RangeError(`${what}(perm): expected a permutation of 0..${dims.length - 1}, got ${String(perm)}`);
  const floats = B * dims.reduce((a, b) => a * b, 1);
  const at = operands(what, { x: [x, floats] }, { y: [y, floats] });
  // Missing trailing axes are of size 1 and stay in place.
  const [d0, d1 = 1, d2 = 1] = dims;
  const [p0, p1 = 1, p2 = 2] = perm;
  kernels(what).permute3(at.x, B, d0, d1, d2, p0, p1, p2, at.y);
}

/** y [B][n] = x [B][n] + row [n] for every b. */
export function addRowToEach(x: F32Region, row: F32Region, y: F32Region, B: number, n: number): void {
  const what = 'addRowToEach';
  dim(`${what}(B)`, B);
  dim(`${what}(n)`, n);
  const at = operands(what, { x: [x, B * n], row: [row, n] }, { y: [y, B * n] });
  kernels(what).addRowToEach(at.x, at.row, B, n, at.y);
}
