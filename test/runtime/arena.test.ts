import { describe, expect, it } from 'vitest';
import { Arena, ARENA_ALIGN } from '../../src/runtime/arena.js';
import { arena as globalArena } from '../../src/runtime/module.js';

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

  it('is the arena of the initialised module', () => {
    const a = globalArena();
    const r = a.fromArray([1.5, -2]);
    expect(Array.from(r.toArray())).toEqual([1.5, -2]);
    a.free(r);
  });
});
