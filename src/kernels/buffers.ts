// Checks shared by the buffer-kernel wrappers (activations.ts, elementwise.ts): regions that
// must hold n floats, and how an output may alias an input. Not re-exported by index.ts.
import type { F32Region } from '../runtime/arena.js';
import { arena, wasm } from '../runtime/module.js';
import { dimOf } from './validate.js';

/** The exports, typed as one kernel file's functions; throws a clear error before init(). */
export function exportsOf<T>(what: string): T {
  return wasm(what) as unknown as T;
}

/**
 * Checks that each region is a live arena region, then that `n` is a count (an integer >= 0),
 * then that each region holds n floats; returns their byte offsets in order. Regions come
 * first so that a wrong object is named as such, not as a bad default count.
 */
export function offsets(what: string, n: number, named: Record<string, F32Region>): number[] {
  const memory = arena(what);
  const names = Object.keys(named);
  // Every kernel call runs this: a message, `what(name)`, is built only for a region that fails.
  for (const name of names) if (!memory.isLiveRegion(named[name])) memory.assertLive(`${what}(${name})`, named[name]);
  dimOf(what, 'n', n, 0);
  // Every region is live (above): only its size is left to check.
  return names.map((name) => (n <= named[name].length ? named[name].offset : memory.check(`${what}(${name})`, named[name], n)));
}

/**
 * An output of a map may be one of its inputs exactly (in place) or lie apart from it: a
 * partial overlap would read elements the kernel has already overwritten.
 */
export function inPlaceOrApart(what: string, floats: number, out: [string, number], inputs: Record<string, number>): void {
  const [outName, outOffset] = out;
  for (const name of Object.keys(inputs)) {
    const offset = inputs[name];
    if (offset !== outOffset && offset < outOffset + 4 * floats && outOffset < offset + 4 * floats) {
      throw new RangeError(`${what}(${outName}): expected the same region as ${name} or no overlap with it, but ${floats} floats at bytes ${outOffset} and ${offset} overlap`);
    }
  }
}

/** An output that may not share any byte with an input. */
export function apart(what: string, out: [string, number, number], input: [string, number, number]): void {
  const [outName, outOffset, outFloats] = out;
  const [name, offset, floats] = input;
  if (outFloats > 0 && floats > 0 && offset < outOffset + 4 * outFloats && outOffset < offset + 4 * floats) {
    throw new RangeError(`${what}(${outName}): expected no overlap with ${name}, but bytes [${outOffset}, ${outOffset + 4 * outFloats}) and [${offset}, ${offset + 4 * floats}) overlap`);
  }
}

/** A number argument (NaN allowed: it flows through the arithmetic). */
export function scalar(what: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${what}(${name}): expected a number, got ${typeof value} ${String(value)}`);
  return value;
}
