// Typed wrappers around assembly/multi-head-attention.ts: every size and region is checked
// before any Wasm runs, as in the other kernel wrappers.
import type { F32Region } from '../runtime/arena.js';
import { arena } from '../runtime/module.js';
import { apart, exportsOf, scalar } from './buffers.js';
import { dim } from './validate.js';

/**
 * Checks every size (an integer >= 1) and every region (live, holding its floats), and that
 * `output` shares no byte with an input; returns the byte offsets, output last.
 */
function checked(what: string, sizes: Record<string, number>, inputs: Record<string, [F32Region, number]>, output: [string, F32Region, number]): number[] {
  for (const [name, size] of Object.entries(sizes)) dim(`${what}(${name})`, size);
  const memory = arena(what);
  const [outName, outRegion, outFloats] = output;
  const outAt = memory.check(`${what}(${outName})`, outRegion, outFloats);
  const at = Object.entries(inputs).map(([name, [region, floats]]) => {
    const offset = memory.check(`${what}(${name})`, region, floats);
    apart(what, [outName, outAt, outFloats], [name, offset, floats]);
    return offset;
  });
  return [...at, outAt];
}

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
  scalar(what, 'value', value);
  const [keepAt, scoresAt] = checked(what, { batch, heads, queries, keys }, { keep: [keep, batch * queries * keys] }, ['scores', scores, batch * heads * queries * keys]);
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
  const [aAt, bAt, cAt] = checked(what, { batch, m, n, k }, { a: [a, batch * m * k], b: [b, batch * k * n] }, ['c', c, batch * m * n]);
  exportsOf<MultiHeadAttentionExports>(what).headsMatmul(aAt, bAt, cAt, batch, m, n, k, shape.aT ? 1 : 0);
}
