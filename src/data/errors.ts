// The one error type of the data pipeline, so callers can tell bad input data or options
// (catch DataError) from bugs. Messages start with the argument at fault, then say what was
// expected and what was received, e.g. "sequenceStride: expected an integer >= 1, got 0".

/**
 * The one error type of the data helpers and the tensor helpers: bad input data or options.
 * The message starts with the argument at fault, then says what was expected and what was
 * received, e.g. "sequenceStride: expected an integer >= 1, got 0".
 *
 * @example
 * ```ts
 * try {
 *   data.timeseriesWindows(series, { sequenceLength: 10, sequenceStride: 0 });
 * } catch (error) {
 *   if (error instanceof DataError) console.log(error.argument);   // 'sequenceStride'
 * }
 * ```
 */
export class DataError extends Error {
  /** Always `'DataError'`. */
  override name = 'DataError';

  /** `argument` names the option, argument or element at fault, e.g. `series[12][3]`. */
  constructor(
    /** The option, argument or element at fault, e.g. `series[12][3]`. */
    readonly argument: string,
    problem: string,
  ) {
    super(`${argument}: ${problem}`);
  }
}

/** `[2][0]` for the indices [2, 0]: how an element of a nested array is named in messages. */
export function formatPath(indices: readonly number[]): string {
  let path = '';
  for (const i of indices) path += `[${i}]`;
  return path;
}

/** A short rendering of any received value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return `a ${typeof value}`;
}
