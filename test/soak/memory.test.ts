// The soak of issue 11: models created, trained, saved, loaded and dropped keep Wasm memory
// bounded, with dispose() and without it (then the garbage collector returns their blocks).
// CI runs 600 of each; SEQWASM_LONG=1 runs 4,000 of each. Prints the curves.
import { describe, expect, it } from 'vitest';
import { soak, type SoakPoint } from './lifecycle.js';

const long = process.env.SEQWASM_LONG === '1';
const models = long ? 4000 : 600;
const every = long ? 250 : 100;

function show(curve: readonly SoakPoint[]): string {
  return curve.map((p) => `${p.models}: ${(p.bytesInUse / 1024).toFixed(0)} KiB in use, ${(p.memoryBytes / 2 ** 20).toFixed(2)} MiB memory`).join('\n  ');
}

describe(`soak: ${models} models trained, saved, loaded and dropped`, () => {
  for (const dispose of [false, true]) {
    it(dispose ? 'with dispose()' : 'without dispose()', async () => {
      const { curve, bytesPerModel } = await soak(models, dispose, every);
      console.log(`memory every ${every} models, ${dispose ? 'with' : 'without'} dispose() (after a GC; ${(bytesPerModel / 1024).toFixed(0)} KiB per model pair):\n  ${show(curve)}`);
      const start = curve[0];
      // Each collection returns the dropped models' blocks: nothing accumulates. (A collection
      // may find the last lifecycle's pieces still reachable from a pending task, so one model
      // pair's bytes are allowed; a leak would grow by that much every model.)
      for (const p of curve) expect(p.bytesInUse, `after ${p.models} models`).toBeLessThanOrEqual(start.bytesInUse + bytesPerModel);
      // …so the memory never holds more than the models of one interval between collections
      // (the GC may run sooner, never later), twice over for fragmentation, plus 1 MiB of
      // workspace; with dispose() not even that.
      const bound = start.memoryBytes + 2 ** 20 + (dispose ? 0 : 2 * (every + 1) * bytesPerModel);
      for (const p of curve) expect(p.memoryBytes, `after ${p.models} models`).toBeLessThanOrEqual(bound);
    }, long ? 600_000 : 60_000);
  }
});
