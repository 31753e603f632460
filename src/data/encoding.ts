// Class indices → one-hot vectors, for categorical inputs (characters into an LSTM) and
// targets (categoricalCrossentropy).
import { type Tensor, type TensorLike, toTensor } from '../tensor.js';
import { DataError } from './errors.js';
import { elementPath, integer, zeros } from './validate.js';

/**
 * One-hot vectors of integer indices: shape [...indices shape, depth], 1 at each index and 0
 * elsewhere. An index outside [0, depth) is an error (not an all-zero row, as tf.oneHot gives).
 *
 * @example
 * ```ts
 * data.oneHot([[0, 2], [1, 1]], 3).shape;             // [2, 2, 3]: 2 windows of 2 ids, depth 3
 * data.oneHot([...vocab.encode('KLMNO')], vocab.size);  // [5, 26]
 * ```
 */
export function oneHot(indices: TensorLike, depth: number): Tensor {
  return encode(toTensor(indices, 'indices'), integer('depth', depth, 1), 'indices');
}

/**
 * Keras `to_categorical`: one-hot class vectors, with `numClasses` defaulting to the largest
 * class + 1, and a trailing axis of size 1 dropped first (y of shape [N, 1] → [N, numClasses]).
 *
 * @example
 * ```ts
 * data.toCategorical([0, 2, 1]);        // [[1,0,0],[0,0,1],[0,1,0]]
 * data.toCategorical([[3], [1]], 5);    // [2, 5]
 * ```
 */
export function toCategorical(y: TensorLike, numClasses?: number): Tensor {
  const t = toTensor(y, 'y');
  const shape = t.shape.length > 1 && t.shape[t.shape.length - 1] === 1 ? t.shape.slice(0, -1) : t.shape;
  let depth: number;
  if (numClasses !== undefined) depth = integer('numClasses', numClasses, 1);
  else {
    if (t.data.length === 0) throw new DataError('numClasses', 'is required when y is empty');
    let largest = 0;
    for (const v of t.data) if (v > largest) largest = v;
    depth = Math.ceil(largest) + 1; // a non-integer class is reported by encode()
  }
  return encode({ shape, data: t.data }, depth, 'y');
}

function encode(t: Tensor, depth: number, argument: string): Tensor {
  const out = zeros(Float32Array, t.data.length * depth, argument === 'y' ? 'numClasses' : 'depth');
  for (let i = 0; i < t.data.length; i++) {
    const index = t.data[i];
    if (!Number.isInteger(index) || index < 0 || index >= depth) {
      throw new DataError(argument + elementPath(t.shape, i), `${index} is not a class index in [0, ${depth - 1}]`);
    }
    out[i * depth + index] = 1;
  }
  return { shape: [...t.shape, depth], data: out };
}
