// seqwasm's seeded pseudo-random numbers, used for weight initialisation, dropout masks and
// every shuffle. A seed gives the same numbers, bit for bit, in every JavaScript runtime,
// because nothing here depends on the engine's floating point or Math.random:
//
// - the generator is xoshiro128** 1.1 (Blackman & Vigna): 128 bits of state, 32-bit output,
//   period 2^128 − 1, only 32-bit integer operations (Math.imul, shifts, xor);
// - a seed (any safe integer) becomes the state through splitmix64, as the xoshiro authors
//   recommend, computed exactly with BigInt (only at construction, and for a derived stream on
//   its first draw: fit() derives one per batch, which a model without dropout never draws from);
// - floats are built from integer bits and divided by a power of two, which is exact.
//
// Streams. Code that needs randomness for different purposes should not share one
// generator, or adding a dropout layer would change the initial weights. Instead:
//
//   const root = new Prng(seed);
//   const init = root.derive('init');        // same stream for this seed and key,
//   const dropout = root.derive('dropout');  // whatever else was drawn from root
//   const epoch3 = root.derive('shuffle').derive(3);
//
// derive(key) depends only on the generator's origin (its seed, or the key chain that made
// it), never on how many numbers were drawn. fork() instead splits a child off the current
// position (consuming two draws), for when a fresh independent stream is needed on the fly.

/**
 * The seed used when a caller gives none (0), so that unseeded runs are reproducible too.
 *
 * @example
 * ```ts
 * prng().nextU32() === prng(DEFAULT_SEED).nextU32();   // true
 * ```
 */
export const DEFAULT_SEED = 0;

const UINT32_RANGE = 4294967296; // 2^32
const MASK64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;
/** True while blank() constructs a generator whose state its caller sets (fromOrigin(), expand()). */
let constructingBlank = false;

/**
 * What shuffle() accepts: any writable indexed collection (arrays, typed arrays).
 *
 * @example
 * ```ts
 * const ids: MutableArrayLike<number> = new Uint32Array([1, 2, 3]);
 * prng(1).shuffle(ids);
 * ```
 */
export interface MutableArrayLike<T> {
  /** Number of elements; indices 0 … length − 1 are read and written. */
  readonly length: number;
  [index: number]: T;
}

/**
 * seqwasm's seeded random numbers: xoshiro128** on 32-bit integers, so every runtime draws
 * the same numbers from the same seed (no `Math.random`). Models, initializers, dropout,
 * shuffling and {@link sample} take one (or a seed) wherever they need randomness.
 *
 * @example
 * ```ts
 * const rng = new Prng(42);
 * rng.int(6);               // a die roll in [0, 6), the same in every runtime
 * rng.shuffle([1, 2, 3, 4]);
 * ```
 */
export class Prng {
  // xoshiro128** state words, kept as int32 (what the bit operations produce).
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** The 64-bit value the state was expanded from; derive() hashes keys into it. */
  private origin = 0n;
  /** Set by derive() until the stream is first used: the origin and state are computed then. */
  private derivedFrom: { parent: Prng; key: string | number } | undefined = undefined;

  /** A generator seeded with any safe integer (negative seeds are taken modulo 2^64). */
  constructor(seed: number = DEFAULT_SEED) {
    if (constructingBlank) {
      constructingBlank = false;
      return;
    }
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed: expected a safe integer, got ${seed}`);
    this.reset(BigInt.asUintN(64, BigInt(seed)));
  }

  /** The next 32 uniformly random bits, as an integer in [0, 2^32). */
  nextU32(): number {
    if (this.derivedFrom !== undefined) this.expand();
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return result;
  }

  /** A uniform integer in [0, n), 1 <= n <= 2^32, without modulo bias (by rejection). */
  int(n: number): number {
    if (!(Number.isInteger(n) && n >= 1 && n <= UINT32_RANGE)) throw new RangeError(`n: expected an integer in [1, 2^32], got ${n}`);
    return this.below(n);
  }

  /** A uniform float in [0, 1) with 53 random bits: every multiple of 2^-53 equally likely. */
  float(): number {
    const high = this.nextU32() >>> 5; // 27 bits
    const low = this.nextU32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** A uniform float in [0, 1) with 24 random bits, exactly representable as a float32. */
  float32(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  /** Shuffles `array` in place (Fisher–Yates, every permutation equally likely) and returns it. */
  shuffle<A extends MutableArrayLike<unknown>>(array: A): A {
    if (array.length > UINT32_RANGE) throw new RangeError(`array: expected at most 2^32 elements, got ${array.length}`);
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const swap = array[i];
      array[i] = array[j];
      array[j] = swap;
    }
    return array;
  }

  /** A uniformly random permutation of 0 … n−1. */
  permutation(n: number): Uint32Array {
    if (!(Number.isInteger(n) && n >= 0 && n <= UINT32_RANGE)) throw new RangeError(`n: expected an integer in [0, 2^32], got ${n}`);
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order);
  }

  /**
   * The stream named `key` under this generator: a function of this generator's origin and
   * the key only, so it does not change when numbers are drawn from this generator.
   */
  derive(key: string | number): Prng {
    const child = Prng.blank();
    child.derivedFrom = { parent: this, key };
    return child;
  }

  /** An independent child stream split off at the current position (draws two numbers from this one). */
  fork(): Prng {
    const high = BigInt(this.nextU32());
    return Prng.fromOrigin((high << 32n) | BigInt(this.nextU32()));
  }

  /** A copy in the same state: both then produce the same numbers. */
  clone(): Prng {
    if (this.derivedFrom !== undefined) this.expand();
    const copy = Prng.blank();
    copy.s0 = this.s0;
    copy.s1 = this.s1;
    copy.s2 = this.s2;
    copy.s3 = this.s3;
    copy.origin = this.origin;
    return copy;
  }

  /**
   * @internal Copies the four state words into `words[0 … 3]` (a view of Wasm memory), so
   * that a kernel can draw from this stream (assembly/random.ts); {@link takeStateFrom} then
   * continues it where the kernel stopped.
   */
  lendStateTo(words: Int32Array): void {
    if (this.derivedFrom !== undefined) this.expand();
    words[0] = this.s0;
    words[1] = this.s1;
    words[2] = this.s2;
    words[3] = this.s3;
  }

  /** @internal Takes back the state a kernel advanced in `words[0 … 3]` (see {@link lendStateTo}). */
  takeStateFrom(words: Int32Array): void {
    if (this.derivedFrom !== undefined) this.expand(); // the origin, for derive()
    this.s0 = words[0];
    this.s1 = words[1];
    this.s2 = words[2];
    this.s3 = words[3];
  }

  /** A generator without state yet (its caller sets it): expanding a seed it would not use costs two mix64s. */
  private static blank(): Prng {
    constructingBlank = true;
    return new Prng();
  }

  private static fromOrigin(origin: bigint): Prng {
    const prng = Prng.blank();
    prng.reset(origin);
    return prng;
  }

  /** A derived stream's origin: a hash of its parent's origin and its key (see derive()). */
  private originOf(): bigint {
    if (this.derivedFrom !== undefined) this.expand();
    return this.origin;
  }

  /** Computes a derived stream's origin and state, on its first use. */
  private expand(): void {
    const { parent, key } = this.derivedFrom!;
    let hash = 0xcbf29ce484222325n; // FNV-1a 64 over the key's UTF-8 bytes
    for (const byte of new TextEncoder().encode(String(key))) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & MASK64;
    this.reset(mix64(parent.originOf() ^ hash));
    this.derivedFrom = undefined;
  }

  /** State = the first two splitmix64 outputs from `origin` (never all zero: mix64 is a bijection). */
  private reset(origin: bigint): void {
    this.origin = origin;
    const first = mix64((origin + GOLDEN_GAMMA) & MASK64);
    const second = mix64((origin + 2n * GOLDEN_GAMMA) & MASK64);
    this.s0 = Number(first & 0xffffffffn) | 0;
    this.s1 = Number(first >> 32n) | 0;
    this.s2 = Number(second & 0xffffffffn) | 0;
    this.s3 = Number(second >> 32n) | 0;
  }

  /** Unchecked int(): 1 <= n <= 2^32. Rejects the top 2^32 mod n values so every residue is equally likely. */
  private below(n: number): number {
    const limit = UINT32_RANGE - (UINT32_RANGE % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }
}

/**
 * Shorthand for `new Prng(seed)`.
 *
 * @example
 * ```ts
 * const [id] = sample(model.predict(x), { rng: prng(42) });
 * ```
 */
export function prng(seed: number = DEFAULT_SEED): Prng {
  return new Prng(seed);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The splitmix64 output function (Stafford's Mix13 variant), a bijection on 64-bit integers. */
function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}
