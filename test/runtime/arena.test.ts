import { describe, expect, it } from 'vitest';
import { kernels, layers, sequential, type Sequential } from '../../src/index.js';
import { Arena, ARENA_ALIGN, F32Region, KEPT_SCRATCH_BYTES } from '../../src/runtime/arena.js';
import { arena as globalArena } from '../../src/runtime/module.js';
import { thrown } from '../util/thrown.js';

/** A standalone arena over a small memory, so growth is easy to provoke. */
function smallArena(pages = 1, base = 1000): Arena {
  return new Arena(new WebAssembly.Memory({ initial: pages, maximum: 64 }), base);
}

describe('Arena', () => {
  it('hands out aligned, disjoint blocks above the heap base', () => {
    const arena = smallArena();
    const regions = [1, 3, 17, 129, 16].map((n) => arena.allocF32(n));
    for (const r of regions) {
      expect(r.offset % ARENA_ALIGN).toBe(0);
      expect(r.offset).toBeGreaterThanOrEqual(1000);
    }
    const spans = regions.map((r) => [r.offset, r.offset + 4 * r.length]).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  });

  it('reuses freed blocks and merges neighbours', () => {
    const arena = smallArena();
    const a = arena.allocF32(100);
    const b = arena.allocF32(100);
    const c = arena.allocF32(100);
    arena.free(a);
    arena.free(b);
    // a and b merged: a block larger than either alone fits where a was.
    const d = arena.allocF32(200);
    expect(d.offset).toBe(a.offset);
    arena.free(c);
    arena.free(d);
    expect(arena.bytesInUse).toBe(0);
    // Everything returned: the next allocation starts at the base again.
    expect(arena.allocF32(1).offset).toBe(a.offset);
  });

  it('grows memory and re-creates views after growth', () => {
    const arena = smallArena(1);
    const first = arena.fromArray([1, 2, 3]);
    const before = arena.f32;
    const big = arena.allocF32(70_000); // more than one 64 KiB page
    expect(arena.memory.buffer.byteLength).toBeGreaterThanOrEqual(big.offset + 4 * big.length);
    expect(before.byteLength).toBe(0); // the old view was detached by grow
    expect(arena.f32.length).toBe(arena.memory.buffer.byteLength / 4);
    expect(Array.from(first.view())).toEqual([1, 2, 3]);
  });

  it('rejects freed, foreign and too-small regions with clear errors', () => {
    const arena = smallArena();
    const other = smallArena();
    const r = arena.allocF32(8);
    expect(arena.check('x', r, 8)).toBe(r.offset);
    expect(() => arena.check('x', r, 9)).toThrow(/x: needs 9 floats but the region holds 8/);
    expect(() => arena.check('x', other.allocF32(8), 1)).toThrow(TypeError);
    expect(() => arena.check('x', { offset: 0, length: 8 } as never, 1)).toThrow(/x: expected an F32Region/);
    arena.free(r);
    expect(() => arena.check('x', r, 1)).toThrow(/x: the region at byte \d+ was freed/);
    expect(() => r.view()).toThrow(/freed/);
    expect(() => arena.free(r)).toThrow(/not a live allocation/);
    expect(() => arena.allocF32(-1)).toThrow(RangeError);
    expect(() => arena.allocF32(1.5)).toThrow(RangeError);
  });

  it('sub-regions stay inside their parent and share its lifetime', () => {
    const arena = smallArena();
    const r = arena.fromArray([0, 1, 2, 3, 4, 5]);
    const s = r.sub(2, 3);
    expect(Array.from(s.view())).toEqual([2, 3, 4]);
    expect(() => r.sub(4, 3)).toThrow(/start \+ length <= 6/);
    expect(() => s.set([1, 2, 3, 4])).toThrow(RangeError);
    arena.free(r);
    expect(() => s.view()).toThrow(/freed/);
  });

  it('reports memory exhaustion as a RangeError', () => {
    const arena = smallArena(1);
    expect(() => arena.allocF32(64 * 65536)).toThrow(/cannot grow Wasm memory/);
    // The failed allocation left the arena usable.
    expect(arena.allocF32(4).length).toBe(4);
  });

  it('allocMany takes all or none, and a request that cannot fit leaves the memory ungrown', () => {
    const arena = smallArena(1);
    const before = arena.memory.buffer.byteLength;
    // 40 pages would fit alone; with the 40 after it the total exceeds the 64-page maximum.
    expect(() => arena.allocMany([10 * 65536, 10 * 65536])).toThrow(/cannot grow Wasm memory/);
    expect(arena.memory.buffer.byteLength).toBe(before);
    expect(arena.bytesInUse).toBe(0);
    // Beyond what any Wasm memory can address: refused before asking the memory to grow.
    expect(() => arena.allocF32(2 ** 31)).toThrow(/at most 4294967296 bytes/);
    const [a, b] = arena.allocMany([3, 17]);
    expect([a.length, b.length]).toEqual([3, 17]);
    expect(arena.bytesInUse).toBe(3 * ARENA_ALIGN); // 17 floats take two 64-byte lines
  });

  it('keeps small workspace between calls and lends large workspace for one call only', () => {
    const arena = smallArena(1);
    const kept = arena.allocF32(4);
    const end = kept.offset + ARENA_ALIGN;
    const small = arena.withScratch('work', 1000, (offset) => offset);
    expect(small).toBe(end);
    expect(arena.withScratch('work', 10, (offset) => offset)).toBe(small); // reused, not taken again
    expect(arena.usage()).toMatchObject({ bytesInUse: ARENA_ALIGN, top: end + 4000 + 32 });
    arena.dropScratch();
    expect(arena.usage().top).toBe(end);
    // Above KEPT_SCRATCH_BYTES: lent for the call and given back, even when the call throws.
    const floats = KEPT_SCRATCH_BYTES / 4 + 1;
    const used = arena.withScratch('work', floats, (offset) => {
      expect(offset % ARENA_ALIGN).toBe(0);
      return offset;
    });
    expect(arena.usage()).toMatchObject({ bytesInUse: ARENA_ALIGN, top: end });
    expect(arena.usage().highWater).toBeGreaterThanOrEqual(used + 4 * floats);
    expect(() => arena.withScratch('work', floats, () => {
      throw new Error('inside');
    })).toThrow('inside');
    expect(arena.usage().top).toBe(end);
    expect(() => arena.withScratch('work', 64 * 65536, () => 0)).toThrow(/work: cannot allocate 4194304 floats of workspace/);
  });

  it('is the arena of the initialised module', () => {
    const a = globalArena();
    const r = a.fromArray([1.5, -2]);
    expect(Array.from(r.toArray())).toEqual([1.5, -2]);
    a.free(r);
  });
});

describe('forged regions', () => {
  /** A built model whose weights the forgeries aim at. */
  function victim(): Sequential {
    const model = sequential({ seed: 3 });
    model.add(layers.lstm({ units: 4, inputShape: [3, 2] }));
    model.add(layers.dense({ units: 2 }));
    model.build();
    return model;
  }

  function weightBits(model: Sequential): Uint32Array[] {
    return model.getWeights().map((w) => new Uint32Array(Float32Array.from(w.data).buffer));
  }

  it('cannot be constructed: the constructor refuses every caller but the arena', () => {
    const model = victim();
    const live = model.layers[0].weights[0].value;
    const error = thrown(() => new (F32Region as unknown as new (...args: unknown[]) => F32Region)(globalArena(), live.block, 0, 1e8));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/F32Region: regions cannot be constructed; take them from arena\(\)\.allocF32\(\)/);
    expect(() => Reflect.construct(F32Region, [Symbol('F32Region.issuing'), globalArena(), live.block, 0, 1e8])).toThrow(TypeError);
    model.dispose();
  });

  it('every forgery is a typed error and no other model\'s weights change', () => {
    const model = victim();
    const before = weightBits(model);
    const live = model.layers[0].weights[0].value;
    const memory = globalArena();
    const foreign = new Arena(memory.memory, 0); // a second arena over the same memory
    const freed = memory.fromArray([1, 2, 3, 4]);
    const freedSub = freed.sub(1, 2);
    memory.free(freed);
    const reused = memory.allocF32(4); // likely the same start as the freed block: must not revive it
    const forgeries: [string, () => unknown, new (...args: never[]) => Error, RegExp][] = [
      ['Object.create with the prototype', () => Object.create(F32Region.prototype, { arena: { value: memory }, block: { value: live.block }, offset: { value: 0 }, length: { value: 1e8 } }), TypeError, /expected an F32Region of the seqwasm arena/],
      ['a plain copy of a live region', () => ({ ...live, length: 1e8 }), TypeError, /expected an F32Region of the seqwasm arena/],
      ['a copy keeping the prototype', () => Object.assign(Object.create(F32Region.prototype), live, { offset: 0 }), TypeError, /expected an F32Region of the seqwasm arena/],
      ['a region of a foreign arena over the same memory', () => foreign.allocF32(1e6), TypeError, /expected an F32Region of the seqwasm arena/],
      ['a region of a freed block', () => freed, RangeError, /was freed/],
      ['a sub-region of a freed block', () => freedSub, RangeError, /was freed/],
    ];
    for (const [name, forge, type, message] of forgeries) {
      const region = forge() as F32Region;
      for (const call of [() => kernels.fill(region, 0), () => kernels.fill(region, 0, 4), () => kernels.copy(reused, region, 4), () => kernels.scale(2, region)]) {
        const error = thrown(call);
        expect(error, name).toBeInstanceOf(type);
        expect(error.message, name).toMatch(message);
      }
    }
    expect(memory.isLive(freed.block)).toBe(false);
    expect(memory.isLive(reused.block)).toBe(true);
    memory.free(reused);
    expect(weightBits(model)).toEqual(before);
    model.dispose();
  });

  it('every kernel refuses a forgery in every region argument, before any Wasm runs', () => {
    const model = victim();
    const before = weightBits(model);
    const target = model.layers[0].weights[0].value; // the forgeries point at these weights
    const forged = Object.create(F32Region.prototype, { arena: { value: globalArena() }, block: { value: target.block }, offset: { value: target.offset }, length: { value: 1e6 } }) as F32Region;
    const spec = { cell: 'gru' as const, batch: 2, steps: 2, features: 2, units: 2 };
    const packed = kernels.packRecurrentWeights(spec, { kernel: globalArena().allocF32(12), recurrentKernel: globalArena().allocF32(12), bias: globalArena().allocF32(12) });
    // Each call takes its regions from r (256 floats each, enough for every size used here).
    const calls: [string, number, (r: F32Region[]) => unknown][] = [
      ['activate', 2, ([a, b]) => kernels.activate('tanh', a, b, 4)],
      ['exp', 2, ([a, b]) => kernels.exp(a, b, 4)],
      ['sigmoid', 2, ([a, b]) => kernels.sigmoid(a, b, 4)],
      ['relu', 2, ([a, b]) => kernels.relu(a, b, 4)],
      ['activateGrad', 3, ([a, b, c]) => kernels.activateGrad('sigmoid', a, b, c, 4)],
      ['softmax', 2, ([a, b]) => kernels.softmax(a, 2, 2, b)],
      ['softmaxGrad', 3, ([a, b, c]) => kernels.softmaxGrad(a, b, 2, 2, c)],
      ['add', 3, ([a, b, c]) => kernels.add(a, b, c, 4)],
      ['mul', 3, ([a, b, c]) => kernels.mul(a, b, c, 4)],
      ['axpy', 2, ([a, b]) => kernels.axpy(2, a, b, 4)],
      ['scale', 2, ([a, b]) => kernels.scale(2, a, b, 4)],
      ['clip', 2, ([a, b]) => kernels.clip(a, -1, 1, b, 4)],
      ['fill', 1, ([a]) => kernels.fill(a, 0, 4)],
      ['copy', 2, ([a, b]) => kernels.copy(a, b, 4)],
      ['transpose', 2, ([a, b]) => kernels.transpose(a, b, 2, 2)],
      ['columnSums', 2, ([a, b]) => kernels.columnSums(a, b, 2, 2)],
      ['sumSquares', 1, ([a]) => kernels.sumSquares(a, 4)],
      ['gemm', 4, ([a, b, c, bias]) => kernels.gemm({ a, b, c, bias, m: 2, n: 2, k: 2 })],
      ['packWeights', 3, ([b, bias, out]) => kernels.packWeights({ b, bias, out, n: 2, k: 2 })],
      ['gemmPacked', 3, ([a, packedPanel, c]) => kernels.gemmPacked({ a, packed: packedPanel, c, m: 2, n: 2, k: 2 })],
      ['packRecurrentWeights', 4, ([kernel, recurrentKernel, bias, out]) => kernels.packRecurrentWeights(spec, { kernel, recurrentKernel, bias }, out)],
      ['recurrentForward', 2, ([x, sequence]) => kernels.recurrentForward(spec, { x, packed, sequence })],
      ['meanSquaredError', 4, ([a, b, grad, mask]) => kernels.meanSquaredError(a, b, 2, 2, grad, mask)],
      ['categoricalCrossentropy', 3, ([a, b, grad]) => kernels.categoricalCrossentropy(a, b, 2, 2, 'logits', grad)],
      ['sparseCategoricalAccuracySum', 2, ([a, ids]) => kernels.sparseCategoricalAccuracySum(a, ids, 2, 2)],
      ['sgdUpdate', 3, ([w, g, v]) => kernels.sgdUpdate(w, g, v, { learningRate: 0.1, momentum: 0.9 }, 4)],
      ['rmspropUpdate', 4, ([w, g, ms, mom]) => kernels.rmspropUpdate(w, g, { meanSquare: ms, momentum: mom }, { learningRate: 0.1, rho: 0.9, epsilon: 1e-7, momentum: 0.5 }, 4)],
      ['adamUpdate', 4, ([w, g, m, v]) => kernels.adamUpdate(w, g, { m, v }, { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 }, 4)],
      ['adagradUpdate', 3, ([w, g, acc]) => kernels.adagradUpdate(w, g, acc, { learningRate: 0.1, epsilon: 1e-7 }, 4)],
    ];
    let refused = 0;
    for (const [name, count, call] of calls) {
      const genuine = Array.from({ length: count }, () => globalArena().fromArray(new Float32Array(256)));
      call(genuine); // the call is valid with genuine regions…
      for (let i = 0; i < count; i++) {
        const args = genuine.map((r, j) => (j === i ? forged : r));
        const error = thrown(() => call(args)); // …and refuses the forgery wherever it stands
        expect(error, `${name} argument ${i}`).toBeInstanceOf(TypeError);
        expect(error.message, `${name} argument ${i}`).toMatch(/expected an F32Region of the seqwasm arena/);
        refused++;
      }
      for (const r of genuine) globalArena().free(r);
    }
    expect(refused).toBe(calls.reduce((sum, [, count]) => sum + count, 0));
    expect(weightBits(model)).toEqual(before);
    model.dispose();
  });

  it('a genuine region cannot be altered into a forgery', () => {
    const model = victim();
    const before = weightBits(model);
    const live = model.layers[0].weights[0].value;
    const writable = live as unknown as { offset: number; length: number; block: { bytes: number; start: number } };
    expect(() => {
      writable.length = 1e8;
    }).toThrow(TypeError);
    expect(() => {
      writable.offset = 0;
    }).toThrow(TypeError);
    expect(() => {
      writable.block.bytes = 1e9;
    }).toThrow(TypeError);
    expect(() => Object.defineProperty(live, 'length', { value: 1e8 })).toThrow(TypeError);
    expect(live.length).toBe(2 * 16);
    expect(weightBits(model)).toEqual(before);
    model.dispose();
  });

  it('sub() and set() take only whole numbers inside the region', () => {
    const region = globalArena().fromArray([0, 1, 2, 3, 4, 5]);
    for (const [start, length] of [[0, 7], [6, 1], [-1, 2], [0.5, 2], [1, 2.5], [Number.NaN, 1], [1, -1], [1e8, 1]]) {
      expect(() => region.sub(start, length), `sub(${start}, ${length})`).toThrow(RangeError);
    }
    expect(() => region.sub(1e8)).toThrow(RangeError);
    expect(() => region.set([1], 0.5)).toThrow(RangeError);
    expect(() => region.set([1], -1)).toThrow(RangeError);
    expect(() => region.set([1, 2], 5)).toThrow(RangeError);
    const inner = region.sub(2, 3);
    expect(() => inner.sub(2, 2)).toThrow(/start \+ length <= 3/);
    expect(Array.from(inner.sub(1, 2).view())).toEqual([3, 4]);
    globalArena().free(region);
  });
});
