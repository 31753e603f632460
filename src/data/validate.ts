// Argument checks shared by the data helpers; each throws a DataError naming the argument.
import { shapeSize, type Tensor } from '../tensor.js';
import { DataError, describe, formatPath } from './errors.js';

/** `value` if it is an integer in [min, max], else a DataError naming `argument`. */
export function integer(argument: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new DataError(argument, `expected an integer ${range}, got ${describe(value)}`);
  }
  return value;
}

/** `value` (or `fallback` when undefined) if it is one of `allowed`. */
export function oneOf<T extends string>(argument: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw new DataError(argument, `expected ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${describe(value)}`);
  return value;
}

/** `value` (or `fallback` when undefined) if it is a boolean. */
export function flag(argument: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new DataError(argument, `expected true or false, got ${describe(value)}`);
  return value;
}

/** A seed option: any safe integer, DEFAULT_SEED when omitted. */
export function seedOption(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new DataError('seed', `expected a safe integer, got ${describe(value)}`);
  return value;
}

/** An options argument: {} when omitted, else it must be a plain object (not null, a number or an array). */
export function optionsOf<T extends object>(value: T | undefined, what: string): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DataError('options', `${what}() takes an object of options, got ${describe(value)}`);
  return value;
}

/** A zeroed array of `count` values of `kind` for `argument`: a size beyond what the host can allocate is a DataError, not a RangeError. */
export function zeros<A extends Float32Array | Int32Array>(kind: { new (length: number): A }, count: number, argument: string): A {
  try {
    return new kind(count);
  } catch (error) {
    if (error instanceof RangeError) throw new DataError(argument, `needs ${count} values, more than this host can allocate (${error.message})`);
    throw error;
  }
}

/** The path of element `flat` of a row-major tensor of `shape`, e.g. `[3][1]`. */
export function elementPath(shape: readonly number[], flat: number): string {
  const indices = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    indices[axis] = flat % shape[axis];
    flat = Math.floor(flat / shape[axis]);
  }
  return formatPath(indices);
}

/** Throws naming the first NaN or ±Infinity in `t`. */
export function assertFinite(t: Tensor, argument: string): void {
  const data = t.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new DataError(argument + elementPath(t.shape, i), `${data[i]} is not a finite number (checkFinite)`);
  }
}

/** The rows of `t` along axis 0, and how many values each row holds. */
export function rowsOf(t: Tensor, argument: string): { rows: number; rowSize: number; rowShape: readonly number[] } {
  if (t.shape.length === 0) throw new DataError(argument, 'expected at least one dimension (samples first), got a scalar');
  const rowShape = t.shape.slice(1);
  return { rows: t.shape[0], rowSize: shapeSize(rowShape), rowShape };
}
