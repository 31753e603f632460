// Argument checks shared by the kernel wrappers.

/** Throws a RangeError unless `value` is an integer >= `min`. */
export function dim(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name}: expected an integer >= ${min}, got ${value}`);
  }
  return value;
}

/** dim() of argument `name` of kernel `what`, naming it `what(name)`: the name is built only for the error (wrappers check on every call). */
export function dimOf(what: string, name: string, value: number, min = 1): number {
  return Number.isInteger(value) && value >= min ? value : dim(`${what}(${name})`, value, min);
}
