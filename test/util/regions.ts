// Arena regions for kernel tests: freed after each test, and "poisoned" outputs whose
// unwritten elements (NaN) and trailing guard values expose a kernel that writes too
// little or too much.
import { afterEach } from 'vitest';
import type { F32Region } from '../../src/runtime/arena.js';
import { arena } from '../../src/runtime/module.js';

export const GUARD = 4;
export const GUARD_VALUE = -12345.5;

/** Call at the top of a test file: the regions it makes are freed after each test. */
export function regionsFreedAfterEach() {
  const live: F32Region[] = [];
  afterEach(() => {
    for (const region of live.splice(0)) arena().free(region);
  });
  const region = (values: ArrayLike<number>): F32Region => {
    const r = arena().fromArray(values);
    live.push(r);
    return r;
  };
  /** n floats of NaN (so an unwritten element fails) followed by GUARD guard values. */
  const poisoned = (n: number): F32Region => {
    const values = new Float32Array(n + GUARD).fill(NaN);
    values.fill(GUARD_VALUE, n);
    return region(values);
  };
  return { region, poisoned };
}
