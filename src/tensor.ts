// The user-facing tensor: a plain `{ shape, data: Float32Array }` in row-major (C) order.
// Nothing to dispose and nothing hidden: users build one by hand or from nested arrays, and
// every seqwasm function that takes tensors (fit, predict, the data helpers) also accepts
// nested arrays and typed arrays through toTensor().
import { DataError, describe, formatPath } from './data/errors.js';

/**
 * seqwasm's tensor: plain `{ shape, data }` in row-major (C) order, with nothing to dispose.
 * `predict`, the data helpers and the tensor helpers return one; every function that takes
 * tensors also accepts nested arrays ({@link TensorLike}).
 *
 * @example
 * ```ts
 * const t: Tensor = { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
 * t.data[1 * 3 + 2];        // 6: row 1, column 2
 * ```
 */
export interface Tensor {
  /** Dimensions, outermost first; [] for a scalar. */
  readonly shape: readonly number[];
  /** shape.reduce(×) values in row-major order. */
  readonly data: Float32Array;
}

/**
 * Numbers as users write them: 3, [1, 2], [[1, 2], [3, 4]], or rows that are typed arrays.
 * Nested arrays must be rectangular.
 *
 * @example
 * ```ts
 * const rows: NestedArray = [Float32Array.of(1, 2), [3, 4]];
 * toTensor(rows).shape;     // [2, 2]
 * ```
 */
export type NestedArray = number | ArrayLike<number> | readonly NestedArray[];

/**
 * What toNested() returns: plain, mutable nested number arrays.
 *
 * @example
 * ```ts
 * const rows = toNested(tensor([1, 2, 3, 4], [2, 2])) as number[][];   // [[1, 2], [3, 4]]
 * ```
 */
export type NestedNumbers = number | NestedNumbers[];

/**
 * Anything accepted where a tensor is expected: a tensor (any numeric `data`) or nested arrays.
 *
 * @example
 * ```ts
 * const inputs: TensorLike[] = [[[0.1], [0.2]], { shape: [1, 2, 1], data: [0.1, 0.2] }];
 * ```
 */
export type TensorLike =
  | Tensor
  | {
      /** Dimensions, outermost first; their product is `data.length`. */
      readonly shape: readonly number[];
      /** The values in row-major order, any numeric array (copied to float32 when used). */
      readonly data: ArrayLike<number>;
    }
  | NestedArray;

/**
 * The number of elements of a shape (1 for a scalar).
 *
 * @example
 * ```ts
 * shapeSize([21, 5, 26]);   // 2730
 * ```
 */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/**
 * A validated tensor over `data` (used as is when it is a Float32Array, else copied to float32).
 * `shape` defaults to `[data.length]`; its dimensions must be integers >= 0 whose product is
 * `data.length`, else it throws a {@link DataError}. `name` is the argument name used in
 * error messages.
 *
 * @example
 * ```ts
 * const x = tensor([1, 2, 3, 4, 5, 6], [2, 3, 1]);   // 2 samples, 3 steps, 1 feature
 * ```
 */
export function tensor(data: ArrayLike<number>, shape: readonly number[] = [data.length], name = 'tensor'): Tensor {
  checkShape(shape, name);
  if (!isArrayLike(data)) throw new DataError(`${name}.data`, `expected a typed array or an array of numbers, got ${describe(data)}`);
  const size = shapeSize(shape);
  if (data.length !== size) {
    throw new DataError(name, `shape [${shape.join(', ')}] holds ${size} values, but data has ${data.length}`);
  }
  if (Array.isArray(data)) {
    // Float32Array.from would turn '1' into 1 and true into 1 (and 'x' into NaN) without a word.
    const bad = data.findIndex((v) => typeof v !== 'number');
    if (bad >= 0) throw new DataError(`${name}.data[${bad}]`, `expected a number, got ${describe(data[bad])}`);
  }
  return { shape: Object.freeze([...shape]), data: data instanceof Float32Array ? data : Float32Array.from(data) };
}

/**
 * Any TensorLike as a Tensor. A `{ shape, data }` whose data is a Float32Array keeps that data
 * (no copy); everything else is copied to float32. Nested arrays must be rectangular: the
 * error names the first bad element, e.g. `x[2]: expected an array of length 3 (like x[0]),
 * got an array of length 2`. `name` is the argument name used in error messages.
 *
 * @example
 * ```ts
 * toTensor([[1, 2], [3, 4]]);            // { shape: [2, 2], data: Float32Array [1, 2, 3, 4] }
 * toTensor([[1, 2], [3]], 'x');          // throws DataError: x[1]: expected an array of length 2 …
 * ```
 */
export function toTensor(input: TensorLike, name = 'input'): Tensor {
  if (typeof input === 'number') return { shape: Object.freeze([]), data: Float32Array.of(input) };
  if (typeof input === 'object' && input !== null && isShaped(input)) return tensor(input.data, input.shape, name);
  if (!isArrayLike(input)) throw new DataError(name, `expected a number, nested arrays or { shape, data }, got ${describe(input)}`);
  const shape = nestedShape(input);
  const data = new Float32Array(shapeSize(shape));
  fillNested(input, shape, 0, data, 0, [], name);
  return { shape: Object.freeze(shape), data };
}

/**
 * The tensor as nested plain arrays (a number for a scalar), e.g. for printing or JSON.
 *
 * @example
 * ```ts
 * toNested(model.predict(x));    // [[0.1, 0.9], …]: one row per sample
 * ```
 */
export function toNested(t: Tensor): NestedNumbers {
  const { shape, data } = t;
  if (shape.length === 0) return data[0];
  let offset = 0;
  const build = (axis: number): NestedNumbers[] => {
    const out: NestedNumbers[] = new Array(shape[axis]);
    for (let i = 0; i < shape[axis]; i++) out[i] = axis === shape.length - 1 ? data[offset++] : build(axis + 1);
    return out;
  };
  return build(0);
}

function isShaped(input: object): input is { shape: readonly number[]; data: ArrayLike<number> } {
  return !Array.isArray(input) && !ArrayBuffer.isView(input) && 'shape' in input && 'data' in input;
}

/** Arrays and numeric typed arrays (not DataView, not the BigInt arrays). */
function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array));
}

function checkShape(shape: readonly number[], name: string): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new DataError(`${name}.shape`, `expected an array of integers >= 0, got ${Array.isArray(shape) ? `[${shape.join(', ')}]` : describe(shape)}`);
  }
}

/** The shape implied by the first element at each depth; fillNested checks the rest against it. */
function nestedShape(input: ArrayLike<unknown>): number[] {
  const shape: number[] = [];
  let level: unknown = input;
  while (isArrayLike(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

/** Copies `value` (at depth `axis`, reached through `path`) into `out` from `offset`; returns the next offset. */
function fillNested(value: unknown, shape: readonly number[], axis: number, out: Float32Array, offset: number, path: number[], name: string): number {
  const length = shape[axis];
  if (!isArrayLike(value) || value.length !== length) {
    const like = name + formatPath(path.map(() => 0));
    throw new DataError(name + formatPath(path), `expected an array of length ${length} (like ${like}), got ${describe(value)}`);
  }
  if (axis < shape.length - 1) {
    for (let i = 0; i < length; i++) {
      path.push(i);
      offset = fillNested(value[i], shape, axis + 1, out, offset, path, name);
      path.pop();
    }
    return offset;
  }
  if (ArrayBuffer.isView(value)) {
    out.set(value as ArrayLike<number>, offset);
    return offset + length;
  }
  for (let i = 0; i < length; i++) {
    const v = value[i];
    if (typeof v !== 'number') throw new DataError(name + formatPath([...path, i]), `expected a number, got ${describe(v)}`);
    out[offset + i] = v;
  }
  return offset + length;
}

// ---- small helpers for examples: argMax, slice, take, concat, reshape --------------------
// Each takes any TensorLike and returns a new Tensor; a bad argument is a DataError naming it.

/**
 * The index of the largest value along the last axis, as float32: [N, C] → [N], [N, T, C] →
 * [N, T]. Ties give the first index and a NaN counts as the largest (as NumPy's argmax).
 *
 * @example
 * ```ts
 * argMax(model.predict(x));       // the predicted class of every sample
 * ```
 */
export function argMax(input: TensorLike, name = 'x'): Tensor {
  const t = toTensor(input, name);
  if (t.shape.length === 0) throw new DataError(name, 'expected at least one axis, got a scalar');
  const width = t.shape[t.shape.length - 1];
  if (width === 0) throw new DataError(name, `the last axis is empty (shape [${t.shape.join(', ')}])`);
  const rows = t.data.length / width;
  const out = new Float32Array(rows);
  for (let r = 0, at = 0; r < rows; r++, at += width) {
    let best = 0;
    for (let c = 1; c < width && t.data[at + best] === t.data[at + best]; c++) {
      const v = t.data[at + c];
      if (v > t.data[at + best] || v !== v) best = c;
    }
    out[r] = best;
  }
  return { shape: t.shape.slice(0, -1), data: out };
}

/**
 * Rows start … end − 1 (axis 0), copied; like Array.prototype.slice, negative indices count
 * from the end and both are clamped to the rows there are.
 *
 * @example
 * ```ts
 * slice(x, 0, 100); slice(x, -10);   // the first 100 samples; the last 10
 * ```
 */
export function slice(input: TensorLike, start: number, end?: number, name = 'x'): Tensor {
  const t = samplesFirst(input, name);
  const rows = t.shape[0];
  const at = (index: number, argument: string): number => {
    if (!Number.isSafeInteger(index)) throw new DataError(argument, `expected an integer, got ${describe(index)}`);
    return index < 0 ? Math.max(0, rows + index) : Math.min(index, rows);
  };
  const from = at(start, 'start');
  const to = Math.max(from, end === undefined ? rows : at(end, 'end'));
  const row = t.data.length / Math.max(rows, 1);
  return { shape: [to - from, ...t.shape.slice(1)], data: t.data.slice(from * row, to * row) };
}

/**
 * The rows (axis 0) at `indices`, in that order, copied. Each index is an integer in
 * [0, rows), else a {@link DataError} names it.
 *
 * @example
 * ```ts
 * take(x, [3, 0, 3]);      // rows 3, 0 and 3 again
 * ```
 */
export function take(input: TensorLike, indices: ArrayLike<number>, name = 'x'): Tensor {
  const t = samplesFirst(input, name);
  if (!isArrayLike(indices)) throw new DataError('indices', `expected an array of row indices, got ${describe(indices)}`);
  const rows = t.shape[0];
  const row = t.data.length / Math.max(rows, 1);
  const out = new Float32Array(indices.length * row);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (!Number.isInteger(index) || index < 0 || index >= rows) throw new DataError(`indices[${i}]`, `expected a row index, an integer in [0, ${rows}), got ${describe(index)}`);
    out.set(t.data.subarray(index * row, (index + 1) * row), i * row);
  }
  return { shape: [indices.length, ...t.shape.slice(1)], data: out };
}

/**
 * The tensors joined along `axis`: 0 (more samples; the default) or the last axis, −1 (more
 * features). All must have the same rank and agree on every other axis.
 *
 * @example
 * ```ts
 * concat([xTrain, xExtra]);          // more samples
 * concat([a, b], -1);                // more features
 * ```
 */
export function concat(inputs: readonly TensorLike[], axis: 0 | -1 = 0): Tensor {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new DataError('tensors', `expected a non-empty array of tensors, got ${describe(inputs)}`);
  if (axis !== 0 && axis !== -1) throw new DataError('axis', `expected 0 (samples) or -1 (the last axis), got ${describe(axis)}`);
  const parts = inputs.map((input, i) => toTensor(input, `tensors[${i}]`));
  const first = parts[0].shape;
  if (first.length === 0) throw new DataError('tensors[0]', 'expected at least one axis, got a scalar');
  const joined = axis === 0 ? 0 : first.length - 1;
  parts.forEach((t, i) => {
    if (t.shape.length !== first.length || t.shape.some((d, k) => k !== joined && d !== first[k])) {
      throw new DataError(`tensors[${i}]`, `expected shape [${first.map((d, k) => (k === joined ? '*' : d)).join(', ')}] (like tensors[0]) to join along axis ${axis}, got [${t.shape.join(', ')}]`);
    }
  });
  const shape = [...first];
  shape[joined] = parts.reduce((sum, t) => sum + t.shape[joined], 0);
  const data = new Float32Array(shapeSize(shape));
  // Joined rows: everything before the joined axis is one row index; each part adds its slice of a row.
  const rows = shapeSize(first.slice(0, joined));
  const outRow = data.length / Math.max(rows, 1);
  let column = 0;
  for (const t of parts) {
    const width = t.data.length / Math.max(rows, 1);
    for (let r = 0; r < rows; r++) data.set(t.data.subarray(r * width, (r + 1) * width), r * outRow + column);
    column += width;
  }
  return { shape, data };
}

/**
 * The same values in a new shape (shared, not copied); one dimension may be −1, inferred from
 * the size.
 *
 * @example
 * ```ts
 * reshape(y, [-1, 1]);     // labels [N] → [N, 1]
 * ```
 */
export function reshape(input: TensorLike, shape: readonly number[], name = 'x'): Tensor {
  const t = toTensor(input, name);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1) || shape.filter((d) => d === -1).length > 1) {
    throw new DataError('shape', `expected integers >= 0 with at most one -1, got ${describe(shape)}`);
  }
  const known = shapeSize(shape.filter((d) => d !== -1));
  const inferred = shape.includes(-1) && known > 0 ? t.data.length / known : NaN;
  const resolved = shape.map((d) => (d === -1 ? inferred : d));
  if (shapeSize(resolved) !== t.data.length || !resolved.every(Number.isInteger)) {
    throw new DataError('shape', `[${shape.join(', ')}] cannot hold the ${t.data.length} values of ${name} (shape [${t.shape.join(', ')}])`);
  }
  return { shape: resolved, data: t.data };
}

/** Whether two shapes differ only by a trailing axis of 1, as [N] and [N, 1] (Keras squeezes or expands such labels). */
export function differByTrailingOne(a: readonly number[], b: readonly number[]): boolean {
  const [longer, shorter] = a.length > b.length ? [a, b] : [b, a];
  return longer.length === shorter.length + 1 && longer[longer.length - 1] === 1 && shorter.every((d, axis) => d === longer[axis]);
}

/** A tensor with a samples axis (not a scalar), for the row helpers. */
function samplesFirst(input: TensorLike, name: string): Tensor {
  const t = toTensor(input, name);
  if (t.shape.length === 0) throw new DataError(name, 'expected at least one axis (rows), got a scalar');
  return t;
}
