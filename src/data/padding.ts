// Variable-length sequences → one [samples, maxlen, ...] array, as Keras `pad_sequences`,
// plus each sample's real length so recurrent layers can mask the padding.
import { shapeSize, type Tensor, type TensorLike, toTensor } from '../tensor.js';
import { DataError, describe } from './errors.js';
import { elementPath, integer, oneOf, optionsOf, zeros } from './validate.js';

/**
 * Which end padSequences pads or truncates: 'pre' (the start, Keras's default) or 'post'.
 *
 * @example
 * ```ts
 * const side: data.PadSide = 'post';
 * data.padSequences([[1], [2, 3]], { padding: side });   // [[1, 0], [2, 3]]
 * ```
 */
export type PadSide = 'pre' | 'post';

/**
 * Options of {@link padSequences} (Keras `pad_sequences` names).
 *
 * @example
 * ```ts
 * data.padSequences(seqs, { maxlen: 40, padding: 'post', truncating: 'pre', value: -1 });
 * ```
 */
export interface PadOptions {
  /** Length of every output sequence. Default: the longest input sequence. */
  maxlen?: number;
  /** Where to pad shorter sequences. Default 'pre' (as Keras). */
  padding?: PadSide;
  /** Where to cut longer sequences. Default 'pre': keep the last maxlen steps (as Keras). */
  truncating?: PadSide;
  /** Padding value. Default 0. */
  value?: number;
  /** 'float32' gives a Tensor ready for fit; 'int32' an Int32Array (Keras's default dtype). Default 'float32'. */
  dtype?: 'float32' | 'int32';
}

/**
 * What padSequences returns: the padded array and every sample's real length.
 *
 * @example
 * ```ts
 * const { x, lengths }: data.PaddedSequences<Float32Array> = data.padSequences([[1], [2, 3]]);
 * ```
 */
export interface PaddedSequences<D extends Float32Array | Int32Array> {
  /** [samples, maxlen] for sequences of numbers, [samples, maxlen, ...step shape] for sequences of vectors. */
  x: {
    /** [samples, maxlen, …]. */
    readonly shape: readonly number[];
    /** The values, row-major: Float32Array by default, Int32Array with dtype 'int32'. */
    readonly data: D;
  };
  /** Steps of each sample that are real data (after truncation); the rest is padding. */
  lengths: Int32Array;
}

/**
 * A sequence of numbers, or of equally shaped steps (e.g. [steps][features]).
 *
 * @example
 * ```ts
 * const seqs: data.SequenceInput[] = [[1, 2, 3], Int32Array.of(4, 5), [[0.1, 0.2], [0.3, 0.4]]];
 * ```
 */
export type SequenceInput = ArrayLike<number> | TensorLike;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Pads (and truncates) sequences to one length with Keras `pad_sequences` semantics. Steps
 * may be numbers or vectors; every step must have the shape of the first non-empty sequence's.
 *
 * @example
 * ```ts
 * const { x, lengths } = data.padSequences([[1], [2, 3], [4, 5, 6]]);   // [[0,0,1],[0,2,3],[4,5,6]], lengths [1,2,3]
 * data.padSequences(seqs, { maxlen: 100, padding: 'post', truncating: 'post', dtype: 'int32' });
 * ```
 */
export function padSequences(seqs: readonly SequenceInput[], options: PadOptions & { dtype: 'int32' }): PaddedSequences<Int32Array>;
export function padSequences(seqs: readonly SequenceInput[], options?: PadOptions & { dtype?: 'float32' }): PaddedSequences<Float32Array>;
export function padSequences(seqs: readonly SequenceInput[], options: PadOptions = {}): PaddedSequences<Float32Array | Int32Array> {
  options = optionsOf(options, 'padSequences');
  if (!Array.isArray(seqs)) throw new DataError('seqs', `expected an array of sequences, got ${describe(seqs)}`);
  const padding = oneOf<PadSide>('padding', options.padding, ['pre', 'post'], 'pre');
  const truncating = oneOf<PadSide>('truncating', options.truncating, ['pre', 'post'], 'pre');
  const dtype = oneOf('dtype', options.dtype, ['float32', 'int32'], 'float32');
  const value = options.value ?? 0;
  if (typeof value !== 'number' || (dtype === 'int32' && !isInt32(value))) {
    throw new DataError('value', `expected ${dtype === 'int32' ? 'an int32 integer' : 'a number'}, got ${describe(value)}`);
  }

  const sequences = seqs.map((seq, i) => readSequence(seq, `seqs[${i}]`));
  const first = sequences.find((s) => s.steps > 0);
  const stepShape = first?.stepShape ?? [];
  const stepSize = shapeSize(stepShape);
  sequences.forEach((s, i) => {
    if (s.steps > 0 && s.stepShape.join() !== stepShape.join()) {
      throw new DataError(`seqs[${i}]`, `steps have shape [${s.stepShape.join(', ')}], but the first non-empty sequence's have [${stepShape.join(', ')}]`);
    }
  });
  const maxlen = options.maxlen === undefined ? sequences.reduce((longest, s) => Math.max(longest, s.steps), 0) : integer('maxlen', options.maxlen, 1);

  const rowSize = maxlen * stepSize;
  const data = dtype === 'int32' ? zeros(Int32Array, seqs.length * rowSize, 'maxlen') : zeros(Float32Array, seqs.length * rowSize, 'maxlen');
  data.fill(value);
  const lengths = new Int32Array(seqs.length);
  sequences.forEach((s, i) => {
    const kept = Math.min(s.steps, maxlen);
    const from = (truncating === 'pre' ? s.steps - kept : 0) * stepSize;
    const at = i * rowSize + (padding === 'pre' ? maxlen - kept : 0) * stepSize;
    for (let k = 0; k < kept * stepSize; k++) {
      const v = s.values[from + k];
      if (dtype === 'int32' && !isInt32(v)) throw new DataError(`seqs[${i}]${elementPath([s.steps, ...stepShape], from + k)}`, `${v} is not an int32 integer (dtype 'int32')`);
      data[at + k] = v;
    }
    lengths[i] = kept;
  });
  return { x: { shape: [seqs.length, maxlen, ...stepShape], data }, lengths };
}

/**
 * A [samples, maxlen] mask of 1 for real steps and 0 for padding, from padSequences' lengths
 * (`padding` must match the one used there).
 *
 * @example
 * ```ts
 * const { x, lengths } = data.padSequences(seqs, { maxlen: 50, padding: 'post' });
 * const mask = data.sequenceMask(lengths, 50, 'post');    // [samples, 50] of 1 and 0
 * ```
 */
export function sequenceMask(lengths: ArrayLike<number>, maxlen: number, padding: PadSide = 'pre'): Tensor {
  if (!(Array.isArray(lengths) || ArrayBuffer.isView(lengths))) throw new DataError('lengths', `expected an array of sequence lengths, got ${describe(lengths)}`);
  integer('maxlen', maxlen, 0);
  const side = oneOf<PadSide>('padding', padding, ['pre', 'post'], 'pre');
  const mask = zeros(Float32Array, lengths.length * maxlen, 'maxlen');
  for (let i = 0; i < lengths.length; i++) {
    const length = integer(`lengths[${i}]`, lengths[i], 0, maxlen);
    const from = i * maxlen + (side === 'pre' ? maxlen - length : 0);
    mask.fill(1, from, from + length);
  }
  return { shape: [lengths.length, maxlen], data: mask };
}

interface Sequence {
  steps: number;
  stepShape: readonly number[];
  values: ArrayLike<number>;
}

/** A flat sequence of numbers is read as is (int32 values stay exact); anything nested goes through toTensor. */
function readSequence(seq: SequenceInput, argument: string): Sequence {
  if (ArrayBuffer.isView(seq) || (Array.isArray(seq) && seq.every((v) => typeof v === 'number'))) {
    const values = seq as ArrayLike<number>;
    return { steps: values.length, stepShape: [], values };
  }
  const t = toTensor(seq as TensorLike, argument);
  if (t.shape.length === 0) throw new DataError(argument, `expected a sequence, got ${describe(seq)}`);
  return { steps: t.shape[0], stepShape: t.shape.slice(1), values: t.data };
}

function isInt32(v: number): boolean {
  return Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
}
