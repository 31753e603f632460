// Typed wrappers around assembly/multi-head-attention.ts: every size and region is checked
// before any Wasm runs, as in the other kernel wrappers.
import type { F32Region } from '../runtime/arena.js';
import { arena } from '../runtime/module.js';
import { apart, exportsOf, scalar } from './buffers.js';
import { dim } from './validate.js';

interface MultiHeadAttentionExports {
  maskHeadScores(scores: number, keep: number, B: number, heads: number, T: number, S: number, value: number): void;
  headsMatmul(a: number, b: number, c: number, batch: number, m: number, n: number, k: number, aT: number): void;
}

/** The layout of attention scores: [batch][heads][queries][keys]. */
export interface ScoresShape {
  readonly batch: number;
  readonly heads: number;
  /** Query steps (T). */
  readonly queries: number;
  /** Key steps (S). */
  readonly keys: number;
}

/**
 * scores [B][heads][T][S] = `value` wherever keep [B][T][S] is 0, for every head (Keras's
 * masked softmax writes −1e9 there; its gradient is 0 there).
 *
 * @example
 * ```ts
 * maskScores(scores, keep, { batch: B, heads: 2, queries: T, keys: S }, -1e9);
 * ```
 */
export function maskScores(scores: F32Region, keep: F32Region, shape: ScoresShape, value: number): void {
  const what = 'maskScores';
  const { batch, heads, queries, keys } = shape;
  for (const [name, size] of Object.entries({ batch, heads, queries, keys })) dim(`${what}(${name})`, size);
  scalar(what, 'value', value);
  const memory = arena(what);
  const scoreFloats = batch * heads * queries * keys;
  const keepFloats = batch * queries * keys;
  const scoresAt = memory.check(`${what}(scores)`, scores, scoreFloats);
  const keepAt = memory.check(`${what}(keep)`, keep, keepFloats);
  apart(what, ['scores', scoresAt, scoreFloats], ['keep', keepAt, keepFloats]);
  exportsOf<MultiHeadAttentionExports>(what).maskHeadScores(scoresAt, keepAt, batch, heads, queries, keys, value);
}

/** The sizes of {@link headsMatmul}: `batch` products C (m×n) = op(A)·B contracting k; aT: A is stored k×m. */
export interface HeadsMatmulShape {
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly aT: boolean;
}

/**
 * For each of `batch` pairs, C (m×n) = op(A)·B with B stored k×n (op(A) = A, or Aᵀ of a k×m A
 * with aT); the matrices lie one after another. Each element is summed over k in order.
 *
 * @example
 * ```ts
 * headsMatmul(probs, values, output, { batch: B * heads, m: T, n: valueDim, k: S, aT: false });
 * ```
 */
export function headsMatmul(a: F32Region, b: F32Region, c: F32Region, shape: HeadsMatmulShape): void {
  const what = 'headsMatmul';
  const { batch, m, n, k } = shape;
  for (const [name, value] of Object.entries({ batch, m, n, k })) dim(`${what}(${name})`, value);
  const memory = arena(what);
  const [aFloats, bFloats, cFloats] = [batch * m * k, batch * k * n, batch * m * n];
  const aAt = memory.check(`${what}(a)`, a, aFloats);
  const bAt = memory.check(`${what}(b)`, b, bFloats);
  const cAt = memory.check(`${what}(c)`, c, cFloats);
  apart(what, ['c', cAt, cFloats], ['a', aAt, aFloats]);
  apart(what, ['c', cAt, cFloats], ['b', bAt, bFloats]);
  exportsOf<MultiHeadAttentionExports>(what).headsMatmul(aAt, bAt, cAt, batch, m, n, k, shape.aT ? 1 : 0);
}
