// Argument checks shared by the kernel wrappers.

/** Throws a RangeError unless `value` is an integer >= `min`. */
export function dim(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name}: expected an integer >= ${min}, got ${value}`);
  }
  return value;
}
