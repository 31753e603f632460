// Drawing the next token from a model's output probabilities (character and name generation,
// the one-to-many use of a recurrent model), seeded so that a generated text is the same in
// every engine.
//
// Temperature T reweights p to p^(1/T) = exp((ln p − ln p_max)/T), renormalised: T < 1 sharpens
// the distribution, T > 1 flattens it, T = 0 takes the argmax. Subtracting ln p_max keeps the
// largest weight at exactly 1, so no T underflows every weight to 0. Math.exp/log/pow differ in
// the last bit between engines, and one bit can flip which token is drawn, so the logarithm and
// exponential are ours (util/detmath.ts, built from + − × ÷ only). We do not call the Wasm exp kernel instead: it works in float32 on arena
// regions (allocation, an initialised module, views to refresh), which is a lot of machinery
// for one short row per generated token, and float64 keeps the weights as exact as p itself.
import { formatPath } from '../data/errors.js';
import { exp, log } from '../util/detmath.js';
import { optionalPositiveInteger, OptionProblem, type Option } from '../layers/options.js';
import { Prng } from '../util/prng.js';
import { atLeast, readOptions } from './options.js';
import { describe, ModelConfigError, ModelInputError } from './errors.js';

/**
 * Options of {@link sample}: `rng` is required.
 *
 * @example
 * ```ts
 * sample(probs, { rng: prng(1), temperature: 0.8, topK: 5 });
 * ```
 */
export interface SampleOptions {
  /** The seeded generator to draw from (e.g. prng(7)); each row takes exactly one rng.float(). */
  rng: Prng;
  /** >= 0, default 1 (the probabilities as they are); 0 takes the most likely index. */
  temperature?: number;
  /** Keep only the k most likely indices (ties: the lowest index first), then renormalise. */
  topK?: number;
}

const generator: Option<Prng> = {
  parse(value) {
    if (!(value instanceof Prng)) throw new OptionProblem(`must be a Prng (e.g. prng(seed)), got ${describe(value)}`);
    return value;
  },
};

const SAMPLE = { rng: generator, temperature: atLeast(0, 1), topK: optionalPositiveInteger() };

/** @internal any `{ shape, data }` with numeric data. */
type Tensorish = { readonly shape: readonly number[]; readonly data: ArrayLike<number> };

/**
 * Draws an index from a row of probabilities (a softmax output; any non-negative weights,
 * which are renormalised). A `{ shape, data }` tensor is rows along its last axis and gives
 * one index per row. Ties (argmax, topK) go to the lowest index; the draw walks the weights in
 * index order, so a seed gives the same indices everywhere.
 *
 * @example
 * ```ts
 * const rng = prng(42);
 * const [id] = sample(model.predict(window), { rng, temperature: 0.5, topK: 3 });   // one id per row
 * sample([0.1, 0.7, 0.2], { rng, temperature: 0 });                                 // 1: the argmax
 * ```
 */
export function sample(probs: ArrayLike<number>, options: SampleOptions): number;
export function sample(probs: Tensorish, options: SampleOptions): Int32Array;
export function sample(probs: ArrayLike<number> | Tensorish, options: SampleOptions): number | Int32Array;
export function sample(probs: ArrayLike<number> | Tensorish, options: SampleOptions): number | Int32Array {
  const { rng, temperature, topK } = readOptions('sample', options, SAMPLE);
  if (Array.isArray(probs) || ArrayBuffer.isView(probs)) {
    const row = probs as ArrayLike<number>;
    checkTopK(topK, row.length);
    return sampleRow(row, 0, row.length, rng, temperature, topK, 'probs');
  }
  const { shape, data } = tensorOf(probs);
  const width = shape[shape.length - 1];
  checkTopK(topK, width);
  const rowShape = shape.slice(0, -1);
  const out = new Int32Array(data.length / width);
  for (let r = 0; r < out.length; r++) {
    out[r] = sampleRow(data, r * width, width, rng, temperature, topK, `probs${rowPath(rowShape, r)}`);
  }
  return out;
}

function tensorOf(probs: unknown): Tensorish {
  const fail = (problem: string) => new ModelInputError('sample', 'probs', `probs${problem}`);
  if (typeof probs !== 'object' || probs === null || !('shape' in probs) || !('data' in probs)) {
    throw fail(` must be a row of probabilities or a { shape, data } tensor, got ${describe(probs)}`);
  }
  const { shape, data } = probs as Tensorish;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`.shape must be a non-empty array of integers >= 0, got ${Array.isArray(shape) ? `[${shape.join(', ')}]` : describe(shape)}`);
  }
  if (!Array.isArray(data) && !ArrayBuffer.isView(data)) throw fail(`.data must be an array or a typed array, got ${describe(data)}`);
  const size = shape.reduce((a, b) => a * b, 1);
  if ((data as ArrayLike<number>).length !== size) throw fail(`.shape [${shape.join(', ')}] holds ${size} values, but data has ${(data as ArrayLike<number>).length}`);
  return { shape, data: data as ArrayLike<number> };
}

/** The index path of row `row` among rows shaped `rowShape`: `[2][5]` for row 2·B + 5 of [A, B]. */
function rowPath(rowShape: readonly number[], row: number): string {
  const indices = new Array<number>(rowShape.length);
  for (let axis = rowShape.length - 1; axis >= 0; axis--) {
    indices[axis] = row % rowShape[axis];
    row = Math.floor(row / rowShape[axis]);
  }
  return formatPath(indices);
}

function checkTopK(topK: number | undefined, width: number): void {
  if (width === 0) throw new ModelInputError('sample', 'probs', 'probs has no values: a row needs at least one probability');
  if (topK !== undefined && topK > width) throw new ModelConfigError('sample', 'topK', `topK must be an integer in [1, ${width}] (the row width), got ${topK}`);
}

function sampleRow(data: ArrayLike<number>, offset: number, width: number, rng: Prng, temperature: number, topK: number | undefined, row: string): number {
  let max = 0;
  let argmax = -1;
  for (let i = 0; i < width; i++) {
    const p = data[offset + i];
    if (typeof p !== 'number' || !(p >= 0) || p === Infinity) throw new ModelInputError('sample', 'probs', `${row}[${i}] must be a finite number >= 0, got ${describe(p)}`);
    if (p > max) {
      max = p;
      argmax = i;
    }
  }
  if (argmax < 0) throw new ModelInputError('sample', 'probs', `${row} is all zeros: there is nothing to draw from`);
  const u = rng.float(); // drawn for every row, so the stream does not depend on the options
  if (temperature === 0) return argmax;

  const kept = topK === undefined || topK === width ? undefined : largest(data, offset, width, topK);
  const weights = new Float64Array(width);
  const lnMax = temperature === 1 ? 0 : log(max);
  let total = 0;
  for (let i = 0; i < width; i++) {
    const p = kept && !kept[i] ? 0 : data[offset + i];
    weights[i] = temperature === 1 || p === 0 ? p : exp((log(p) - lnMax) / temperature);
    total += weights[i];
  }
  // u·total < total, and the running sum reaches exactly `total` (same order), so some weight
  // > 0 is chosen; the fallback only catches u·total rounding up to total.
  const target = u * total;
  let sum = 0;
  let last = argmax;
  for (let i = 0; i < width; i++) {
    if (weights[i] === 0) continue;
    sum += weights[i];
    last = i;
    if (target < sum) return i;
  }
  return last;
}

/** A mask of the k largest values of the row (ties: the lowest index first). */
function largest(data: ArrayLike<number>, offset: number, width: number, k: number): Uint8Array {
  const order = Array.from({ length: width }, (_, i) => i).sort((a, b) => data[offset + b] - data[offset + a] || a - b);
  const mask = new Uint8Array(width);
  for (let j = 0; j < k; j++) mask[order[j]] = 1;
  return mask;
}
