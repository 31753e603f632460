// Memory given back: blocks of dropped models return to the arena after garbage collection
// (never while anything can still use them), kernel workspace is lent per call, and reset()
// moves to a fresh instance holding only the bytes in use, without changing any result.
import { describe, expect, it } from 'vitest';
import { kernels, layers, loadModel, memoryInfo, prng, reset, sequential, type Sequential } from '../../src/index.js';
import { arena } from '../../src/runtime/module.js';
import type { F32Region } from '../../src/runtime/arena.js';
import { collectGarbage } from './collect.js';

const x = { shape: [8, 5, 3], data: Float32Array.from({ length: 120 }, (_, i) => Math.sin(i * 0.7)) };
const y = { shape: [8, 2], data: Float32Array.from({ length: 16 }, (_, i) => (i % 3 === 0 ? 1 : 0)) };

function model(seed = 5): Sequential {
  const m = sequential({ seed });
  m.add(layers.lstm({ units: 6, inputShape: [5, 3] }));
  m.add(layers.dense({ units: 2 }));
  m.compile({ optimizer: 'adam', loss: 'mse' });
  return m;
}

/** Creates, trains, saves, loads and predicts with two models, then drops them (no dispose). */
async function dropTrainedModels(): Promise<number> {
  const trained = model();
  await trained.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
  const loaded = await loadModel(trained.save());
  loaded.predict(x);
  return arena().bytesInUse;
}

function bits(values: Float32Array): Uint32Array {
  return new Uint32Array(values.slice().buffer);
}

describe('dropped models', () => {
  it('return their blocks to the arena once collected', async () => {
    await collectGarbage();
    const before = memoryInfo();
    const during = await dropTrainedModels();
    expect(during - before.bytesInUse).toBeGreaterThan(10_000);
    await collectGarbage();
    const after = memoryInfo();
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.blocks).toBe(before.blocks);
    expect(after.reclaimedBlocks).toBeGreaterThan(before.reclaimedBlocks);
  });

  it('never lose a block that something alive still reaches', async () => {
    // Each of these keeps a piece of a dropped model: a sub-region of a weight, a layer, the
    // optimizer, a plan's output region.
    const kept: { sub?: F32Region; layer?: Sequential['layers'][number]; optimizer?: Sequential['optimizer']; output?: F32Region } = {};
    const expected: Float32Array[] = [];
    await (async () => {
      const a = model(1);
      await a.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
      kept.sub = a.layers[0].weights[0].value.sub(1, 3);
      kept.layer = a.layers[1];
      kept.optimizer = a.optimizer;
      const layer = layers.gru({ units: 3 });
      layer.build([null, 4, 2], prng(2));
      const plan = layer.plan([2, 4, 2]);
      const input = arena().fromArray(Float32Array.from({ length: 16 }, (_, i) => i / 16));
      plan.forward(input);
      kept.output = plan.output; // the layer and its plan are dropped, their output region kept
      expected.push(kept.sub.toArray(), kept.layer.getWeights()[0].data, kept.output.toArray(), ...kept.optimizer.getState().map((e) => Float32Array.from(e.data)));
    })();
    await collectGarbage();
    // Allocations after the collection must not land on the kept blocks.
    const fresh = Array.from({ length: 20 }, () => arena().fromArray(new Float32Array(64).fill(-7)));
    expect(bits(kept.sub!.toArray())).toEqual(bits(expected[0]));
    expect(bits(kept.layer!.getWeights()[0].data)).toEqual(bits(expected[1]));
    expect(bits(kept.output!.toArray())).toEqual(bits(expected[2]));
    const state = kept.optimizer!.getState(); // its slots are still live
    expect(state.length).toBe(expected.length - 3);
    state.forEach((e, i) => expect(bits(Float32Array.from(e.data))).toEqual(bits(expected[3 + i])));
    for (const region of fresh) arena().free(region);
  });

  it('dispose() unregisters: a later collection frees nothing twice', async () => {
    await collectGarbage();
    const before = memoryInfo();
    await (async () => {
      const m = model();
      await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
      m.dispose();
    })();
    expect(memoryInfo().bytesInUse).toBe(before.bytesInUse);
    // New blocks now sit where the disposed model's were; a stale callback would free them.
    const reused = Array.from({ length: 30 }, () => arena().allocF32(100));
    await collectGarbage();
    const after = memoryInfo();
    expect(after.reclaimedBlocks).toBe(before.reclaimedBlocks);
    for (const region of reused) expect(arena().isLive(region.block)).toBe(true);
    for (const region of reused) arena().free(region);
  });
});

describe('kernel workspace', () => {
  it('is given back after each call, including a failing one', () => {
    const m = 3, k = 40_000, n = 17;
    const a = arena().fromArray(new Float32Array(m * k).fill(0.5));
    const b = arena().fromArray(new Float32Array(k * n).fill(0.25));
    const c = arena().allocF32(m * n);
    const before = memoryInfo();
    kernels.gemm({ a, b, c, m, n, k });
    expect(c.toArray()[0]).toBe(5000);
    const after = memoryInfo();
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.top).toBe(before.top);
    expect(after.highWater).toBeGreaterThan(before.top); // the packing buffer was lent
    for (const r of [a, b, c]) arena().free(r);
  });

  it('a long-sequence predict keeps no workspace afterwards', () => {
    const before = memoryInfo();
    const m = sequential({ seed: 2 });
    m.add(layers.lstm({ units: 16, inputShape: [null, 4] }));
    const steps = 3000;
    const input = { shape: [4, steps, 4], data: Float32Array.from({ length: 4 * steps * 4 }, (_, i) => Math.cos(i)) };
    m.predict(input, { batchSize: 4 });
    const afterPredict = memoryInfo();
    m.dispose();
    // The forward's workspace (4·3000·64 floats) was lent for the call and is held by nothing now.
    expect(afterPredict.highWater - afterPredict.top).toBeGreaterThanOrEqual(4 * steps * 64 * 4);
    expect(memoryInfo().bytesInUse).toBe(before.bytesInUse);
  });
});

describe('reset()', () => {
  it('moves to a smaller fresh memory; live models keep their weights and compute the same bits', async () => {
    const kept = model(9);
    await kept.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const control = model(9);
    await control.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const region = arena().fromArray([1.5, -2, 3]);
    const oldView = region.view();
    // Reserve far more than is in use: a big block at the top, then freed.
    const big = arena().allocF32(20_000_000);
    arena().free(big);
    const before = memoryInfo();
    expect(before.bytesReclaimable).toBeGreaterThan(70_000_000);
    const info = await reset();
    expect(info.memoryBytes).toBeLessThan(before.memoryBytes - 70_000_000);
    expect(info.memoryBytes).toBeGreaterThanOrEqual(info.top);
    expect(info.bytesInUse).toBe(before.bytesInUse);
    expect(oldView.length).toBe(0); // detached, as after a grow
    expect(Array.from(region.toArray())).toEqual([1.5, -2, 3]);
    expect(bits(kept.predict(x).data)).toEqual(bits(control.predict(x).data));
    // Training goes on from the moved state exactly as it does without the move.
    await kept.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    await control.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    kept.getWeights().forEach((w, i) => expect(bits(w.data)).toEqual(bits(control.getWeights()[i].data)));
    arena().free(region);
    kept.dispose();
    control.dispose();
  });

  it('a huge build that cannot fit fails without growing the memory, and reset() gives back what grew', async () => {
    // Weights and gradients of 4·u·(in+u+1) floats each: 5.2 GB together, more than a Wasm
    // memory holds, though the first weights alone would fit. (null: no initial values to compute.)
    const huge = layers.lstm({ units: 9000, inputShape: [2, 9000] });
    await reset();
    const before = memoryInfo();
    expect(() => huge.build([null, 2, 9000], null)).toThrow(/cannot grow Wasm memory/);
    expect(memoryInfo().memoryBytes).toBe(before.memoryBytes);
    expect(memoryInfo().bytesInUse).toBe(before.bytesInUse);
    const grown = arena().allocF32(30_000_000);
    arena().free(grown);
    expect(memoryInfo().memoryBytes).toBeGreaterThan(before.memoryBytes + 100_000_000);
    expect((await reset()).memoryBytes).toBe(before.memoryBytes);
  });

  it('concurrent calls share one swap, and a reset with nothing to give back keeps the memory', async () => {
    await reset();
    const memory = arena().memory;
    const [a, b] = await Promise.all([reset(), reset()]);
    expect(a).toEqual(b);
    expect(arena().memory).toBe(memory);
  });

  it('is refused before init in a fresh module graph', async () => {
    const fresh = await import('../../src/runtime/module.js?fresh' as string) as typeof import('../../src/runtime/module.js');
    await expect(fresh.reset()).rejects.toThrow(/reset: seqwasm is not initialised/);
  });
});

