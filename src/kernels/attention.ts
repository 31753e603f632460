// Typed wrappers around the attention kernels of assembly/attention.ts (per-sample or
// per-head products on the packed GEMM, additive scores and their gradient, the score mask,
// zeroing masked query rows), shared by Attention, AdditiveAttention and MultiHeadAttention.
// Every argument is checked before any Wasm runs, as in merge.ts.
import type { F32Region } from '../runtime/arena.js';
import { apart, exportsOf, offsets, scalar } from './buffers.js';
import { gemmScratchSize } from './gemm.js';
import { batchOperands, type BatchMatmulShape } from './merge.js';
import { dim } from './validate.js';

interface AttentionExports {
  batchGemm(transA: boolean, transB: boolean, batch: number, m: number, n: number, k: number, a: number, b: number, c: number, accumulate: boolean, scratch: number): void;
  tanhScores(q: number, k: number, w: number, t: number, scores: number, batch: number, tq: number, tv: number, dim: number, alpha: number): void;
  tanhScoresBackward(q: number, k: number, w: number, t: number, dScores: number, dq: number, dk: number, dw: number, dAlpha: number, batch: number, tq: number, tv: number, dim: number, alpha: number): void;
  maskScores(scores: number, keep: number, keepBatch: number, keepQuery: number, perKey: boolean, batch: number, heads: number, tq: number, tv: number, causal: boolean, value: number, replace: boolean): void;
  zeroMaskedRows(x: number, keep: number, rows: number, width: number): void;
}

/**
 * Floats of scratch {@link batchGemm} needs for products of `shape`.
 *
 * @example
 * ```ts
 * const scratch = arena().allocF32(kernels.batchGemmScratchSize({ batch: B, m: Tq, n: Tv, k: D, aT: false, bT: true }));
 * ```
 */
export function batchGemmScratchSize(shape: BatchMatmulShape): number {
  return gemmScratchSize(shape.aT, shape.m, shape.n, shape.k);
}

/**
 * For each of `batch` pairs: C (m×n) = op(A)·op(B) (+ C with accumulate) on the packed GEMM,
 * each element summed over k in order; A, B and C are the matrices one after another (m·k,
 * k·n and m·n floats each), as {@link batchMatmul} takes them, and without accumulate the
 * same bits. `scratch` holds {@link batchGemmScratchSize} floats.
 *
 * @example
 * ```ts
 * kernels.batchGemm(queries, keys, scores, { batch: B, m: Tq, n: Tv, k: D, aT: false, bT: true }, scratch);   // q·kᵀ per sample
 * ```
 */
export function batchGemm(a: F32Region, b: F32Region, c: F32Region, shape: BatchMatmulShape, scratch: F32Region): void {
  const what = 'batchGemm';
  const [aOffset, bOffset, cOffset] = batchOperands(what, a, b, c, shape);
  const { batch, m, n, k } = shape;
  const scratchFloats = batchGemmScratchSize(shape);
  const [scratchOffset] = offsets(what, scratchFloats, { scratch });
  for (const [name, offset, floats] of [['a', aOffset, batch * m * k], ['b', bOffset, batch * k * n], ['c', cOffset, batch * m * n]] as const) apart(what, ['scratch', scratchOffset, scratchFloats], [name, offset, floats]);
  if (batch * m * n === 0) return;
  exportsOf<AttentionExports>(what).batchGemm(shape.aT, shape.bT, batch, m, n, k, aOffset, bOffset, cOffset, shape.accumulate ?? false, scratchOffset);
}

/** The sizes of the attention kernels: queries [batch, tq, dim], keys [batch, tv, dim], scores [batch, tq, tv]. */
export interface AttentionShape {
  /** Samples. */
  readonly batch: number;
  /** Query steps. */
  readonly tq: number;
  /** Key (and value) steps. */
  readonly tv: number;
  /** Features of a query and of a key. */
  readonly dim: number;
}

function checkShape(what: string, shape: AttentionShape): void {
  for (const name of ['batch', 'tq', 'tv', 'dim'] as const) dim(`${what}(${name})`, shape[name], 0);
}

/** Byte offsets of the regions given (0 for undefined), each checked to hold its count of floats. */
function optionalOffsets(what: string, named: Record<string, [F32Region | undefined, number]>): number[] {
  return Object.entries(named).map(([name, [region, floats]]) => (region === undefined ? 0 : offsets(what, floats, { [name]: region })[0]));
}

/** The additive scores' operands: q, k, w (optional, dim floats) and the kept tanh values t. */
export interface TanhScoresInputs {
  /** Queries [batch, tq, dim]. */
  readonly q: F32Region;
  /** Keys [batch, tv, dim]. */
  readonly k: F32Region;
  /** Weights of the sum over features (dim floats); undefined: all 1. */
  readonly w?: F32Region;
  /** The tanh values [batch, tq, tv, dim], written by tanhScores and read by its gradient. */
  readonly t: F32Region;
  /** The factor inside the tanh. */
  readonly alpha: number;
}

/**
 * Additive (Bahdanau) scores: t = tanh(alpha·(q[b, i] + k[b, j])) per feature, and
 * scores[b, i, j] = Σ_d w[d]·t[b, i, j, d] (w omitted: a plain sum), in a fixed order.
 *
 * @example
 * ```ts
 * kernels.tanhScores({ q, k, w: scale, t, alpha: 1 }, scores, { batch: B, tq: Tq, tv: Tv, dim: D });
 * ```
 */
export function tanhScores(inputs: TanhScoresInputs, scores: F32Region, shape: AttentionShape): void {
  const what = 'tanhScores';
  checkShape(what, shape);
  const { batch, tq, tv, dim: d } = shape;
  scalar(what, 'alpha', inputs.alpha);
  const [q, k, w, t, s] = optionalOffsets(what, { q: [inputs.q, batch * tq * d], k: [inputs.k, batch * tv * d], w: [inputs.w, d], t: [inputs.t, batch * tq * tv * d], scores: [scores, batch * tq * tv] });
  for (const [name, offset, floats] of [['q', q, batch * tq * d], ['k', k, batch * tv * d], ['w', w, inputs.w ? d : 0]] as const) {
    apart(what, ['t', t, batch * tq * tv * d], [name, offset, floats]);
    apart(what, ['scores', s, batch * tq * tv], [name, offset, floats]);
  }
  apart(what, ['scores', s, batch * tq * tv], ['t', t, batch * tq * tv * d]);
  exportsOf<AttentionExports>(what).tanhScores(q, k, w, t, s, batch, tq, tv, d, inputs.alpha);
}

/** Where {@link tanhScoresBackward} adds its gradients; each is optional. */
export interface TanhScoresGradients {
  /** Added into: [batch, tq, dim]. */
  readonly dq?: F32Region;
  /** Added into: [batch, tv, dim]. */
  readonly dk?: F32Region;
  /** Added into: dim floats (needs inputs.w). */
  readonly dw?: F32Region;
  /** Added into: one float, the gradient of alpha. */
  readonly dAlpha?: F32Region;
}

/**
 * The gradient of {@link tanhScores} from dScores [batch, tq, tv], added into the regions of
 * `gradients` that are given.
 *
 * @example
 * ```ts
 * kernels.tanhScoresBackward({ q, k, w: scale, t, alpha: 1 }, dScores, { dq, dk, dw: scaleGrad }, { batch: B, tq: Tq, tv: Tv, dim: D });
 * ```
 */
export function tanhScoresBackward(inputs: TanhScoresInputs, dScores: F32Region, gradients: TanhScoresGradients, shape: AttentionShape): void {
  const what = 'tanhScoresBackward';
  checkShape(what, shape);
  const { batch, tq, tv, dim: d } = shape;
  scalar(what, 'alpha', inputs.alpha);
  if (gradients.dw && !inputs.w) throw new TypeError(`${what}(dw): a weight gradient needs the weights inputs.w`);
  const [q, k, w, t, ds] = optionalOffsets(what, { q: [inputs.q, batch * tq * d], k: [inputs.k, batch * tv * d], w: [inputs.w, d], t: [inputs.t, batch * tq * tv * d], dScores: [dScores, batch * tq * tv] });
  const [dq, dk, dw, dAlpha] = optionalOffsets(what, { dq: [gradients.dq, batch * tq * d], dk: [gradients.dk, batch * tv * d], dw: [gradients.dw, d], dAlpha: [gradients.dAlpha, 1] });
  const read: [string, number, number][] = [['q', q, batch * tq * d], ['k', k, batch * tv * d], ['w', w, inputs.w ? d : 0], ['t', t, batch * tq * tv * d], ['dScores', ds, batch * tq * tv]];
  const written: [string, number, number][] = [['dq', dq, gradients.dq ? batch * tq * d : 0], ['dk', dk, gradients.dk ? batch * tv * d : 0], ['dw', dw, gradients.dw ? d : 0], ['dAlpha', dAlpha, gradients.dAlpha ? 1 : 0]];
  written.forEach((out, i) => {
    for (const input of read) apart(what, out, input);
    for (const other of written.slice(i + 1)) apart(what, out, other);
  });
  exportsOf<AttentionExports>(what).tanhScoresBackward(q, k, w, t, ds, dq, dk, dw, dAlpha, batch, tq, tv, d, inputs.alpha);
}

/** The layout of attention scores for {@link maskScores}: [batch, heads, tq, tv]. */
export interface ScoresShape {
  /** Samples. */
  readonly batch: number;
  /** Attention heads (1 for Attention and AdditiveAttention). */
  readonly heads: number;
  /** Query steps. */
  readonly tq: number;
  /** Key (and value) steps. */
  readonly tv: number;
}

/** What a keep mask of {@link maskScores} is given for: each key step [batch, tv], each query step [batch, tq], or each pair [batch, tq, tv]. */
export type KeepPer = 'key' | 'query' | 'queryKey';

/** Which scores {@link maskScores} masks, and how. */
export interface ScoreMask {
  /** 0 where a query step may not attend a key step (every head alike); omitted: the causal mask alone. */
  readonly keep?: F32Region;
  /** What `keep` is given for. Default 'key'. */
  readonly keepPer?: KeepPer;
  /** Also mask every key step after the query step (j > i). Default false. */
  readonly causal?: boolean;
  /** 'set': a masked score becomes `value`; 'add': `value` is added to it once. */
  readonly mode: 'set' | 'add';
  /** The value written or added. */
  readonly value: number;
}

/** Where keep's values lie for each {@link KeepPer}: floats per sample, floats per query step, one value per key (else one per row). */
const KEEP_LAYOUT: Record<KeepPer, (tq: number, tv: number) => [number, number, boolean]> = {
  key: (_, tv) => [tv, 0, true],
  query: (tq) => [tq, 1, false],
  queryKey: (tq, tv) => [tq * tv, tv, true],
};

/**
 * The score mask of the attention layers, in place on scores [batch, heads, tq, tv]: a score
 * is masked where `mask.keep` is 0 or, with `mask.causal`, where key j comes after query i;
 * it then becomes `mask.value` ('set': MultiHeadAttention's −1e9, or 0 in the gradient) or has
 * it added once ('add': Keras Attention's −1e9 subtraction).
 *
 * @example
 * ```ts
 * kernels.maskScores(scores, { batch: B, heads: 1, tq: Tq, tv: Tv }, { keep: valueKeep, causal: true, mode: 'add', value: -1e9 });
 * ```
 */
export function maskScores(scores: F32Region, shape: ScoresShape, mask: ScoreMask): void {
  const what = 'maskScores';
  for (const name of ['batch', 'heads', 'tq', 'tv'] as const) dim(`${what}(${name})`, shape[name], 0);
  const { batch, heads, tq, tv } = shape;
  const keepPer = mask.keepPer ?? 'key';
  if (!Object.hasOwn(KEEP_LAYOUT, keepPer)) throw new TypeError(`${what}(keepPer): expected 'key', 'query' or 'queryKey', got ${String(keepPer)}`);
  if (mask.mode !== 'set' && mask.mode !== 'add') throw new TypeError(`${what}(mode): expected 'set' or 'add', got ${String(mask.mode)}`);
  scalar(what, 'value', mask.value);
  const layout = KEEP_LAYOUT[keepPer](tq, tv);
  const keepFloats = batch * layout[0];
  const [s, kept] = optionalOffsets(what, { scores: [scores, batch * heads * tq * tv], keep: [mask.keep, keepFloats] });
  if (mask.keep) apart(what, ['scores', s, batch * heads * tq * tv], ['keep', kept, keepFloats]);
  exportsOf<AttentionExports>(what).maskScores(s, kept, ...layout, batch, heads, tq, tv, mask.causal ?? false, mask.value, mask.mode === 'set');
}

/**
 * Sets row r of x (rows × width) to zeros where keep[r] == 0, in place.
 *
 * @example
 * ```ts
 * kernels.zeroMaskedRows(output, queryKeep, B * Tq, D);     // masked queries give zeros
 * ```
 */
export function zeroMaskedRows(x: F32Region, keep: F32Region, rows: number, width: number): void {
  const what = 'zeroMaskedRows';
  dim(`${what}(rows)`, rows, 0);
  dim(`${what}(width)`, width, 0);
  const [xOffset] = offsets(what, rows * width, { x });
  const [keepOffset] = offsets(what, rows, { keep });
  apart(what, ['x', xOffset, rows * width], ['keep', keepOffset, rows]);
  exportsOf<AttentionExports>(what).zeroMaskedRows(xOffset, keepOffset, rows, width);
}
