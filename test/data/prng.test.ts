import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, Prng, prng } from '../../src/util/prng.js';
import { testSeed } from '../util/random.js';

// An independent reference: xoshiro128** 1.1 and splitmix64 transcribed from Vigna's C code
// with BigInt arithmetic (no Math.imul, no int32 tricks), checked against published vectors.
const M32 = 0xffffffffn;
const M64 = (1n << 64n) - 1n;
const rotl32 = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M32;

function referenceXoshiro(state: bigint[]): () => number {
  const s = [...state];
  return () => {
    const result = (rotl32((s[1] * 5n) & M32, 7n) * 9n) & M32;
    const t = (s[1] << 9n) & M32;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl32(s[3], 11n);
    return Number(result);
  };
}

function referenceSplitmix64(seed: bigint): () => bigint {
  let x = seed & M64;
  return () => {
    x = (x + 0x9e3779b97f4a7c15n) & M64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    return z ^ (z >> 31n);
  };
}

/** The state Prng documents: the first two splitmix64 outputs, low word first. */
function referenceSeeded(seed: number): () => number {
  const next = referenceSplitmix64(BigInt.asUintN(64, BigInt(seed)));
  const a = next();
  const b = next();
  return referenceXoshiro([a & M32, a >> 32n, b & M32, b >> 32n]);
}

/** The origin derive() documents: splitmix64's mix of the parent's origin xor FNV-1a 64 of the key's UTF-8 bytes. */
function referenceOrigin(seed: number, keys: readonly (string | number)[]): bigint {
  const mix = (origin: bigint) => referenceSplitmix64((origin - 0x9e3779b97f4a7c15n) & M64)();
  let origin = BigInt.asUintN(64, BigInt(seed));
  for (const key of keys) {
    let hash = 0xcbf29ce484222325n;
    for (const byte of Buffer.from(String(key), 'utf8')) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & M64;
    origin = mix(origin ^ hash);
  }
  return origin;
}

/** The stream of `new Prng(seed).derive(keys[0]).derive(keys[1])…`. */
function referenceDerived(seed: number, keys: readonly (string | number)[]): () => number {
  const next = referenceSplitmix64(referenceOrigin(seed, keys));
  const a = next();
  const b = next();
  return referenceXoshiro([a & M32, a >> 32n, b & M32, b >> 32n]);
}

const draw = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);
const stream = (p: Prng) => () => p.nextU32();

describe('the reference implementations', () => {
  it('match the published xoshiro128** and splitmix64 vectors', () => {
    // xoshiro128starstar.c from state {1, 2, 3, 4} (also Rust rand_xoshiro's test vector).
    expect(draw(10, referenceXoshiro([1n, 2n, 3n, 4n]))).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804]);
    // splitmix64.c seeded with 1234567.
    const next = referenceSplitmix64(1234567n);
    expect(draw(5, next)).toEqual([6457827717110365317n, 3203168211198807973n, 9817491932198370423n, 4593380528125082431n, 16408922859458223821n]);
  });
});

describe('Prng', () => {
  it('draws exactly the reference stream for a seed', () => {
    const seed = testSeed();
    for (const s of [0, 1, 1234567, -1, 2 ** 53 - 1, seed]) {
      expect(draw(1000, stream(new Prng(s))), `seed ${s}`).toEqual(draw(1000, referenceSeeded(s)));
      expect(prng(s).nextU32()).toBe(new Prng(s).nextU32());
    }
    expect(new Prng().nextU32()).toBe(new Prng(DEFAULT_SEED).nextU32());
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new Prng(1.5)).toThrow(new RangeError('seed: expected a safe integer, got 1.5'));
    expect(() => new Prng(2 ** 53)).toThrow(RangeError);
    expect(() => new Prng(NaN)).toThrow(RangeError);
  });

  it('float() has 53 bits in [0, 1) and float32() 24 bits, both exact', () => {
    const a = new Prng(9);
    const b = referenceSeeded(9);
    for (let i = 0; i < 1000; i++) {
      const expected = ((b() >>> 5) * 2 ** 26 + (b() >>> 6)) / 2 ** 53;
      const f = a.float();
      expect(f).toBe(expected);
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      expect(Number.isInteger(f * 2 ** 53)).toBe(true);
      const g = a.float32();
      expect(g).toBe((b() >>> 8) / 2 ** 24);
      expect(Math.fround(g)).toBe(g);
    }
  });

  it('int(n) is unbiased: rejection keeps every residue equally likely', () => {
    // n = 3·2^30: a plain modulo would make residues below 2^30 twice as likely.
    const r = new Prng(testSeed());
    const n = 3 * 2 ** 30;
    const draws = 30000;
    let low = 0;
    let outside = 0;
    for (let i = 0; i < draws; i++) {
      const v = r.int(n);
      if (!(Number.isInteger(v) && v >= 0 && v < n)) outside++;
      if (v < 2 ** 30) low++;
    }
    expect(outside).toBe(0);
    // Expected draws/3 = 10000 (sd ≈ 82); a modulo bias would give ≈ 15000.
    expect(Math.abs(low - draws / 3)).toBeLessThan(500);
    expect(r.int(1)).toBe(0);
    expect(() => r.int(0)).toThrow(new RangeError('n: expected an integer in [1, 2^32], got 0'));
    expect(() => r.int(2 ** 32 + 1)).toThrow(RangeError);
  });

  it('int(n) follows the documented rejection rule exactly', () => {
    const r = new Prng(5);
    const ref = referenceSeeded(5);
    for (const n of [1, 2, 3, 7, 1000, 2 ** 31 + 1, 3 * 2 ** 30, 2 ** 32]) {
      const limit = 2 ** 32 - (2 ** 32 % n);
      let x = ref();
      while (x >= limit) x = ref();
      expect(r.int(n), `n ${n}`).toBe(x % n);
    }
  });

  it('shuffle() permutes in place, uniformly over small permutations', () => {
    const seed = testSeed();
    const r = new Prng(seed);
    const counts = new Map<string, number>();
    const trials = 24000;
    for (let i = 0; i < trials; i++) {
      const key = r.shuffle(['a', 'b', 'c', 'd']).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size, `seed ${seed}`).toBe(24);
    // 1000 expected per permutation; sd ≈ 31.
    for (const [key, count] of counts) expect(Math.abs(count - 1000), `seed ${seed}, ${key}`).toBeLessThan(200);
    const typed = Float32Array.of(1, 2, 3);
    expect(r.shuffle(typed)).toBe(typed);
    expect(r.shuffle([])).toEqual([]);
  });

  it('permutation(n) holds every index once and is reproducible per seed', () => {
    const seed = testSeed();
    const p = new Prng(seed).permutation(1000);
    expect(Array.from(p).sort((a, b) => a - b), `seed ${seed}`).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(new Prng(seed).permutation(1000)).toEqual(p);
    expect(new Prng(seed + 1).permutation(1000)).not.toEqual(p);
    expect(new Prng(seed).permutation(0)).toEqual(new Uint32Array(0));
  });

  it('derive(key) depends on the seed and the key only, not on draws', () => {
    const root = new Prng(42);
    const first = draw(8, stream(root.derive('dropout')));
    for (let i = 0; i < 100; i++) root.nextU32();
    expect(draw(8, stream(root.derive('dropout')))).toEqual(first);
    const streams = [new Prng(42).derive('init'), new Prng(42).derive('dropout'), new Prng(43).derive('init'), new Prng(42).derive(0), new Prng(42).derive('init').derive(1), new Prng(42)];
    const firsts = streams.map((p) => draw(4, stream(p)).join());
    expect(new Set(firsts).size).toBe(streams.length);
    expect(new Prng(42).derive(3).nextU32()).toBe(new Prng(42).derive('3').nextU32());
  });

  it('derive(key) draws the documented stream however the derived generator is first used', () => {
    const seed = testSeed();
    const keys = ['epoch 3', 17, 'é ✓'];
    const expected = (chain: readonly (string | number)[], n = 6) => draw(n, referenceDerived(seed, chain));
    const derived = (chain: readonly (string | number)[]) => chain.reduce<Prng>((p, key) => p.derive(key), new Prng(seed));
    for (let depth = 1; depth <= keys.length; depth++) {
      const chain = keys.slice(0, depth);
      expect(draw(6, stream(derived(chain))), `draws after ${chain.join(' / ')}`).toEqual(expected(chain));
      // Used first by a derive (of a generator never drawn from), a clone, a Wasm loan, a fork.
      expect(draw(6, stream(derived(chain).derive('child')))).toEqual(expected([...chain, 'child']));
      expect(draw(6, stream(derived(chain).clone()))).toEqual(expected(chain));
      const words = new Int32Array(4);
      derived(chain).lendStateTo(words);
      const first = referenceDerived(seed, chain);
      const state = new Prng(seed);
      state.takeStateFrom(words);
      expect(draw(6, stream(state))).toEqual(draw(6, first));
      const forked = derived(chain);
      forked.fork();
      expect(draw(4, stream(forked))).toEqual(expected(chain, 6).slice(2));
      // A state taken from Wasm replaces the draws, not the origin that derive() hashes.
      const taken = derived(chain);
      taken.takeStateFrom(Int32Array.of(1, 2, 3, 4));
      expect(draw(6, stream(taken.derive('child')))).toEqual(expected([...chain, 'child']));
      expect(draw(6, stream(taken))).toEqual(draw(6, referenceXoshiro([1n, 2n, 3n, 4n])));
    }
  });

  it('fork() splits an independent child off the current position', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const childA = a.fork();
    const childB = b.fork();
    expect(draw(8, stream(childA))).toEqual(draw(8, stream(childB)));
    expect(a.nextU32()).toBe(b.nextU32());
    const parent = new Prng(7);
    parent.fork();
    const reference = referenceSeeded(7);
    reference();
    reference();
    expect(parent.nextU32()).toBe(reference()); // a fork consumes two draws
    const child = a.fork();
    expect(draw(4, stream(child))).not.toEqual(draw(4, stream(a)));
  });

  it('clone() continues the same stream', () => {
    const a = new Prng(3);
    a.nextU32();
    const b = a.clone();
    expect(draw(16, stream(a))).toEqual(draw(16, stream(b)));
    expect(a.clone().derive('x').nextU32()).toBe(new Prng(3).derive('x').nextU32());
  });
});
