// The user-facing tensor: a plain `{ shape, data: Float32Array }` in row-major (C) order.
// Nothing to dispose and nothing hidden: users build one by hand or from nested arrays, and
// every seqwasm function that takes tensors (fit, predict, the data helpers) also accepts
// nested arrays and typed arrays through toTensor().
import { DataError, describe, formatPath } from './data/errors.js';

export interface Tensor {
  /** Dimensions, outermost first; [] for a scalar. */
  readonly shape: readonly number[];
  /** shape.reduce(×) values in row-major order. */
  readonly data: Float32Array;
}

/** Numbers as users write them: 3, [1, 2], [[1, 2], [3, 4]], or rows that are typed arrays. */
export type NestedArray = number | ArrayLike<number> | readonly NestedArray[];

/** What toNested() returns: plain, mutable nested number arrays. */
export type NestedNumbers = number | NestedNumbers[];

/** Anything accepted where a tensor is expected: a tensor (any numeric `data`) or nested arrays. */
export type TensorLike = Tensor | { readonly shape: readonly number[]; readonly data: ArrayLike<number> } | NestedArray;

/** The number of elements of a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/**
 * A validated tensor over `data` (used as is when it is a Float32Array, else copied to float32).
 * `shape` defaults to `[data.length]`; its dimensions must be integers >= 0 whose product is
 * `data.length`.
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

/** The tensor as nested plain arrays (a number for a scalar), e.g. for printing or JSON. */
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
